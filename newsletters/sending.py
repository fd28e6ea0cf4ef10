"""Sending an edition: once to each subscriber, at a bounded rate, whatever the workers do.

1. **Start** (one transaction): the approved edition becomes "sending" and gets one
   :class:`Send` row per subscriber who receives it then; the first job is queued.
2. **Batches**: a ``send_edition`` job takes the edition's *lease* (a conditional
   update: one job at a time, and not before ``next_batch_at``), queues a guard job
   for when the lease runs out, and sends up to ``NEWSLETTER_BATCH_SIZE`` messages,
   no faster than ``NEWSLETTER_RATE_PER_MINUTE``, over one connection to the mail
   server. Then it hands the lease back and queues the next batch.
3. **Each message** is one transaction: the send row is claimed with
   ``SELECT … FOR UPDATE SKIP LOCKED``, held while the mail server takes the message,
   and marked sent in the same transaction. A worker killed before the server said
   "250 OK" leaves the row pending (PostgreSQL drops the dead session's lock and
   transaction), and the guard job, in whichever worker runs it, sends it after the
   lease runs out. Only a death in the instant between the server's "250" and the
   commit can send one message twice; its Message-ID is fixed by the send row, so
   mailboxes that fold duplicates fold it.

Before every message the sender checks, in two small queries, that the edition's
stories are all still published and unchanged and that no correction came since it
built the edition (``digest.fingerprint_now``); if anything changed it builds the
edition again, so a story taken down mid-send is in no message sent after the takedown
committed. A subscriber who left, bounced or complained meanwhile is skipped.
"""

import logging
import smtplib
import time
import uuid
from datetime import datetime, timedelta

from anymail.exceptions import AnymailRecipientsRefused
from django.core.mail import mailers
from django.db import transaction
from django.db.models import Count, Min, Q
from django.tasks import task
from django.utils import timezone

from articles.models import AuditEntry
from articles.models.audit import declare_action
from newsletters import conf, digest, render, subscribers
from newsletters.models import Edition, Send, Subscriber

logger = logging.getLogger(__name__)

SEND = declare_action("newsletter_send", "Newsletter edition sending started")
SENT = declare_action("newsletter_sent", "Newsletter edition sent")

Status = Send.Status


@task()
def send_edition(edition_id: int) -> str:
    """One batch of an edition, if it is this job's turn; never raises."""
    try:
        return run_batch(edition_id)
    except Exception:  # a job that raises is only marked failed: say why in the log
        logger.exception("Newsletter edition %s: the send job failed", edition_id)
        return "failed"


def start(edition: Edition, *, at: datetime | None = None) -> int:
    """Start sending an approved edition: a send row for everyone who receives it now.
    Returns how many; 0 if it was not waiting to be sent (someone else started it)."""
    now = at or timezone.now()
    with transaction.atomic():
        changed = Edition.objects.filter(pk=edition.pk, status=Edition.Status.APPROVED).update(
            status=Edition.Status.SENDING, send_started_at=now, next_batch_at=now
        )
        if not changed:
            return 0
        readers = Subscriber.objects.filter(
            status=Subscriber.Status.ACTIVE, subscriptions__newsletter=edition.newsletter_id
        ).values_list("pk", flat=True)
        rows = (Send(edition_id=edition.pk, subscriber_id=pk) for pk in readers.iterator())
        made = len(Send.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True))
        edition.refresh_from_db()
        AuditEntry.record(
            SEND,
            actor=edition.approved_by,
            actor_name="" if edition.approved_by else "The schedule",
            message=f"{edition}: sending to {made} subscribers.",
            at=now,
        )
        send_edition.enqueue(edition.pk)
    return made


# --- a batch ---------------------------------------------------------------------------------------


def _lease() -> timedelta:
    return timedelta(seconds=conf.number("NEWSLETTER_LEASE_SECONDS"))


def _claim(edition_id: int, token: str, now: datetime) -> bool:
    with transaction.atomic():
        claimed = (
            Edition.objects.filter(pk=edition_id, status=Edition.Status.SENDING)
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
            .filter(Q(next_batch_at__isnull=True) | Q(next_batch_at__lte=now))
            .update(lease_until=now + _lease(), lease_token=token)
        )
        if claimed:
            # Should this worker die, the guard carries on once the lease has run out.
            send_edition.using(run_after=now + _lease() + timedelta(seconds=1)).enqueue(edition_id)
    return bool(claimed)


