"""Background jobs, run by ``manage.py db_worker`` from the database-backed queue.

Jobs carry the time they were scheduled for; a job whose story was rescheduled,
edited or already published does nothing, so running one twice or late is safe.
"""

from datetime import datetime

from django.tasks import task
from django.utils.dateparse import parse_datetime


@task()
def publish_scheduled_story(story_id: int, publish_at: str) -> bool:
    from articles import workflow

    return workflow.run_scheduled(story_id, parse_datetime(publish_at))


@task()
def expire_story(story_id: int, expire_at: str) -> bool:
    from articles import workflow

    return workflow.run_expiry(story_id, parse_datetime(expire_at))


@task()
def make_image_renditions(name: str, focus_x: float, focus_y: float) -> int:
    """Resize a published image for readers; idempotent, so a retry or a rerun is harmless."""
    from articles import images

    return len(images.make_renditions(name, focus=(focus_x, focus_y)))


def enqueue_scheduled_publish(story, publish_at: datetime) -> None:
    publish_scheduled_story.using(run_after=publish_at).enqueue(story.pk, publish_at.isoformat())


def enqueue_expiry(story, expire_at: datetime) -> None:
    expire_story.using(run_after=expire_at).enqueue(story.pk, expire_at.isoformat())
