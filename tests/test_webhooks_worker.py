"""At least once, with a real worker: a ``manage.py db_worker`` process killed with
SIGKILL while the receiver holds its request open loses no event. Another worker
delivers it again under the same ``webhook-id``, so the receiver can deduplicate.
"""

import json
import signal
import time
from pathlib import Path

import pytest
from django_tasks_db.models import DBTaskResult

from interchange.models import Delivery, Endpoint, Event, EventType
from tests.servers import start_db_worker, stop_db_worker
from tests.test_api import live_story
from tests.test_webhooks import Receiver, verified

ROOT = Path(__file__).resolve().parent.parent

#: The worker's settings, until newsroom/settings.py reads them from the environment:
#: loopback allowed (the receiver is on 127.0.0.1) and a short timeout, so that a cut-off
#: attempt is taken for dead after 2 × 2 s rather than 30 s.
WORKER_SETTINGS = {"WEBHOOK_ALLOWED_NETWORKS": ["127.0.0.0/8"], "WEBHOOK_TIMEOUT_SECONDS": 2}

#: ``manage.py`` with those settings applied first; the command itself is the real one.
LAUNCHER = """
import json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
from django.conf import settings
settings.NEWSROOM.update(json.loads(os.environ["WEBHOOK_TEST_SETTINGS"]))
from django.core.management import execute_from_command_line
execute_from_command_line(["manage.py", *sys.argv[1:]])
"""


def start_worker(name: str):
    return start_db_worker(
        name, {"WEBHOOK_TEST_SETTINGS": json.dumps(WORKER_SETTINGS)}, launcher=LAUNCHER
    )


@pytest.mark.slow  # two `manage.py db_worker` processes
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_delivery_loses_no_event(editor, settings):
    settings.NEWSROOM = {**settings.NEWSROOM, **WORKER_SETTINGS}
    with Receiver(script=["hold"]) as receiver:
        endpoint = Endpoint.objects.create(url=receiver.url)
        story = live_story(editor, "Killed mid-delivery")
        (sent,) = Delivery.objects.all()

        first = start_worker("first")
        try:
            assert receiver.holding.wait(30), stop_db_worker(first)
            first.send_signal(signal.SIGKILL)  # no chance to record anything
            first.wait(10)
        finally:
            errors = stop_db_worker(first)
        receiver.release()
        sent.refresh_from_db()
        assert sent.status == Delivery.Status.PENDING, errors
        assert [a.outcome for a in sent.log.all()] == ["cut off (no answer recorded)"]

        second = start_worker("second")
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                sent.refresh_from_db()
                if sent.status != Delivery.Status.PENDING:
                    break
                time.sleep(0.2)
        finally:
            errors = stop_db_worker(second)

    assert sent.status == Delivery.Status.SUCCEEDED, errors
    assert [a.outcome for a in sent.log.all()] == ["cut off (no answer recorded)", "HTTP 200"]
    # The receiver saw the event twice (the first time it never answered), under one id.
    assert len(receiver.received) == 2
    assert {r.headers["webhook-id"] for r in receiver.received} == {sent.webhook_id}
    payloads = [verified(endpoint, r) for r in receiver.received]
    assert payloads[0] == payloads[1]
    assert payloads[0]["data"]["id"] == story.pk
    assert list(Event.objects.values_list("type", flat=True)) == [EventType.PUBLISHED]
    # The killed worker's job stays "running" for ever; the guard it queued did the work.
    assert DBTaskResult.objects.filter(worker_ids=["first"], status="RUNNING").exists()
