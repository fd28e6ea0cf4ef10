"""Each newsletter's day, with ``manage.py db_worker``: a draft edition some hours before
the send time, for editors to arrange and approve; at the send time, the approved
edition goes out (or, if its editors turned the schedule on, the draft is brought up to
date and goes out by itself). An edition nobody approved stays a draft.

One chain of jobs per newsletter, as for the wire feeds (``wires.tasks``): each job
carries its turn (``Newsletter.next_run_at``), claims it under the row's lock and queues
the job for the next turn in the same transaction, before doing anything; a job whose
turn is gone does nothing. ``manage.py send_newsletters`` (cron) claims the turns that
are due the same way, restarting a chain that stopped, and resumes stalled sends.
"""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.tasks import task
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from newsletters import conf, editions, sending
from newsletters.models import Edition, Newsletter

logger = logging.getLogger(__name__)


def next_turn(newsletter: Newsletter, now: datetime) -> datetime:
    """The next moment the newsletter's day needs attention after ``now``."""
    lead = timedelta(hours=conf.number("NEWSLETTER_DRAFT_HOURS"))
    day = timezone.localdate(now)
    for offset in (0, 1, 2):
        send_at = newsletter.send_at(day + timedelta(days=offset))
        for moment in (send_at - lead, send_at):
            if moment > now:
                return moment
    return now + timedelta(days=1)


def run(newsletter: Newsletter, now: datetime) -> str:
    """Do what the newsletter's day needs at ``now``; say what was done."""
    day = timezone.localdate(now)
    send_at = newsletter.send_at(day)
    if now < send_at - timedelta(hours=conf.number("NEWSLETTER_DRAFT_HOURS")):
        return "nothing due"
    edition = editions.draft(newsletter, day)
    if now < send_at:
        return f"draft of {day} ready"
    if edition.status == Edition.Status.DRAFT and newsletter.auto_send:
        editions.fill(edition)
        try:
            editions.approve(edition, None, at=now)
        except editions.EditionError as refused:
            logger.warning("%s not sent on schedule: %s", edition, refused)
            return f"not sent: {refused}"
        return f"edition of {day} sent on schedule"
    if edition.status == Edition.Status.APPROVED:
        return f"edition of {day}: {sending.start(edition, at=now)} sends"
    return f"edition of {day} is {edition.get_status_display().lower()}"


@task()
def run_schedule(newsletter_id: int, turn: str) -> str:
    """One turn of a newsletter's schedule, if ``turn`` is still its turn; never raises."""
    try:
        newsletter = claim_turn(newsletter_id, parse_datetime(turn))
        if newsletter is None:
            return "not this job's turn"
        return run(newsletter, timezone.now())
    except Exception:  # a job that raises is only marked failed: say why in the log
        logger.exception("Newsletter %s: the schedule job failed", newsletter_id)
        return "failed"


def _take(newsletter: Newsletter, now: datetime) -> None:
    """Move the turn on and queue its job, in the caller's transaction."""
    newsletter.next_run_at = next_turn(newsletter, now)
    Newsletter.objects.filter(pk=newsletter.pk).update(next_run_at=newsletter.next_run_at)
    run_schedule.using(run_after=newsletter.next_run_at).enqueue(
        newsletter.pk, newsletter.next_run_at.isoformat()
    )


def claim_turn(newsletter_id: int, turn: datetime | None) -> Newsletter | None:
    with transaction.atomic():
        newsletter = (
            Newsletter.objects.select_for_update()
            .filter(pk=newsletter_id, active=True, next_run_at=turn)
            .first()
        )
        if newsletter is None:
            return None
        _take(newsletter, timezone.now())
    return newsletter


def claim_due(*, at: datetime | None = None) -> list[Newsletter]:
    """Every active newsletter whose turn has come (or that has none yet), each claimed."""
    now = at or timezone.now()
    with transaction.atomic():
        due = list(
            Newsletter.objects.select_for_update(skip_locked=True)
            .filter(active=True)
            .filter(Q(next_run_at__isnull=True) | Q(next_run_at__lte=now))
            .order_by("position", "pk")
        )
        for newsletter in due:
            _take(newsletter, now)
    return due


def schedule_now(newsletter: Newsletter) -> None:
    """Start the newsletter's chain again from now (saved in the admin: its send time
    may have moved); the old chain's next job finds its turn gone."""
    now = timezone.now()
    with transaction.atomic():
        Newsletter.objects.filter(pk=newsletter.pk).update(next_run_at=now)
        if newsletter.active:
            run_schedule.enqueue(newsletter.pk, now.isoformat())


def stalled(*, at: datetime | None = None) -> list[Edition]:
    """Editions being sent whose lease ran out more than a minute ago, or that nobody
    holds and whose next batch is over a minute late: their jobs were lost."""
    late = (at or timezone.now()) - timedelta(minutes=1)
    return list(
        Edition.objects.filter(status=Edition.Status.SENDING)
        .filter(Q(lease_until__lt=late) | Q(lease_until__isnull=True, next_batch_at__lt=late))
        .select_related("newsletter")
    )
