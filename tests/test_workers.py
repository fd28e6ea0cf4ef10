"""Scheduled publishing with several background workers: each story goes live once.

Two real ``db_worker`` processes poll the same PostgreSQL queue. Every story is
scheduled twice for the same minute (an editor confirming the time again leaves two
valid jobs), so the workers race both for the same jobs and for the same stories.
"""

import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles import workflow
from articles.models import AuditEntry, Status, Story
from tests.factories import make_story
from tests.servers import start_db_worker

ROOT = Path(__file__).resolve().parent.parent
STORIES = 20


def start_worker(name: str):
    # Sketched stories: the house rules are tested in tests/test_house_rules.py.
    return start_db_worker(name, {"NEWSROOM_HOUSE_RULES": "0"})


@pytest.mark.slow  # two `manage.py db_worker` processes
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_publish_each_scheduled_story_once(editor):
    stories = [make_story(f"Scheduled story {i}") for i in range(STORIES)]
    publish_at = timezone.now() + timedelta(seconds=8)
    for story in stories:
        workflow.transition(story, "submit", editor)
        workflow.transition(story, "approve", editor)
        workflow.transition(story, "schedule", editor, publish_at=publish_at)
        workflow.transition(story, "schedule", editor, publish_at=publish_at)
    # Two publication jobs per story (the invalidation jobs of articles.cache aside).
    publishing = DBTaskResult.objects.filter(task_path__endswith="publish_scheduled_story")
    assert publishing.count() == 2 * STORIES

    workers = [start_worker("worker-a"), start_worker("worker-b")]
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if not DBTaskResult.objects.exclude(status__in=["SUCCESSFUL", "FAILED"]).exists():
                break
            time.sleep(0.2)
        running = [worker.poll() is None for worker in workers]
    finally:
        for worker in workers:
            worker.terminate()
        errors = [worker.communicate(timeout=15)[1] for worker in workers]

    assert running == [True, True], errors
    results = list(DBTaskResult.objects.all())
    assert {result.status for result in results} == {"SUCCESSFUL"}, errors
    assert {worker for result in results for worker in result.worker_ids} == {
        "worker-a",
        "worker-b",
    }
    assert Story.objects.filter(status=Status.PUBLISHED, live_revision__isnull=False).count() == (
        STORIES
    )
    for story in stories:
        publications = AuditEntry.objects.filter(story=story, action="publish")
        assert publications.count() == 1, story.headline
        assert story.revisions.count() == 1
    # Of each pair of jobs, one published and the other found nothing left to do.
    publishing = [r for r in results if r.task_path.endswith("publish_scheduled_story")]
    returns = sorted(result.return_value for result in publishing)
    assert returns == [False] * STORIES + [True] * STORIES
