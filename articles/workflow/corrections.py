"""Corrections, clarifications and updates: added to a live story without re-approval.

Append-only, like a newspaper's corrections column: a mistaken correction is followed
by another one. Superusers alone may amend or withdraw one, and each such act is
audited with what it replaced.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from articles import snapshot
from articles.cache import invalidate_pages, of_change, order_changes
from articles.models import AuditEntry, Correction, Story
from articles.models.audit import declare_action

CORRECT = declare_action("correction", "Added a correction")

#: Sent inside the transaction that adds a correction, like ``transitioned``:
#: arguments ``story``, ``correction``, ``actor``, ``at``.
corrected = Signal()
AMEND = declare_action("correction_amend", "Amended a correction")
WITHDRAW = declare_action("correction_withdraw", "Withdrew a correction")


def _text(text: str) -> str:
    if not (text or "").strip():
        raise ValidationError("Write the text of the correction.")
    return text


def correct(
    story: Story, kind: str, text: str, actor, *, at=None, ip_address: str | None = None
) -> Correction:
    """Add a correction, clarification or update to a live story; readers see it at once."""
    if actor is not None and not actor.has_perm("articles.add_correction"):
        raise PermissionDenied("You may not add corrections.")
    if not story.is_live:
        raise ValidationError("Corrections are for published stories.")
    text = _text(text)
    with transaction.atomic():
        if at is None:
            order_changes()  # stamped in line, as publications are
        at = at or timezone.now()
        correction = Correction.objects.create(
            story=story, kind=kind, text=text, created_by=actor, created_at=at
        )
        # The live page's "updated" time and the sitemaps' lastmod follow the correction.
        Story.objects.filter(pk=story.pk).update(last_published_at=at)
        invalidate_pages(f"correction on story {story.pk}", _shown(story))
        AuditEntry.record(
            CORRECT,
            actor=actor,
            story=story,
            message=f"{correction.get_kind_display()}: {text}",
            ip_address=ip_address,
            at=at,
        )
        corrected.send(sender=Story, story=story, correction=correction, actor=actor, at=at)
    story.last_published_at = at
    return correction


def _shown(story) -> list[str]:
    """The pages a correction to ``story`` changes: its own and every listing of it (a
    card says "Updated")."""
    live = snapshot.of(story.live_revision) if story.live_revision_id else None
    return of_change(story.pk, live, live)


def _administer(correction: Correction, actor, action: str, message: str, change, ip_address):
    """Apply ``change`` to the correction's row as an administrator, audited."""
    if actor is None or not (actor.is_active and actor.is_superuser):
        raise PermissionDenied("Corrections are append-only: only an administrator may do that.")
    with transaction.atomic():
        change(Correction.objects.filter(pk=correction.pk))
        invalidate_pages(f"{action} on story {correction.story_id}", _shown(correction.story))
        AuditEntry.record(
            action, actor=actor, story=correction.story, message=message, ip_address=ip_address
        )


def amend_correction(
    correction: Correction, kind: str, text: str, actor, *, ip_address: str | None = None
) -> Correction:
    """Change a correction's words in place (administrators only, audited with the old words)."""
    text = _text(text)
    was = f"Was: {correction.get_kind_display()}: {correction.text}"
    _administer(
        correction, actor, AMEND, was, lambda row: row.update(kind=kind, text=text), ip_address
    )
    correction.kind, correction.text = kind, text
    return correction


def withdraw_correction(correction: Correction, actor, *, ip_address: str | None = None) -> None:
    """Remove a correction (administrators only, audited with its words)."""
    words = f"{correction.get_kind_display()}: {correction.text}"
    _administer(correction, actor, WITHDRAW, words, lambda row: row.delete(), ip_address)
