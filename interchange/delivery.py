"""Carrying out webhook deliveries: Standard Webhooks signatures, one HTTP attempt at a
time, retries with backoff, and nothing lost when a worker dies.

Each attempt is a ``deliver_webhook`` job (``manage.py db_worker``):

1. **Claim** (one transaction): the delivery row is locked, its attempt counted and
   logged as started, and a *guard* job queued for when the attempt must be over
   (twice the timeout). Django's tasks do not retry by themselves, and a worker
   killed mid-request records nothing more: the guard then finds the delivery still
   pending and tries again, with the same ``webhook-id``. At least once.
2. **Send**, outside any transaction: POST to the address checked just now (no
   redirects followed), cut off after the timeout whatever the server does.
3. **Settle** (one transaction): the log gets the answer; a 2xx delivers, a 410
   switches the endpoint off, anything else is retried after an exponential backoff
   with jitter (30 s, 1 min, 2 min … capped at 12 h; given up after the 17th attempt,
   some three days later), the next job queued in the same transaction.

Stray jobs (a guard after a success, a retry after a replay) find nothing due and do
nothing, so any number of them is harmless. ``manage.py deliver_webhooks`` (cron)
carries out deliveries overdue because no worker ran, as a safety net.
"""

import base64
import hashlib
import hmac
import http.client
import json
import logging
import random
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.tasks import task
from django.utils import timezone

from articles import outbound
from articles.site import base_url
from interchange.addresses import RefusedAddress, resolve
from interchange.conf import setting
from interchange.models import Attempt, Delivery, Endpoint

logger = logging.getLogger(__name__)

#: How much of a receiver's answer the log keeps.
EXCERPT_CHARS = 500
Status = Delivery.Status


# --- signing -----------------------------------------------------------------------------------


