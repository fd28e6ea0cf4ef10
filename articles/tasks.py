"""Background jobs, run by ``manage.py db_worker`` from the database-backed queue, and
the receiver that queues them when the workflow says so.

Jobs carry the time they were scheduled for; a job whose story was rescheduled,
edited or already published does nothing, so running one twice or late is safe.
They are queued inside the transition's transaction (the queue is a table), so a
transition that rolls back leaves no job behind.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.dispatch import receiver
from django.tasks import task
from django.utils.dateparse import parse_datetime

from articles import rendering, renditions, snapshot, workflow
from articles.models import Status, Story


@task()
def publish_scheduled_story(story_id: int, publish_at: str) -> bool:
    return workflow.run_scheduled(story_id, parse_datetime(publish_at))


@task()
def expire_story(story_id: int, expire_at: str) -> bool:
    return workflow.run_expiry(story_id, parse_datetime(expire_at))


@task()
def make_image_renditions(name: str, focus_x: float, focus_y: float) -> int:
    """Resize a published image for readers; idempotent, so a retry or a rerun is harmless.

    The stories showing it are rendered again at once, with the renditions."""
    made = renditions.make_renditions(name, focus=(focus_x, focus_y))
    for story_id in Story.objects.filter(**{renditions.SHOWN_IMAGE: name}).values_list(
        "pk", flat=True
    ):
        rendering.refresh(story_id)
    return len(made)


@task()
def empty_trash() -> int:
    """Delete for good the stories whose time in the trash is up."""
    return workflow.purge_due()


def enqueue_scheduled_publish(story, publish_at: datetime) -> None:
    publish_scheduled_story.using(run_after=publish_at).enqueue(story.pk, publish_at.isoformat())


def enqueue_expiry(story, expire_at: datetime) -> None:
    expire_story.using(run_after=expire_at).enqueue(story.pk, expire_at.isoformat())


@receiver(workflow.transitioned)
def queue_jobs(sender, story, transition, revision, **kwargs):
    """The jobs a new status calls for: its publication when scheduled; when published,
    its expiry and the renditions of its lead image."""
    if transition.target == Status.SCHEDULED:
        enqueue_scheduled_publish(story, story.scheduled_at)
    elif transition.target == Status.PUBLISHED:
        if story.expire_at:
            enqueue_expiry(story, story.expire_at)
        image = snapshot.of(revision).image
        if image:
            # After commit, so the worker finds the stored file. Robust: a failed
            # enqueue must not fail the publication; the page serves the original.
            transaction.on_commit(
                lambda: make_image_renditions.enqueue(image.name, image.focus_x, image.focus_y),
                robust=True,
            )


@receiver(workflow.trashed)
def queue_purge(sender, story, at, **kwargs):
    """The trash is emptied of this story when its days are up (a later run finds a
    restored story gone from the trash and does nothing)."""
    when = at + timedelta(days=workflow.trash_days(), minutes=1)
    empty_trash.using(run_after=when).enqueue()
