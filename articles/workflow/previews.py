"""Preview links: made and revoked by the story's writers and editors, each act audited."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from articles.models import AuditEntry, PreviewLink, Revision
from articles.models.audit import declare_action

from .rules import can_edit

CREATE = declare_action("preview_create", "Created a preview link")
REVOKE = declare_action("preview_revoke", "Revoked a preview link")


def _describe(link: PreviewLink) -> str:
    return f"Preview link {link.pk}" + (f" ({link.note})" if link.note else "")


def create_preview_link(
    revision: Revision,
    actor,
    *,
    note: str = "",
    lifetime: timedelta,
    ip_address: str | None = None,
) -> tuple[PreviewLink, str]:
    """Make a link to ``revision``; return it and its token, which is stored nowhere."""
    story = revision.story
    if not can_edit(actor, story):
        raise PermissionDenied("You may not share this story.")
    with transaction.atomic():
        link, token = PreviewLink.create_for(revision, by=actor, note=note, lifetime=lifetime)
        AuditEntry.record(
            CREATE,
            actor=actor,
            story=story,
            revision_number=revision.number,
            message=_describe(link),
            ip_address=ip_address,
        )
    return link, token


def revoke_preview_link(link: PreviewLink, actor, *, ip_address: str | None = None) -> bool:
    """Revoke ``link``; False if it already was. Two clicks make one revocation and one row."""
    if not can_edit(actor, link.story):
        raise PermissionDenied("You may not revoke this link.")
    with transaction.atomic():
        revoked = PreviewLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if revoked:
            AuditEntry.record(
                REVOKE,
                actor=actor,
                story=link.story,
                revision_number=link.revision.number,
                message=_describe(link),
                ip_address=ip_address,
            )
    return bool(revoked)
