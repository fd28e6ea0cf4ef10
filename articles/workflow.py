"""The editorial state machine: every status change of a story goes through here.

    draft ──submit──▶ in_review ──approve──▶ approved ──schedule──▶ scheduled
      ▲                  │                      │                      │
      │           request_changes ◀─────────────┴──────────────────────┘
      │                  ▼
      └──(edit)── changes_requested            publish (editors, from any state) ──▶ published
                                               unpublish (any live story) ──▶ unpublished

Each transition checks the actor's permission on the server, runs in one
transaction with the story row locked (so two clicks on Approve make one
transition), records an :class:`AuditEntry` and, after commit, tells the people
concerned by email.

Liveness is separate from status: ``Story.live_revision`` is what readers see.
Editing a live story sets its status back to draft without touching the live
page, until it is published again. Editing a story that is in review, approved or
scheduled sends it back to draft: an approval covers the text that was reviewed,
never later changes.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from articles import search
from articles.cache import invalidate_pages
from articles.models import AuditEntry, Status, Story
from articles.notifications import notify


class TransitionError(ValidationError):
    """A transition that cannot happen now; ``.message`` is for the person who tried.

    A ValidationError, so forms and admin views show it like any other refusal.
    """


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset
    target: str
    permission: str
    action: str
    needs_comment: bool = False
    #: Writers of the story (creator or byline) may do it with the permission alone;
    #: other transitions need the permission on every story.
    writers_only: bool = False


_ALL = frozenset(Status.values)
_REVIEWED = frozenset({Status.IN_REVIEW, Status.APPROVED, Status.SCHEDULED})

TRANSITIONS = {
    t.name: t
    for t in [
        Transition(
            "submit",
            "Submit for review",
            frozenset({Status.DRAFT, Status.CHANGES_REQUESTED, Status.UNPUBLISHED}),
            Status.IN_REVIEW,
            "articles.change_story",
            AuditEntry.Action.SUBMIT,
            writers_only=True,
        ),
        Transition(
            "request_changes",
            "Request changes",
            _REVIEWED,
            Status.CHANGES_REQUESTED,
            "articles.review_story",
            AuditEntry.Action.REQUEST_CHANGES,
            needs_comment=True,
        ),
        Transition(
            "approve",
            "Approve",
            frozenset({Status.IN_REVIEW}),
            Status.APPROVED,
            "articles.review_story",
            AuditEntry.Action.APPROVE,
        ),
        Transition(
            "schedule",
            "Schedule",
            frozenset({Status.APPROVED, Status.SCHEDULED}),
            Status.SCHEDULED,
            "articles.publish_story",
            AuditEntry.Action.SCHEDULE,
        ),
        Transition(
            "cancel_schedule",
            "Cancel schedule",
            frozenset({Status.SCHEDULED}),
            Status.APPROVED,
            "articles.publish_story",
            AuditEntry.Action.CANCEL_SCHEDULE,
        ),
        Transition(
            "publish",
            "Publish now",
            _ALL - {Status.PUBLISHED},
            Status.PUBLISHED,
            "articles.publish_story",
            AuditEntry.Action.PUBLISH,
        ),
        Transition(
            "unpublish",
            "Unpublish",
            _ALL,
            Status.UNPUBLISHED,
            "articles.publish_story",
            AuditEntry.Action.UNPUBLISH,
        ),
    ]
}


def is_writer(user, story: Story) -> bool:
    """The story's creator, or someone with a byline on it."""
    if not story.pk:
        return True
    return story.created_by_id == user.pk or story.bylines.filter(author__user=user).exists()


def can_edit(user, story: Story) -> bool:
    """Editors edit every story; journalists their own and those they have a byline on."""
    if not (user.is_active and user.has_perm("articles.change_story")):
        return False
    return user.has_perm("articles.review_story") or is_writer(user, story)


def can_view(user, story: Story) -> bool:
    """Who may see a story's working copy, history and preview links in the admin."""
    if not (user.is_active and user.is_staff and user.has_perm("articles.view_story")):
        return False
    return user.has_perm("articles.review_story") or is_writer(user, story)