class Composer:
    """The edition as rendered mail, built again whenever its content changed, once per
    choice of sections."""

    def __init__(self, edition: Edition):
        self.edition = edition
        self.chosen = digest.chosen_ids(edition)
        self.since = digest.corrections_since(edition, edition.newsletter, edition.window_start)
        self.content: digest.Digest | None = None
        self.variants: dict[frozenset[int], render.Rendered | None] = {}

    def refresh(self) -> None:
        current = digest.fingerprint_now(self.chosen, self.edition.newsletter, self.since)
        if self.content is None or current != self.content.fingerprint:
            self.content = digest.for_edition(self.edition)
            self.variants = {}

    def rendered_for(self, sections: frozenset[int]) -> render.Rendered | None:
        """The mail for a subscriber who chose ``sections``; None if it would be empty."""
        if sections not in self.variants:
            content = self.content.for_sections(sections)
            self.variants[sections] = None if content.is_empty else render.render(content)
        return self.variants[sections]


def run_batch(edition_id: int) -> str:
    """Send one batch of the edition if no other job holds it and the rate allows."""
    token = uuid.uuid4().hex
    now = timezone.now()
    if not _claim(edition_id, token, now):
        return "not this job's turn"
    edition = Edition.objects.select_related("newsletter").get(pk=edition_id)
    composer = Composer(edition)
    backend = mailers[conf.mailer()]
    interval = 60 / max(1, conf.number("NEWSLETTER_RATE_PER_MINUTE"))
    started = time.monotonic()
    renewed = started
    tried = 0
    outcomes: dict[str, int] = {}
    server_down = False
    try:
        while tried < conf.number("NEWSLETTER_BATCH_SIZE"):
            # Evenly spaced, rather than bursts a provider's per-second limit refuses.
            wait = started + tried * interval - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            outcome = send_next(edition, composer, backend)
            if outcome is None:
                break
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
            if outcome == "server":
                server_down = True
                break
            if outcome != "skipped":  # skipping sends nothing: it neither waits nor counts
                tried += 1
            if time.monotonic() - renewed > _lease().total_seconds() / 3:
                Edition.objects.filter(pk=edition_id, lease_token=token).update(
                    lease_until=timezone.now() + _lease()
                )
                renewed = time.monotonic()
    finally:
        _close(backend)
        # The next batch keeps the spacing: its first message comes one interval after
        # this batch's last, not at once.
        spacing = max(0.0, started + tried * interval - time.monotonic())
        _hand_back(edition_id, token, server_down, timedelta(seconds=spacing))
    return ", ".join(f"{count} {name}" for name, count in sorted(outcomes.items())) or "nothing"


def _hand_back(edition_id: int, token: str, server_down: bool, spacing: timedelta) -> None:
    """Give up the lease and queue the next batch, or finish the edition."""
    now = timezone.now()
    if server_down:
        spacing = timedelta(seconds=conf.number("NEWSLETTER_RETRY_SECONDS"))
    next_at = now + spacing
    with transaction.atomic():
        Edition.objects.filter(pk=edition_id, lease_token=token).update(
            lease_until=None, lease_token="", next_batch_at=next_at
        )
        pending = Send.objects.filter(edition_id=edition_id, status=Status.PENDING)
        if not pending.exists():
            finish(edition_id, at=now)
            return
        ready = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
        if not pending.filter(ready).exists():
            # Only messages the server turned away for now are left: come back for them.
            next_at = max(next_at, pending.aggregate(due=Min("next_attempt_at"))["due"])
        send_edition.using(run_after=next_at).enqueue(edition_id)


