"""The stories' news, heard from ``articles.workflow`` and written to the outbox.

Both signals are sent inside the transaction of the change, so each event commits
with the publication, takedown or correction it reports, or not at all.
"""

from django.dispatch import receiver

from articles import workflow
from articles.models import Revision
from interchange import events
from interchange.models import EventType


@receiver(workflow.transitioned, dispatch_uid="interchange.announce_transition")
def announce_transition(sender, story, transition, revision, at, **kwargs):
    event_type = events.event_for(transition, story, at)
    if event_type is not None:
        events.announce(event_type, story, revision=revision.number if revision else None, at=at)


@receiver(workflow.corrected, dispatch_uid="interchange.announce_correction")
def announce_correction(sender, story, correction, at, **kwargs):
    number = (
        Revision.objects.filter(pk=story.live_revision_id).values_list("number", flat=True).first()
    )
    events.announce(EventType.CORRECTED, story, revision=number, at=at)


@receiver(workflow.trashed, dispatch_uid="interchange.announce_trash")
def announce_trash(sender, story, at, **kwargs):
    """story.trashed, sent inside the transaction that moves the story to the trash.

    Only for a story partners may have had: a draft never published stays unknown to
    them, in the trash as anywhere else.
    """
    if story.first_published_at is not None:
        events.announce(EventType.TRASHED, story, revision=story.version or None, at=at)
