"""Transitions that fall due: scheduled publication and expiry, run by the job queue
(``articles.tasks``) and, as a safety net, by ``manage.py publish_scheduled``.

A job carries the time it was made for; a story rescheduled, edited or already
published since makes it do nothing, so running one twice or late is safe (a
schedule that fell due while no worker ran is carried out when one starts).
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from articles.models import Status, Story
from articles.notifications import editors, notify_people

from .machine import RulesFailed, TransitionError
from .steps import WORKFLOW


def _run_due(
    story_id: int, name: str, field: str, due: datetime, message: str, status: str | None = None
) -> bool:
    story = Story.objects.filter(pk=story_id).first()
    if story is None or getattr(story, field) != due or due > timezone.now():
        return False
    if status is not None and story.status != status:
        return False  # published by hand, or sent back, since it was scheduled
    try:
        WORKFLOW.transition(story, name, None, message=message)
    except RulesFailed as refused:
        _refused_by_rules(story, refused)
        return False
    except TransitionError:
        return False  # changed under us: another worker did it, or it was edited
    return True


def _refused_by_rules(story: Story, refused: RulesFailed) -> None:
    """A scheduled publication the house rules refuse is not made: the story goes back
    to approved, with the reasons as the editors' note, and the editors are told."""
    what = "; ".join(failure.message for failure in refused.failures)
    when = timezone.localtime(story.scheduled_at).strftime("%Y-%m-%d %H:%M")
    note = f"Not published at {when}: the house rules refused it. {what}"
    with transaction.atomic():
        WORKFLOW.transition(story, "cancel_schedule", None, message=note)
        Story.objects.filter(pk=story.pk).update(workflow_note=note)
        notify_people(
            editors(), story, "schedule_refused", f"Not published: {story.headline}\n\n{note}"
        )


def run_scheduled(story_id: int, publish_at: datetime) -> bool:
    """Publish a story still scheduled for ``publish_at``, once that time has come."""
    return _run_due(
        story_id,
        "publish",
        "scheduled_at",
        publish_at,
        "Scheduled publication",
        status=Status.SCHEDULED,
    )


def run_expiry(story_id: int, expire_at: datetime) -> bool:
    """Take down a live story still set to expire at ``expire_at``, once that time has come."""
    return _run_due(story_id, "unpublish", "expire_at", expire_at, "Scheduled expiry")


def publish_due(at: datetime | None = None) -> int:
    """Publish every scheduled story that is due and expire every live one past its expiry."""
    at = at or timezone.now()
    done = 0
    for story in Story.objects.filter(status=Status.SCHEDULED, scheduled_at__lte=at):
        done += run_scheduled(story.pk, story.scheduled_at)
    for story in Story.objects.published(at).filter(expire_at__lte=at):
        done += run_expiry(story.pk, story.expire_at)
    return done