def finish(edition_id: int, *, at: datetime | None = None) -> bool:
    now = at or timezone.now()
    with transaction.atomic():
        changed = Edition.objects.filter(pk=edition_id, status=Edition.Status.SENDING).update(
            status=Edition.Status.SENT, sent_at=now
        )
        if changed:
            edition = Edition.objects.select_related("newsletter").get(pk=edition_id)
            tally = {
                row["status"]: row["n"]
                for row in Send.objects.filter(edition=edition)
                .values("status")
                .annotate(n=Count("pk"))
                .order_by()
            }
            AuditEntry.record(
                SENT,
                actor_name="The sender",
                message=f"{edition}: sent to {tally.get(Status.SENT, 0)} subscribers; "
                f"{tally.get(Status.SKIPPED, 0)} skipped, {tally.get(Status.FAILED, 0)} failed.",
                at=now,
            )
    return bool(changed)


def _close(backend) -> None:
    try:
        backend.close()
    except Exception:  # a connection that broke mid-batch may fail to say goodbye
        logger.info("The mail connection did not close cleanly.", exc_info=True)


# --- one message -----------------------------------------------------------------------------------


def _not_for(subscriber: Subscriber, edition: Edition) -> str:
    """Why ``subscriber`` no longer gets ``edition``, or "" if they do."""
    if subscriber.status != Subscriber.Status.ACTIVE:
        return f"Not sent: {subscriber.get_status_display().lower()} since it was queued."
    if not subscriber.subscriptions.filter(newsletter=edition.newsletter_id).exists():
        return "Not sent: left this newsletter since it was queued."
    return ""


def send_next(edition: Edition, composer: Composer, backend) -> str | None:
    """Send the next waiting message of ``edition``: "sent", "skipped", "failed",
    "later" (the server turned this one away for now), "server" (the server is away),
    or None when no message is waiting."""
    now = timezone.now()
    with transaction.atomic():
        row = (
            Send.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("subscriber")
            .filter(edition=edition, status=Status.PENDING)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .order_by("pk")
            .first()
        )
        if row is None:
            return None
        subscriber = row.subscriber
        reason = _not_for(subscriber, edition)
        if not reason:
            composer.refresh()
            rendered = composer.rendered_for(subscribers.sections_of(subscriber))
            if rendered is None:
                reason = "Not sent: no story left in the sections they chose."
        if reason:
            _settle(row, Status.SKIPPED, reason)
            return "skipped"
        try:
            backend.open()  # the batch's connection, opened once and kept
            backend.send_messages([render.message(rendered, edition, row, subscriber)])
        except Exception as error:  # classified below; the row says what happened
            return _failed(row, error, now)
        row.attempts += 1
        row.sent_at = timezone.now()
        _settle(row, Status.SENT, "")
    return "sent"


def _settle(row: Send, status: str, note: str) -> None:
    row.status = status
    row.note = note[:300]
    row.save(update_fields=["status", "note", "attempts", "sent_at", "next_attempt_at"])


def _refusal(error: Exception) -> tuple[str, str]:
    """("permanent" | "later" | "server", what the mail server said)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused) and error.recipients:
        code, said = next(iter(error.recipients.values()))
        text = said.decode("utf-8", "replace") if isinstance(said, bytes) else str(said)
        return ("permanent" if 500 <= code < 600 else "later"), f"{code} {text}"
    if isinstance(error, AnymailRecipientsRefused):
        return "permanent", str(error)
    return "server", f"{type(error).__name__}: {error}"


def _failed(row: Send, error: Exception, now: datetime) -> str:
    kind, said = _refusal(error)
    row.attempts += 1
    if kind == "permanent":
        # The receiving server refused the address for good: a hard bounce.
        subscribers.record(subscribers.Report(row.subscriber.email, "hard", said))
        _settle(row, Status.FAILED, f"Refused by the mail server: {said}")
        return "failed"
    if row.attempts >= conf.number("NEWSLETTER_MAX_ATTEMPTS"):
        _settle(row, Status.FAILED, f"Gave up after {row.attempts} attempts: {said}")
        return "failed"
    wait = conf.number("NEWSLETTER_RETRY_SECONDS") * 2 ** (row.attempts - 1)
    row.next_attempt_at = now + timedelta(seconds=min(wait, 3600))
    _settle(row, Status.PENDING, f"Attempt {row.attempts} failed: {said}")
    logger.warning("Newsletter send %s: %s", row.pk, said)
    return "later" if kind == "later" else "server"
