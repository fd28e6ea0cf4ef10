"""The trash: deleting a story moves it there, whole and restorable, for a while.

A story in the trash is hidden from readers (its address answers 410 Gone), from
feeds, sitemaps, search, the API and Go deeper links, and from the desk's lists; its
slug, revisions, bylines, comments and history stay. Editors trash any story, and a
journalist their own drafts that were never published; a live story must be taken
down first. After ``NEWSROOM["TRASH_DAYS"]`` days a job deletes it for good. Every step
is audited.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from articles.cache import invalidate_pages, of_change
from articles.models import AuditEntry, Story
from articles.models.audit import declare_action

from .machine import TransitionError

TRASH = declare_action("trash", "Moved to the trash")
UNTRASH = declare_action("untrash", "Restored from the trash")
PURGE = declare_action("purge", "Deleted for good")

#: Sent inside the transaction that moves a story to the trash: ``story``, ``actor``,
#: ``at``. The job that empties the trash, and the apps built on the stories, listen.
trashed = Signal()


def trash_days() -> int:
    return int(settings.NEWSROOM.get("TRASH_DAYS", 30))


def can_trash(user, story: Story) -> bool:
    """Editors (who may delete stories) any story; journalists their own never-published drafts."""
    if not user.is_active:
        return False
    if user.has_perm("articles.delete_story"):
        return True
    return (
        user.has_perm("articles.change_story")
        and story.first_published_at is None
        and story.is_written_by(user)
    )


def _locked(story: Story) -> Story:
    return Story.objects.select_for_update().get(pk=story.pk)


def trash(story: Story, actor, *, ip_address: str | None = None) -> Story:
    """Move ``story`` to the trash. Refused for a live story: unpublish it first."""
    if actor is not None and not can_trash(actor, story):
        raise PermissionDenied("You may not delete this story.")
    at = timezone.now()
    with transaction.atomic():
        locked = _locked(story)
        if locked.trashed_at is not None:
            raise TransitionError("This story is already in the trash.")
        if locked.live_revision_id is not None:
            raise TransitionError(
                "This story is on the site: unpublish it first, then move it to the trash."
            )
        Story.objects.filter(pk=locked.pk).update(trashed_at=at, trashed_by=actor)
        AuditEntry.record(
            TRASH,
            actor=actor,
            story=locked,
            message=f"Deleted for good after {trash_days()} days unless restored.",
            ip_address=ip_address,
            at=at,
        )
        locked.trashed_at = at
        trashed.send(sender=Story, story=locked, actor=actor, at=at)
        # A story that was once published now answers 410 where it answered 404.
        invalidate_pages(
            f"trashed story {locked.pk}",
            of_change(locked.pk, None, None, translations=locked.translation_ids()),
        )
    story.refresh_from_db()
    return story


def restore_from_trash(story: Story, actor, *, ip_address: str | None = None) -> Story:
    """Take ``story`` out of the trash, as it was: slug, revisions, bylines and all."""
    if actor is not None and not can_trash(actor, story):
        raise PermissionDenied("You may not restore this story.")
    with transaction.atomic():
        locked = _locked(story)
        if locked.trashed_at is None:
            raise TransitionError("This story is not in the trash.")
        Story.objects.filter(pk=locked.pk).update(trashed_at=None, trashed_by=None)
        AuditEntry.record(UNTRASH, actor=actor, story=locked, ip_address=ip_address)
        invalidate_pages(
            f"restored story {locked.pk} from the trash",
            of_change(locked.pk, None, None, translations=locked.translation_ids()),
        )
    story.refresh_from_db()
    return story


def purge(story: Story, actor=None, *, ip_address: str | None = None) -> None:
    """Delete a story in the trash for good (the audit log keeps its headline)."""
    if actor is not None and not (actor.is_active and actor.is_superuser):
        raise PermissionDenied("Only an administrator may empty the trash by hand.")
    with transaction.atomic():
        locked = _locked(story)
        if locked.trashed_at is None:
            raise TransitionError("Only a story in the trash can be deleted for good.")
        AuditEntry.record(
            PURGE,
            actor=actor,
            story=locked,
            message=f"In the trash since {timezone.localtime(locked.trashed_at):%Y-%m-%d %H:%M}.",
            ip_address=ip_address,
        )
        locked.delete()


def purge_due(at=None) -> int:
    """Delete for good every story in the trash for longer than the trash keeps them."""
    cutoff = (at or timezone.now()) - timedelta(days=trash_days())
    done = 0
    for story in Story.objects.in_trash().filter(trashed_at__lte=cutoff).only("pk"):
        try:
            purge(story)
        except (TransitionError, Story.DoesNotExist):
            continue  # restored or purged meanwhile
        done += 1
    return done
