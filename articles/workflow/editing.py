"""Saving the working copy: revisions, the ``edit`` transition, stale saves and restores."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from articles import snapshot
from articles.models import AuditEntry, RefusedSave, Revision, Story
from articles.models.audit import declare_action

from .machine import check_version, move
from .steps import WORKFLOW, new_revision

EDIT = WORKFLOW["edit"]
RESTORE = declare_action("restore", "Restored a revision")
REFUSED = declare_action("refused_save", "Save refused, text kept")
USE_REFUSED = declare_action("use_refused_save", "Used a refused save's text")

#: Said when a save is refused because the form is older than the story.
STALE_SAVE = (
    "Someone else saved this story since you opened it (revision {revision} by {who} at "
    "{when}). Your text is still in the form below: {compare}, copy what you need, then "
    "reload."
)


def refuse_stale_save(story: Story, seen_version: int | None) -> None:
    """Refuse (``StaleVersion``) a save from a form opened at ``seen_version`` if the
    story was saved since. Inside the saving transaction: the row stays locked until
    the save ends, so a second save arriving now waits, then is refused in turn."""
    check_version(story, seen_version, refusal=STALE_SAVE)


def keep_refused_save(
    story: Story, content: snapshot.Snapshot, seen_version: int, actor, *, ip_address=None
) -> RefusedSave:
    """Keep the text of a save refused as stale, so that nothing the person wrote is
    lost when they close the tab: one row, one audit line."""
    with transaction.atomic():
        refused = RefusedSave.objects.create(
            story=story, snapshot=content.to_json(), based_on=seen_version, created_by=actor
        )
        AuditEntry.record(
            REFUSED,
            actor=actor,
            story=story,
            message=f"The form was opened at revision {seen_version}; its text is kept.",
            ip_address=ip_address,
        )
    return refused


def use_refused_save(refused: RefusedSave, actor, *, ip_address=None) -> Revision:
    """Make a refused save's text the working copy, as a new revision (back to draft
    from review or publication, as any edit)."""
    story = refused.story
    with transaction.atomic():
        snapshot.apply(story, snapshot.Snapshot.from_json(refused.snapshot))
        revision = _record(
            story,
            actor,
            f"Used the text refused at {timezone.localtime(refused.created_at):%Y-%m-%d %H:%M}",
            action=USE_REFUSED,
            ip_address=ip_address,
            always_audited=True,
        )
        RefusedSave.objects.filter(pk=refused.pk).update(used_at=timezone.now())
    return revision


def save_revision(
    story: Story, actor, message: str = "", *, ip_address: str | None = None
) -> Revision:
    """Record the working copy (already saved, children and all) as a new revision.

    Every save calls this. A save that changed the text writes one ``edit`` audit row;
    a story in review, approved, scheduled or published goes back to draft through the
    ``edit`` transition (a live story's page stays as it is). Saving without changes
    records a revision and changes nothing else.
    """
    return _record(story, actor, message, action=EDIT.name, ip_address=ip_address)


def restore(story: Story, revision: Revision, actor, *, ip_address: str | None = None) -> Revision:
    """Make ``revision`` the working copy again, saved as a new revision: one ``restore``
    audit row, and back to draft from review or publication, as for an edit."""
    if revision.story_id != story.pk:
        raise ValidationError("That revision belongs to another story.")
    with transaction.atomic():
        snapshot.apply(story, snapshot.of(revision))
        return _record(
            story,
            actor,
            f"Restored revision {revision.number}",
            action=RESTORE,
            ip_address=ip_address,
            always_audited=True,
        )


def _record(
    story: Story,
    actor,
    message: str,
    *,
    action: str,
    ip_address: str | None,
    always_audited: bool = False,
) -> Revision:
    at = timezone.now()
    with transaction.atomic():
        # Locking the story row serialises revision numbers between concurrent savers.
        locked = Story.objects.select_for_update().get(pk=story.pk)
        previous = locked.latest_revision()
        content = snapshot.build(story)
        revision = new_revision(locked, actor, message, content)
        changed = previous is not None and snapshot.of(previous) != content
        if changed or always_audited:
            from_status = locked.status
            moved = changed and EDIT.applies_to(locked)
            if moved:
                move(locked, EDIT, actor, at=at)
            AuditEntry.record(
                action,
                actor=actor,
                story=locked,
                revision_number=revision.number,
                from_status=from_status,
                to_status=locked.status,
                message=message,
                ip_address=ip_address,
                at=at,
            )
    story.version = locked.version
    story.status = locked.status
    return revision
