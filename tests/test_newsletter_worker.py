"""Exactly once, with real workers: a ``manage.py db_worker`` killed with SIGKILL while
the mail server holds one of its messages, and a second worker that finishes the
edition. The SMTP server counts what it accepted, per recipient."""

import json
import signal
import time
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from newsletters.models import Edition, Newsletter, Send
from tests.servers import start_db_worker, stop_db_worker
from tests.test_newsletter_sending import MailServer, approved_edition, story, subscriber

ROOT = Path(__file__).resolve().parent.parent

#: The worker's newsletter settings, until newsroom/settings.py reads them from the
#: environment: a short lease, so the second worker takes over in seconds, not minutes.
WORKER_SETTINGS = {
    "NEWSLETTER_LEASE_SECONDS": 2,
    "NEWSLETTER_RATE_PER_MINUTE": 60_000,
    "NEWSLETTER_BATCH_SIZE": 50,
}

#: ``manage.py`` with those settings applied first; the command itself is the real one.
LAUNCHER = """
import json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
from django.conf import settings
settings.NEWSROOM.update(json.loads(os.environ["NEWSLETTER_TEST_SETTINGS"]))
from django.core.management import execute_from_command_line
execute_from_command_line(["manage.py", *sys.argv[1:]])
"""

RECIPIENTS = [f"reader{n}@example.org" for n in range(6)]


def start_worker(name: str, smtp_port: int):
    # The mailer, from the environment as production reads it.
    mailer = {
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "DJANGO_EMAIL_HOST": "127.0.0.1",
        "DJANGO_EMAIL_PORT": str(smtp_port),
        "NEWSLETTER_TEST_SETTINGS": json.dumps(WORKER_SETTINGS),
    }
    return start_db_worker(name, mailer, launcher=LAUNCHER)


@pytest.mark.slow  # an SMTP server and two `manage.py db_worker` processes
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_send_leaves_every_subscriber_one_message(editor):
    server = MailServer(hold_at=3)
    controller = Controller(server, hostname="127.0.0.1", port=server.port)
    controller.start()
    try:
        story("Killed mid-send")
        for email in RECIPIENTS:
            subscriber(email)
        edition = approved_edition(
            Newsletter.objects.get(slug="daily"), editor
        )  # queues the first job
        assert Send.objects.filter(edition=edition).count() == len(RECIPIENTS)

        first = start_worker("first", server.port)
        try:
            assert server.holding.wait(60), stop_db_worker(first)
            first.send_signal(signal.SIGKILL)  # no chance to record anything
            first.wait(10)
        finally:
            errors = stop_db_worker(first)
        server.release()
        held = wait_for(lambda: server.dropped == 1, 10)
        assert held, "the held message should have been dropped with its client"
        assert len(server.received) == 2, errors
        # The message in flight is still owed; the two accepted are marked sent.
        statuses = dict(Send.objects.values_list("subscriber__email", "status"))
        assert list(statuses.values()).count(Send.Status.SENT) == 2
        assert list(statuses.values()).count(Send.Status.PENDING) == len(RECIPIENTS) - 2

        second = start_worker("second", server.port)
        try:
            done = wait_for(
                lambda: Edition.objects.get(pk=edition.pk).status == Edition.Status.SENT, 60
            )
        finally:
            errors = stop_db_worker(second)
        assert done, errors
    finally:
        server.release()
        controller.stop()

    assert server.per_recipient() == dict.fromkeys(RECIPIENTS, 1)
    assert set(Send.objects.values_list("status", flat=True)) == {Send.Status.SENT}


def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()