def signature(secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    """``v1,`` + base64 HMAC-SHA256 of ``id.timestamp.body`` with the base64-decoded secret."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def body_of(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


# --- one HTTP attempt ------------------------------------------------------------------------------


@dataclass
class Outcome:
    status_code: int | None = None
    error: str = ""
    excerpt: str = ""
    duration_ms: int = 0

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _cut(connection: outbound.Connection, expired: threading.Event) -> None:
    # The socket timeout bounds each read, not the whole answer: a server trickling a
    # byte at a time would hold the worker for ever. This ends it at the deadline.
    expired.set()
    connection.abort()


def send(url: str, secret: str, webhook_id: str, body: bytes, *, timeout: float) -> Outcome:
    """POST ``body`` to ``url``, signed; never raises, never follows a redirect."""
    started = time.monotonic()
    try:
        target, address = resolve(url)
    except RefusedAddress as refusal:
        return Outcome(error=f"Refused: {refusal.messages[0]}"[:300])
    connection = outbound.pinned(target, address, timeout=timeout)
    expired = threading.Event()
    deadline = threading.Timer(timeout, _cut, [connection, expired])
    outcome = Outcome()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"NewsroomWebhooks/1 (+{base_url()})",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, webhook_id, timestamp, body),
        "Connection": "close",
    }
    deadline.start()
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        answer = connection.getresponse()
        outcome.status_code = answer.status
        outcome.excerpt = answer.read(EXCERPT_CHARS * 4).decode("utf-8", "replace")[:EXCERPT_CHARS]
    except (OSError, http.client.HTTPException) as error:
        if expired.is_set() or isinstance(error, TimeoutError):
            outcome.error = f"No answer within {timeout:g} s"
        else:
            outcome.error = f"{type(error).__name__}: {error}"[:300]
    finally:
        deadline.cancel()
        connection.close()
    outcome.duration_ms = round((time.monotonic() - started) * 1000)
    return outcome


# --- the schedule -----------------------------------------------------------------------------------


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failure: doubling from the base up to the cap,
    give or take a fifth so that many failed deliveries do not all retry at once."""
    base = float(setting("WEBHOOK_RETRY_BASE_SECONDS"))
    cap = float(setting("WEBHOOK_RETRY_CAP_SECONDS"))
    wait = min(base * 2 ** (attempts - 1), cap)
    return timedelta(seconds=wait * random.uniform(0.8, 1.2))  # jitter, not a secret


def lease() -> timedelta:
    """How long an attempt may take before it is taken to have died with its worker."""
    return timedelta(seconds=2 * float(setting("WEBHOOK_TIMEOUT_SECONDS")))


# --- a job: claim, send, settle --------------------------------------------------------------------------


@task()
def deliver_webhook(delivery_id: int) -> str:
    """Make the next attempt at a delivery if one is due now; say what happened."""
    return attempt(delivery_id)


def queue(delivery: Delivery, when=None) -> None:
    """Queue a job for ``delivery`` at ``when`` (now if None), in the caller's transaction."""
    job = deliver_webhook if when is None else deliver_webhook.using(run_after=when)
    job.enqueue(delivery.pk)


def attempt(delivery_id: int) -> str:
    claimed = _claim(delivery_id)
    if isinstance(claimed, str):
        return claimed
    delivery, log = claimed
    outcome = send(
        delivery.endpoint.url,
        delivery.endpoint.secret,
        delivery.webhook_id,
        body_of(delivery.event.payload),
        timeout=float(setting("WEBHOOK_TIMEOUT_SECONDS")),
    )
    return _settle(delivery, log, outcome)


def _claim(delivery_id: int) -> tuple[Delivery, Attempt] | str:
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint", "event")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            return "busy or gone"
        if delivery.status != Status.PENDING:
            return f"nothing to do: {delivery.status}"
        if delivery.next_attempt_at and delivery.next_attempt_at > now:
            return "not due yet"  # a job is queued for next_attempt_at
        if not delivery.endpoint.active:
            delivery.status = Status.CANCELLED
            delivery.next_attempt_at = None
            delivery.save(update_fields=["status", "next_attempt_at"])
            return "endpoint switched off"
        delivery.attempts += 1
        delivery.next_attempt_at = now + lease()
        delivery.save(update_fields=["attempts", "next_attempt_at"])
        log = Attempt.objects.create(delivery=delivery, number=delivery.attempts, started_at=now)
        queue(delivery, delivery.next_attempt_at)  # the guard, should this worker die
    return delivery, log


def _settle(delivery: Delivery, log: Attempt, outcome: Outcome) -> str:
    now = timezone.now()
    with transaction.atomic():
        Attempt.objects.filter(pk=log.pk).update(
            finished_at=now,
            duration_ms=outcome.duration_ms,
            status_code=outcome.status_code,
            error=outcome.error,
            response_excerpt=outcome.excerpt,
        )
        endpoint = Endpoint.objects.filter(pk=delivery.endpoint_id)
        if outcome.delivered:
            endpoint.update(last_success_at=now, consecutive_failures=0)
        else:
            endpoint.update(last_failure_at=now, consecutive_failures=F("consecutive_failures") + 1)
        current = Delivery.objects.select_for_update().get(pk=delivery.pk)
        if current.status != Status.PENDING or current.attempts != log.number:
            return "superseded"  # replayed or taken over meanwhile; the log keeps this try
        current.last_status_code = outcome.status_code
        current.next_attempt_at = None
        if outcome.delivered:
            current.status = Status.SUCCEEDED
            current.succeeded_at = now
            result = "delivered"
        elif outcome.status_code == 410:
            current.status = Status.FAILED
            switch_off(current.endpoint_id, f"it answered 410 Gone on {now:%Y-%m-%d %H:%M} UTC")
            result = "gone: endpoint switched off"
        elif current.attempts_this_run >= int(setting("WEBHOOK_MAX_ATTEMPTS")):
            current.status = Status.FAILED
            result = "given up"
        else:
            current.next_attempt_at = now + backoff(current.attempts_this_run)
            queue(current, current.next_attempt_at)
            result = "will retry"
        current.save()
    if not outcome.delivered:
        logger.info(
            "Webhook %s attempt %s to endpoint %s: %s (%s)",
            delivery.webhook_id,
            log.number,
            delivery.endpoint_id,
            outcome.status_code or outcome.error,
            result,
        )
    return result


# --- acts from the admin and cron ------------------------------------------------------------------------


def switch_off(endpoint_id: int, reason: str) -> None:
    """Stop sending to an endpoint; what was still waiting for it is not sent."""
    Endpoint.objects.filter(pk=endpoint_id).update(
        active=False, disabled_at=timezone.now(), disabled_reason=reason[:200]
    )
    Delivery.objects.filter(endpoint_id=endpoint_id, status=Status.PENDING).update(
        status=Status.CANCELLED, next_attempt_at=None
    )


def replay(deliveries) -> int:
    """Send deliveries again (same ``webhook-id``), with a fresh retry schedule."""
    now = timezone.now()
    count = 0
    with transaction.atomic():
        for delivery in deliveries.select_for_update(of=("self",)):
            delivery.status = Status.PENDING
            delivery.attempts_before_replay = delivery.attempts
            delivery.next_attempt_at = now
            delivery.save(update_fields=["status", "attempts_before_replay", "next_attempt_at"])
            queue(delivery)
            count += 1
    return count


def overdue(grace: timedelta = timedelta(minutes=1)):
    """Pending deliveries whose time came more than ``grace`` ago: their job was lost."""
    return Delivery.objects.filter(
        status=Status.PENDING, next_attempt_at__lte=timezone.now() - grace
    ).order_by("next_attempt_at")