def visible_stories(user):
    """The stories ``user`` may see in the admin: all for editors, their own for writers."""
    from django.db.models import Q

    stories = Story.objects.all()
    if user.has_perm("articles.review_story"):
        return stories
    return stories.filter(Q(created_by=user) | Q(bylines__author__user=user)).distinct()


def can(user, story: Story, name: str) -> bool:
    """Whether ``user`` may make transition ``name`` on ``story`` in its current state."""
    transition = TRANSITIONS[name]
    if story.status not in transition.sources:
        return False
    if name == "unpublish" and not story.is_live:
        return False
    return allowed(user, story, transition)


def available(user, story: Story) -> list[Transition]:
    return [t for name, t in TRANSITIONS.items() if can(user, story, name)]


def allowed(user, story, transition: Transition) -> bool:
    """Whether ``user`` holds the right for ``transition`` on ``story``, whatever its state."""
    if not (user.is_active and user.has_perm(transition.permission)):
        return False
    return not transition.writers_only or can_edit(user, story)


def transition(
    story: Story,
    name: str,
    *,
    by=None,
    message: str = "",
    at: datetime | None = None,
    publish_at: datetime | None = None,
    expire_at: datetime | None = None,
    ip_address: str | None = None,
) -> Story:
    """Make transition ``name``; ``by=None`` is the system (scheduled jobs, commands)."""
    step = TRANSITIONS[name]
    if by is not None and not allowed(by, story, step):
        raise PermissionDenied(f"You may not {step.label.lower()} this story.")
    message = (message or "").strip()
    if step.needs_comment and not message:
        raise TransitionError("Write a comment for the writers: what should change?")
    at = at or timezone.now()

    with transaction.atomic():
        locked = Story.objects.select_for_update().get(pk=story.pk)
        if locked.status not in step.sources or (name == "unpublish" and not locked.is_live):
            raise TransitionError(
                f"This story is {locked.get_status_display().lower()} now, so it cannot be "
                f"changed with “{step.label}”. Someone may have just changed it: reload the page."
            )
        from_status = locked.status
        _EFFECTS[name](
            locked, at=at, message=message, publish_at=publish_at, expire_at=expire_at, by=by
        )
        locked.status = step.target
        locked.save(workflow=True)
        if name in ("publish", "unpublish"):
            search.index_story(locked, locked.live_revision and locked.live_revision.snapshot)
            invalidate_pages()
        revision = locked.live_revision if name == "publish" else locked.latest_revision()
        AuditEntry.objects.create(
            actor=by,
            action=step.action,
            story=locked,
            revision_number=revision.number if revision else None,
            from_status=from_status,
            to_status=step.target,
            message=message,
            ip_address=ip_address,
            created_at=at,
        )
        transaction.on_commit(lambda: notify(locked, step, by, message))
    story.refresh_from_db()
    return story


# --- what each transition does besides changing the status ------------------------


def _submit(story, **_):
    story.workflow_note = ""


def _request_changes(story, *, message, **_):
    story.workflow_note = message
    story.approved_revision = None
    story.scheduled_at = None


def _approve(story, **_):
    story.approved_revision = story.latest_revision()
    story.workflow_note = ""


def _schedule(story, *, at, publish_at, expire_at, **_):
    from articles import tasks

    if publish_at is None:
        raise TransitionError("Choose when the story should go live.")
    if publish_at <= at:
        raise TransitionError("The publish time must be in the future.")
    if expire_at is not None and expire_at <= publish_at:
        raise TransitionError("The expiry must come after the publish time.")
    story.scheduled_at = publish_at
    story.expire_at = expire_at
    tasks.enqueue_scheduled_publish(story, publish_at)


def _cancel_schedule(story, **_):
    story.scheduled_at = None
    story.expire_at = None


