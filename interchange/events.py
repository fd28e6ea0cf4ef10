"""What partners hear about a story, and when they should drop it.

``announce`` writes the outbox: one :class:`~interchange.models.Event` and one
delivery (with its job) per endpoint that wants it, in the caller's transaction, so
that a transition and its announcement commit or roll back together.
"""

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from articles.models import Status, Story
from interchange.delivery import queue
from interchange.models import Delivery, Endpoint, Event, EventType
from interchange.models.outbox import TAKEDOWNS
from interchange.ninjs import item_uri, timestamp

logger = logging.getLogger(__name__)


def event_for(transition, story: Story, at: datetime) -> str | None:
    """The event a transition makes, if partners should hear of it."""
    if transition.target == Status.PUBLISHED:
        return EventType.UPDATED if _was_live(story, at) else EventType.PUBLISHED
    if transition.target == Status.UNPUBLISHED:
        return EventType.UNPUBLISHED
    return None  # reviews, schedules, edits: readers see no change


def _was_live(story: Story, at: datetime) -> bool:
    """Whether partners hold a live copy of ``story`` from before this publication."""
    last = Event.objects.filter(story_id=story.pk).values_list("type", flat=True).first()
    if last is not None:
        return last not in TAKEDOWNS
    # Published before the outbox existed: the first publication set its time earlier.
    return story.first_published_at is not None and story.first_published_at < at


def payload(event_type: str, story_id: int, revision: int | None, at: datetime) -> dict:
    """The thin body of a webhook (Standard Webhooks' type/timestamp/data): enough to
    know what happened and where to fetch the item, never the text itself."""
    uri = item_uri(story_id)
    return {
        "type": event_type,
        "timestamp": timestamp(at),
        "data": {
            "id": story_id,
            "uri": uri,
            "event": event_type,
            "revision": revision,
            "time": timestamp(at),
            "url": uri,
        },
    }


def announce(event_type: str, story: Story, *, revision: int | None, at: datetime) -> None:
    """Record ``event_type`` for ``story`` and queue its deliveries, in the current
    transaction.

    A failure here is logged, never raised: partners' webhooks must not stop the
    newsroom from publishing. (The savepoint keeps the transition's transaction usable.)
    """
    try:
        with transaction.atomic():
            event = Event.objects.create(
                type=event_type,
                story_id=story.pk,
                revision=revision,
                occurred_at=at,
                payload=payload(event_type, story.pk, revision, at),
            )
            endpoints = [e for e in Endpoint.objects.filter(active=True) if e.wants(event_type)]
            now = timezone.now()
            deliveries = Delivery.objects.bulk_create(
                Delivery(
                    event=event,
                    endpoint=endpoint,
                    webhook_id=Delivery.new_webhook_id(),
                    next_attempt_at=now,
                )
                for endpoint in endpoints
            )
            for delivery in deliveries:
                queue(delivery)
    except Exception:
        logger.exception("Could not record %s for story %s", event_type, story.pk)


def takedown(story_id: int) -> tuple[int, datetime] | None:
    """(version, time) of the takedown of a story partners may hold a copy of, or None
    when they cannot have one: no such story, or one never published (a draft's
    existence is itself unpublished information). Call it for stories not live now."""
    story = (
        Story.objects.filter(pk=story_id)
        .only("pk", "first_published_at", "version", "updated_at")
        .first()
    )
    if story is not None and story.first_published_at is None:
        return None
    event = Event.objects.filter(story_id=story_id).only("type", "revision", "occurred_at").first()
    if event is not None and event.type in TAKEDOWNS:
        fallback = story.version if story is not None else 0
        return (event.revision if event.revision is not None else fallback), event.occurred_at
    if story is not None:
        # Taken down without an event (before the outbox existed): its last change.
        return story.version, story.updated_at
    if event is not None:
        # Deleted outright: the last news of it is all we know.
        return event.revision or 0, event.occurred_at
    return None
