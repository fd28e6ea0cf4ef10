"""Webhooks: the outbox written with the transition, Standard Webhooks signatures checked
by the ``standardwebhooks`` package, retries, 410, the delivery log, replay, and the
guard against server-side request forgery.

Deliveries go to a real HTTP server on 127.0.0.1 (``Receiver``, a thread of this
process). Jobs run as ``db_worker`` runs them (its own ``Worker.run_task``), inside the
test's transaction; the clock is moved with time-machine instead of waiting days.
A real ``db_worker`` process killed mid-delivery: tests/test_webhooks_worker.py.
"""

import itertools
import json
import ssl
import subprocess
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from standardwebhooks.webhooks import Webhook

from articles import workflow
from interchange import delivery, events, signals
from interchange.models import Attempt, Delivery, Endpoint, Event, EventType
from interchange.ninjs import item_uri, timestamp
from tests.test_api import live_story

pytestmark = pytest.mark.django_db

TASK = "interchange.delivery.deliver_webhook"


# --- a real receiver ----------------------------------------------------------------------------------


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1 in a thread. It records every request and answers
    from ``script`` in turn (then ``default``): a status, ``(status, body)``,
    ``("sleep", seconds)``, ``("redirect", location)`` or ``"hold"`` (keep the request
    open until ``release()``)."""

    script: list = field(default_factory=list)
    default: int = 200
    received: list = field(default_factory=list)
    #: Serve HTTPS with this context, as https://localhost:PORT/hooks.
    tls: ssl.SSLContext | None = None

    def __post_init__(self):
        self.holding = threading.Event()
        self.released = threading.Event()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.received.append(Received(self.path, dict(self.headers), body))
                    answer = receiver.script.pop(0) if receiver.script else receiver.default
                status, text = 200, b"ok"
                if answer == "hold":
                    receiver.holding.set()
                    receiver.released.wait(60)
                elif isinstance(answer, tuple) and answer[0] == "sleep":
                    time.sleep(answer[1])
                elif isinstance(answer, tuple) and answer[0] == "redirect":
                    status, text = 307, b""
                    self.send_response(status)
                    self.send_header("Location", answer[1])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                elif isinstance(answer, tuple):
                    status, text = answer
                else:
                    status = answer
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(text)))
                    self.end_headers()
                    self.wfile.write(text)
                except OSError:
                    pass  # the sender is gone (a killed worker)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        if self.tls is not None:
            self.server.socket = self.tls.wrap_socket(self.server.socket, server_side=True)

    @property
    def url(self) -> str:
        port = self.server.server_address[1]
        return f"https://localhost:{port}/hooks" if self.tls else f"http://127.0.0.1:{port}/hooks"

    def release(self):
        self.released.set()

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.release()
        self.server.shutdown()
        self.server.server_close()


def run_jobs() -> int:
    """Run the jobs that are due, as ``db_worker`` would, in this test's transaction.
    (The real command closes its connection between jobs, which a test transaction
    cannot survive.)"""
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test",
        excluded_queue_names=[],
    )
    ran = 0
    while (job := DBTaskResult.objects.ready().get_locked()) is not None:
        job.claim("test")
        worker.run_task(job)
        ran += 1
    return ran


def allow_loopback(settings) -> None:
    """Let webhooks reach this machine, as a receiver on 127.0.0.1 needs; short timeout."""
    settings.NEWSROOM = {
        **settings.NEWSROOM,
        "WEBHOOK_ALLOWED_NETWORKS": ["127.0.0.0/8"],
        "WEBHOOK_TIMEOUT_SECONDS": 2,
    }


@pytest.fixture
def receiver(settings):
    allow_loopback(settings)
    with Receiver() as running:
        yield running


def publish(editor, headline="A story", **fields):
    return live_story(editor, headline, **fields)


def verified(endpoint: Endpoint, request: Received) -> dict:
    return Webhook(endpoint.secret).verify(request.body, request.headers)


# --- the outbox ----------------------------------------------------------------------------------------


@pytest.mark.slow  # a receiver: an HTTP server on 127.0.0.1
def test_publication_writes_its_event_and_deliveries_in_the_same_transaction(editor, receiver):
    everything = Endpoint.objects.create(url=receiver.url)
    Endpoint.objects.create(url=receiver.url + "/b", event_types=[EventType.UNPUBLISHED])
    Endpoint.objects.create(url=receiver.url + "/c", active=False)
    story = publish(editor)
    (event,) = Event.objects.all()
    assert (event.type, event.story_id) == (EventType.PUBLISHED, story.pk)
    assert [d.endpoint for d in event.deliveries.all()] == [everything]
    assert DBTaskResult.objects.filter(task_path=TASK).count() == 1


@pytest.mark.slow  # a receiver: an HTTP server on 127.0.0.1
def test_a_transition_rolled_back_leaves_no_event(editor, receiver):
    Endpoint.objects.create(url=receiver.url)
    story = live_story(editor, "Rolled back", publish=False)
    with pytest.raises(RuntimeError), transaction.atomic():
        workflow.transition(story, "publish", editor)
        raise RuntimeError("the request failed after publishing")
    assert not Event.objects.exists() and not Delivery.objects.exists()
    assert not DBTaskResult.objects.filter(task_path=TASK).exists()


def test_what_partners_hear_of_a_story(editor):
    story = publish(editor)
    story.headline = "A story, rewritten"
    story.save()
    workflow.save_revision(story, editor, "Rewrite")  # edit: readers see no change yet
    workflow.transition(story, "publish", editor)
    workflow.correct(story, "correction", "A fix.", editor)
    workflow.transition(story, "unpublish", editor)
    workflow.transition(story, "submit", editor)
    workflow.transition(story, "approve", editor, expected_version=story.version)
    workflow.transition(story, "publish", editor)
    kinds = list(Event.objects.order_by("pk").values_list("type", "revision"))
    assert [kind for kind, _ in kinds] == [
        EventType.PUBLISHED,
        EventType.UPDATED,
        EventType.CORRECTED,
        EventType.UNPUBLISHED,
        EventType.PUBLISHED,
    ]
    assert kinds[1][1] == kinds[2][1] == story.revisions.order_by("-number")[0].number


def test_a_scheduled_publication_is_announced_when_the_worker_publishes(editor):
    story = live_story(editor, "Scheduled", publish=False)
    workflow.transition(story, "submit", editor)
    workflow.transition(story, "approve", editor)
    publish_at = timezone.now() + timedelta(minutes=5)
    workflow.transition(story, "schedule", editor, publish_at=publish_at)
    assert not Event.objects.exists()
    with time_machine.travel(publish_at + timedelta(seconds=1)):
        run_jobs()
    assert list(Event.objects.values_list("type", "story_id")) == [(EventType.PUBLISHED, story.pk)]


def test_a_trash_is_announced_and_its_item_is_canceled(client, editor):
    """Issue 11's trash will send its own signal to ``announce_trash``; called here as
    the signal would, after the story was taken down (the trash takes no live story)."""
    story = publish(editor)
    workflow.transition(story, "unpublish", editor)
    at = timezone.now()
    signals.announce_trash(sender=None, story=story, actor=editor, at=at)
    assert Event.objects.first().type == EventType.TRASHED
    item = json.loads(client.get(reverse("api:story-detail", args=[story.pk])).content)
    assert item["pubstatus"] == "canceled" and item["versioncreated"] == timestamp(at)


def test_a_trashed_draft_stays_unknown_to_partners(client, editor):
    draft = live_story(editor, "Never published", publish=False)
    signals.announce_trash(sender=None, story=draft, actor=editor, at=timezone.now())
    assert not Event.objects.exists()
    assert client.get(reverse("api:story-detail", args=[draft.pk])).status_code == 404


def test_a_failure_in_the_outbox_never_stops_publishing(editor, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("outbox down")

    monkeypatch.setattr(events, "payload", broken)
    story = publish(editor)
    assert story.is_live and not Event.objects.exists()


# --- delivery -------------------------------------------------------------------------------------------


@pytest.mark.slow  # a receiver: an HTTP server on 127.0.0.1
def test_delivery_is_signed_and_thin(editor, receiver):
    endpoint = Endpoint.objects.create(url=receiver.url)
    story = publish(editor, "A headline partners fetch themselves")
    run_jobs()
    (request,) = receiver.received
    payload = verified(endpoint, request)
    (sent,) = Delivery.objects.all()
    assert request.headers["webhook-id"] == sent.webhook_id and sent.webhook_id.startswith("msg_")
    assert request.headers["webhook-signature"].startswith("v1,")
    assert request.headers["Content-Type"] == "application/json"
    assert payload["type"] == "story.published"
    assert payload["data"] == {
        "id": story.pk,
        "uri": item_uri(story.pk),
        "event": "story.published",
        "revision": story.live_revision.number,
        "time": payload["timestamp"],
        "url": item_uri(story.pk),
    }
    assert b"headline" not in request.body.lower()
    assert sent.status == Delivery.Status.SUCCEEDED


@pytest.mark.slow  # a receiver: an HTTP server on 127.0.0.1
def test_a_wrong_secret_does_not_verify(editor, receiver):
    Endpoint.objects.create(url=receiver.url)
    publish(editor)
    run_jobs()
    other = Endpoint(secret=Endpoint._meta.get_field("secret").default())
    with pytest.raises(Exception, match="signature"):
        verified(other, receiver.received[0])


@pytest.mark.slow  # a receiver: an HTTP server on 127.0.0.1
def test_three_failures_then_success_make_one_success_and_four_logged_attempts(editor, receiver):
    receiver.script = [500, (503, b"busy"), 502, 200]
    endpoint = Endpoint.objects.create(url=receiver.url)
    with time_machine.travel(timezone.now(), tick=True) as clock:
        publish(editor)
        run_jobs()
        (sent,) = Delivery.objects.all()
        while True:
            sent.refresh_from_db()
            if sent.status != Delivery.Status.PENDING:
                break
            clock.move_to(sent.next_attempt_at + timedelta(seconds=1))
            run_jobs()
        # Stray guards and later workers find nothing more to do.
        clock.shift(timedelta(days=4))
        run_jobs()
    assert sent.status == Delivery.Status.SUCCEEDED and sent.attempts == 4
    log = list(sent.log.all())
    assert [(a.number, a.status_code) for a in log] == [(1, 500), (2, 503), (3, 502), (4, 200)]
    assert all(a.finished_at and a.duration_ms is not None for a in log)
    assert log[1].response_excerpt == "busy"
    assert [r.headers["webhook-id"] for r in receiver.received] == [sent.webhook_id] * 4
    assert all(verified(endpoint, r) for r in receiver.received)
    endpoint.refresh_from_db()
    assert endpoint.health == "Healthy" and endpoint.consecutive_failures == 0


@pytest.mark.slow  # a receiver: an HTTP server on 127.0.0.1
def test_retries_back_off_for_about_three_days_then_give_up(editor, receiver):
    receiver.default = 500
    Endpoint.objects.create(url=receiver.url)
    with time_machine.travel(timezone.now(), tick=True) as clock:
        publish(editor)
        run_jobs()
        (sent,) = Delivery.objects.all()
        while True:
            sent.refresh_from_db()
            if sent.status != Delivery.Status.PENDING:
                break
            clock.move_to(sent.next_attempt_at + timedelta(seconds=1))
            run_jobs()
    log = list(sent.log.all())
    assert sent.status == Delivery.Status.FAILED and len(log) == 17 == len(receiver.received)
    gaps = [(b.started_at - a.started_at).total_seconds() for a, b in itertools.pairwise(log)]
    for n, gap in enumerate(gaps, start=1):  # 30 s doubling to 12 h, give or take a fifth
        expected = min(30 * 2 ** (n - 1), 12 * 3600)
        assert 0.8 * expected <= gap <= 1.2 * expected + 2, (n, gap)
    span = log[-1].started_at - log[0].started_at
    assert timedelta(days=2.5) < span < timedelta(days=4)
    assert sent.endpoint.health == "Failing: 17 failed attempts in a row"


def test_backoff_doubles_from_thirty_seconds_up_to_twelve_hours():
    waits = [delivery.backoff(n).total_seconds() for n in range(1, 18)]
    for n, wait in enumerate(waits, start=1):
        expected = min(30 * 2 ** (n - 1), 12 * 3600)
        assert 0.8 * expected <= wait <= 1.2 * expected


@pytest.mark.slow  # a receiver: an HTTP server on 127.0.0.1
def test_410_gone_switches_the_endpoint_off(editor, receiver):
    receiver.script = [410]
    endpoint = Endpoint.objects.create(url=receiver.url)
    publish(editor, "First")
    publish(editor, "Second")  # waiting too when the 410 comes
    run_jobs()
    endpoint.refresh_from_db()
    assert not endpoint.active and "410" in endpoint.health
    assert len(receiver.received) == 1
    assert sorted(Delivery.objects.values_list("status", flat=True)) == [
        Delivery.Status.CANCELLED,
        Delivery.Status.FAILED,
    ]
    publish(editor, "Third")
    assert Delivery.objects.count() == 2  # nothing more for a switched-off endpoint


@pytest.mark.slow  # a receiver: an HTTP server on 127.0.0.1
def test_a_slow_receiver_is_cut_off_at_the_timeout_and_retried(editor, receiver, settings):
    settings.NEWSROOM = {**settings.NEWSROOM, "WEBHOOK_TIMEOUT_SECONDS": 1}
    receiver.script = [("sleep", 3)]
    Endpoint.objects.create(url=receiver.url)
    publish(editor)
    started = time.monotonic()
    run_jobs()
    assert time.monotonic() - started < 2.5
    (attempt,) = Attempt.objects.all()
    assert attempt.status_code is None and attempt.error == "No answer within 1 s"
    assert attempt.delivery.status == Delivery.Status.PENDING
    assert attempt.delivery.next_attempt_at > timezone.now()


@pytest.mark.slow  # a receiver: an HTTP server on 127.0.0.1
def test_redirects_are_not_followed(editor, receiver):
    receiver.script = [("redirect", "/elsewhere")]
    Endpoint.objects.create(url=receiver.url)
    publish(editor)
    run_jobs()
    assert [r.path for r in receiver.received] == ["/hooks"]
    (attempt,) = Attempt.objects.all()
    assert attempt.status_code == 307 and attempt.delivery.status == Delivery.Status.PENDING


@pytest.mark.slow  # a receiver: an HTTP server on 127.0.0.1
def test_a_long_answer_is_logged_as_an_excerpt(editor, receiver):
    receiver.script = [(500, b"x" * 5000)]
    Endpoint.objects.create(url=receiver.url)
    publish(editor)
    run_jobs()
    assert Attempt.objects.get().response_excerpt == "x" * 500


@pytest.mark.slow  # openssl makes the certificate
def test_https_certificate_is_checked_against_the_host_name(
    editor, settings, tmp_path, monkeypatch
):
    """The connection goes to the address that was checked (127.0.0.1) while TLS checks
    the certificate against the name in the URL (localhost)."""
    allow_loopback(settings)
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    openssl = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    openssl += ["-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost"]
    openssl += ["-addext", "subjectAltName=DNS:localhost"]
    subprocess.run(openssl, check=True, capture_output=True)
    served = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    served.load_cert_chain(cert, key)
    with Receiver(tls=served) as receiver:
        Endpoint.objects.create(url=receiver.url)
        with time_machine.travel(timezone.now(), tick=True) as clock:
            publish(editor)
            run_jobs()
            (refused,) = Attempt.objects.all()
            assert "CERTIFICATE_VERIFY_FAILED" in refused.error and receiver.received == []
            trusting = ssl.create_default_context(cafile=str(cert))
            monkeypatch.setattr(ssl, "create_default_context", lambda: trusting)
            clock.move_to(refused.delivery.next_attempt_at + timedelta(seconds=1))
            run_jobs()
    assert Delivery.objects.get().status == Delivery.Status.SUCCEEDED
    assert len(receiver.received) == 1


# --- nothing lost ------------------------------------------------------------------------------------------


@pytest.mark.slow  # a receiver: an HTTP server on 127.0.0.1
def test_an_attempt_cut_off_with_its_worker_is_made_again_with_the_same_id(editor, receiver):
    """The fast version of tests/test_webhooks_worker.py: the worker claims the delivery
    and dies before recording anything; the guard it queued tries again."""
    Endpoint.objects.create(url=receiver.url)
    with time_machine.travel(timezone.now(), tick=True) as clock:
        publish(editor)
        (sent,) = Delivery.objects.all()
        delivery._claim(sent.pk)  # … and the worker is killed here
        DBTaskResult.objects.filter(task_path=TASK, run_after__lte=timezone.now()).delete()
        run_jobs()
        assert receiver.received == []  # not yet: the attempt might still be under way
        clock.shift(delivery.lease() + timedelta(seconds=1))
        run_jobs()
    sent.refresh_from_db()
    assert sent.status == Delivery.Status.SUCCEEDED
    assert [a.outcome for a in sent.log.all()] == ["cut off (no answer recorded)", "HTTP 200"]
    assert [r.headers["webhook-id"] for r in receiver.received] == [sent.webhook_id]


@pytest.mark.slow  # a receiver: an HTTP server on 127.0.0.1
def test_the_safety_net_command_delivers_what_no_job_will(editor, receiver):
    Endpoint.objects.create(url=receiver.url)
    with time_machine.travel(timezone.now(), tick=True) as clock:
        publish(editor)
        DBTaskResult.objects.filter(task_path=TASK).delete()  # the jobs were lost
        clock.shift(timedelta(minutes=2))
        out = StringIO()
        call_command("deliver_webhooks", "--dry-run", stdout=out)
        assert "would be sent" in out.getvalue() and receiver.received == []
        call_command("deliver_webhooks", stdout=StringIO())
    assert Delivery.objects.get().status == Delivery.Status.SUCCEEDED
    assert len(receiver.received) == 1