def _publish(story, *, at, by, **_):
    from articles import tasks

    if story.headline_is_provisional:
        raise TransitionError(
            "This story still has the importer's provisional headline. "
            "Write a real headline before publishing."
        )
    snapshot = story.snapshot()
    revision = story.latest_revision()
    if revision is None or revision.snapshot != snapshot:
        revision = story.save_revision(by=by, message="Published", reset_review=False)
    story.live_revision = revision
    story.first_published_at = story.first_published_at or at
    story.last_published_at = at
    story.scheduled_at = None
    story.workflow_note = ""
    story.live_section_id = snapshot["section"]["id"] if snapshot["section"] else None
    # The rows carry the first publication time for the author and tag listings; it
    # never changes once set, so rows kept by set() stay right.
    listed = {"first_published_at": story.first_published_at}
    story.live_tags.set([t["id"] for t in snapshot["tags"]], through_defaults=listed)
    story.live_authors.set([b["author_id"] for b in snapshot["bylines"]], through_defaults=listed)
    image = snapshot["image"]
    if image:
        # After commit, so the worker finds the revision and the stored file. Robust: a
        # failed enqueue must not fail the publication, the page serves the original.
        transaction.on_commit(
            lambda: tasks.make_image_renditions.enqueue(
                image["name"], image.get("focus_x", 0.5), image.get("focus_y", 0.5)
            ),
            robust=True,
        )
    if story.expire_at:
        if story.expire_at <= at:
            story.expire_at = None
        else:
            tasks.enqueue_expiry(story, story.expire_at)


def _unpublish(story, **_):
    story.live_revision = None
    story.scheduled_at = None
    story.expire_at = None
    story.approved_revision = None
    story.live_tags.clear()
    story.live_authors.clear()


_EFFECTS = {
    "submit": _submit,
    "request_changes": _request_changes,
    "approve": _approve,
    "schedule": _schedule,
    "cancel_schedule": _cancel_schedule,
    "publish": _publish,
    "unpublish": _unpublish,
}


def note_edit(story: Story, by=None) -> None:
    """After a save that changed the working copy: leave the review states for draft.

    Called by ``Story.save_revision``. A live story's page stays as it is.
    """
    with transaction.atomic():
        locked = Story.objects.select_for_update().get(pk=story.pk)
        if locked.status in _REVIEWED:
            AuditEntry.objects.create(
                actor=by,
                action=AuditEntry.Action.EDIT_RESET,
                story=locked,
                from_status=locked.status,
                to_status=Status.DRAFT,
                message="The text changed after it was submitted; it needs review again.",
            )
        elif locked.status != Status.PUBLISHED:
            return
        locked.status = Status.DRAFT
        locked.approved_revision = None
        locked.scheduled_at = None
        locked.expire_at = None if not locked.is_live else locked.expire_at
        locked.save(update_fields=["status", "approved_revision", "scheduled_at", "expire_at"])
    story.status = Status.DRAFT


def run_scheduled(story_id: int, publish_at: datetime) -> bool:
    """Publish a scheduled story if it is still scheduled for ``publish_at`` and due.

    Runs from the task queue; safe to run twice or late (a schedule due while the
    worker was down goes out when it comes back).
    """
    story = Story.objects.filter(pk=story_id).first()
    if story is None or story.status != Status.SCHEDULED or story.scheduled_at != publish_at:
        return False
    if publish_at > timezone.now():
        return False
    try:
        transition(story, "publish", by=None, message="Scheduled publication")
    except TransitionError:
        return False  # changed under us: another worker published it, or it was edited
    return True


def run_expiry(story_id: int, expire_at: datetime) -> bool:
    story = Story.objects.filter(pk=story_id).first()
    if story is None or not story.is_live or story.expire_at != expire_at:
        return False
    if expire_at > timezone.now():
        return False
    try:
        transition(story, "unpublish", by=None, message="Scheduled expiry")
    except TransitionError:
        return False
    return True


def publish_due(at: datetime | None = None) -> int:
    """Publish every scheduled story that is due and expire every live one past its expiry."""
    at = at or timezone.now()
    done = 0
    for story in Story.objects.filter(status=Status.SCHEDULED, scheduled_at__lte=at):
        done += run_scheduled(story.pk, story.scheduled_at)
    for story in Story.objects.published(at).filter(expire_at__lte=at):
        done += run_expiry(story.pk, story.expire_at)
    return done


def validate_schedule(publish_at: datetime | None, expire_at: datetime | None, at=None) -> None:
    """Form-level check, the same rule ``schedule`` enforces."""
    at = at or timezone.now()
    if publish_at is None or publish_at <= at:
        raise ValidationError({"publish_at": "Choose a time in the future."})
    if expire_at is not None and expire_at <= publish_at:
        raise ValidationError({"expire_at": "The expiry must come after the publish time."})
