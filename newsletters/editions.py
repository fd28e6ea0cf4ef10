"""An edition's life: drafted (by an editor or the schedule), filled with the stories of
its window, put in order, approved, sent; or cancelled. Every change of status is a
conditional update and one audit row, like a story's transitions.
"""

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from articles.models import AuditEntry
from articles.models.audit import declare_action
from newsletters import digest, render, sending
from newsletters.models import Edition, EditionItem, Newsletter, Send

APPROVE = declare_action("newsletter_approve", "Newsletter edition approved")
UNAPPROVE = declare_action("newsletter_unapprove", "Newsletter edition's approval withdrawn")
CANCEL = declare_action("newsletter_cancel", "Newsletter edition cancelled")

Status = Edition.Status


class EditionError(Exception):
    """A step refused, with a message for the editor who tried it."""


def draft(newsletter: Newsletter, day: date) -> Edition:
    """The edition of ``newsletter`` for ``day``, made and filled if it did not exist."""
    start, end = newsletter.window(day)
    with transaction.atomic():
        edition, made = Edition.objects.get_or_create(
            newsletter=newsletter, date=day, defaults={"window_start": start, "window_end": end}
        )
        if made:
            fill(edition)
    return edition


def fill(edition: Edition) -> int:
    """Add the window's stories that are not listed yet; how many were added.

    A story an editor dropped stays dropped (its row is kept, unticked). In an edition
    nobody has put in order, every story is then ranked newest first; in one an editor
    arranged, new stories go to the end, so their lead and order stand.
    """
    if not edition.editable:
        raise EditionError("This edition is being sent or was sent: its stories are fixed.")
    stories = digest.window_stories(edition.newsletter, edition.window_start, edition.window_end)
    with transaction.atomic():
        listed = set(edition.items.values_list("story_id", flat=True))
        new = [story for story in stories if story.pk not in listed]
        if edition.curated:
            after = (edition.items.aggregate(last=Max("position"))["last"] or 0) + 1
            EditionItem.objects.bulk_create(
                EditionItem(edition=edition, story=story, position=after + i)
                for i, story in enumerate(new)
            )
        else:
            EditionItem.objects.bulk_create(EditionItem(edition=edition, story=s) for s in new)
            rank = {story.pk: i for i, story in enumerate(stories)}
            items = list(edition.items.all())
            for item in items:
                item.position = rank.get(item.story_id, len(rank) + item.position)
            EditionItem.objects.bulk_update(items, ["position"])
    return len(new)


def preview(edition: Edition) -> render.Rendered:
    """The edition as it would go out now, with the sign-up page for each reader's links."""
    return render.render(digest.for_edition(edition)).preview()


def check_sendable(edition: Edition) -> render.Rendered:
    """The edition as it would go out, or EditionError saying why it cannot."""
    content = digest.for_edition(edition)
    if content.is_empty:
        raise EditionError("There is no story in this edition: add one, or cancel it.")
    rendered = render.render(content)
    if rendered.clipped:
        raise EditionError(
            f"This edition is {rendered.size // 1000} KB: Gmail cuts mails above "
            f"{render.GMAIL_CLIP_BYTES // 1000} KB. Drop a story or two and approve it again."
        )
    return rendered


def _record(action: str, edition: Edition, by, message: str) -> None:
    AuditEntry.record(
        action,
        actor=by,
        actor_name="" if by else "The schedule",
        message=f"{edition}: {message}",
    )


def approve(edition: Edition, by, *, at=None) -> str:
    """Approve ``edition`` (``by`` None: the schedule an editor turned on). It goes out at
    its send time, or at once if that has passed. Returns what happens next."""
    if by is not None and not by.has_perm("newsletters.approve_edition"):
        raise PermissionDenied("You may not approve newsletter editions.")
    now = at or timezone.now()
    check_sendable(edition)
    with transaction.atomic():
        changed = Edition.objects.filter(pk=edition.pk, status=Status.DRAFT).update(
            status=Status.APPROVED, approved_by=by, approved_at=now
        )
        if not changed:
            raise EditionError("Only a draft can be approved; someone changed this one meanwhile.")
        edition.refresh_from_db()
        due = edition.send_at <= now
        _record(APPROVE, edition, by, "goes out now." if due else f"goes out at {edition.send_at}.")
        if due:
            sending.start(edition, at=now)
            return "It is being sent now."
    return f"It goes out at {timezone.localtime(edition.send_at):%H:%M on %d %B}."


def withdraw_approval(edition: Edition, by) -> None:
    if by is not None and not by.has_perm("newsletters.approve_edition"):
        raise PermissionDenied("You may not approve newsletter editions.")
    with transaction.atomic():
        changed = Edition.objects.filter(pk=edition.pk, status=Status.APPROVED).update(
            status=Status.DRAFT, approved_by=None, approved_at=None
        )
        if not changed:
            raise EditionError("This edition is no longer waiting to go out.")
        edition.refresh_from_db()
        _record(UNAPPROVE, edition, by, "back to draft.")


def cancel(edition: Edition, by) -> int:
    """Stop ``edition`` for good; during a send, whoever has not had it yet will not.
    Returns how many sends were called off."""
    if by is not None and not by.has_perm("newsletters.approve_edition"):
        raise PermissionDenied("You may not cancel newsletter editions.")
    with transaction.atomic():
        changed = Edition.objects.filter(
            pk=edition.pk, status__in=[Status.DRAFT, Status.APPROVED, Status.SENDING]
        ).update(status=Status.CANCELLED, lease_until=None, lease_token="")
        if not changed:
            raise EditionError("This edition was sent or cancelled already.")
        called_off = Send.objects.filter(edition=edition, status=Send.Status.PENDING).update(
            status=Send.Status.SKIPPED, note="The edition was cancelled."
        )
        edition.refresh_from_db()
        _record(CANCEL, edition, by, f"{called_off} subscribers will not get it.")
    return called_off


def today(newsletter: Newsletter, *, at=None) -> date:
    """The day whose edition is next: today until the send time has passed, then tomorrow."""
    now = at or timezone.now()
    day = timezone.localdate(now)
    return day if newsletter.send_at(day) > now else day + timedelta(days=1)
