"""Polling on a schedule, with ``manage.py db_worker``: one chain of jobs per provider.

Each job carries the turn it was queued for (the provider's ``next_poll_at`` then). It
claims that turn by moving ``next_poll_at`` on, under the row's lock, and queues the
job for the next turn in the same transaction, before fetching anything. So:

- a job whose turn is gone (a second worker, a duplicate, a provider saved or switched
  off since) finds nothing to claim and stops: duplicates die out instead of piling up;
- a job that crashes while fetching has already queued its successor: the chain goes on;
- ``poll_wires`` from cron claims the turns that are due the same way, and so restarts
  a chain that stopped (a worker killed between two transactions, a queue emptied).

No lock is held while a feed is fetched (up to ``WIRES["TIMEOUT"]`` seconds).
"""

import logging
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.tasks import task
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from wires import ingest
from wires.models import Provider

logger = logging.getLogger(__name__)


@task()
def poll_provider(provider_id: int, turn: str) -> str:
    """Poll one provider, if ``turn`` is still its turn; never raises."""
    try:
        provider = claim_turn(provider_id, parse_datetime(turn))
        if provider is None:
            return "not this job's turn"
        return ingest.poll(provider).summary()
    except Exception:  # a job that raises is only marked failed: say why in the log
        logger.exception("Wire provider %s: the poll job failed", provider_id)
        return "failed"


def _next_turn(provider: Provider, now: datetime) -> None:
    """Move the provider's turn on and queue the job that will take it (in the caller's
    transaction: the job exists exactly when the turn was claimed)."""
    provider.next_poll_at = now + provider.interval
    Provider.objects.filter(pk=provider.pk).update(next_poll_at=provider.next_poll_at)
    poll_provider.using(run_after=provider.next_poll_at).enqueue(
        provider.pk, provider.next_poll_at.isoformat()
    )


def claim_turn(provider_id: int, turn: datetime | None) -> Provider | None:
    """The provider, if its turn ``turn`` was still unclaimed; now claimed."""
    now = timezone.now()
    with transaction.atomic():
        provider = (
            Provider.objects.select_for_update()
            .filter(pk=provider_id, active=True, next_poll_at=turn)
            .first()
        )
        if provider is None:
            return None
        _next_turn(provider, now)
    return provider


def claim_due(*, at: datetime | None = None) -> list[Provider]:
    """Every active provider whose turn has come, each claimed; rows another poller is
    claiming at this moment are left to it."""
    now = at or timezone.now()
    with transaction.atomic():
        due = list(
            Provider.objects.select_for_update(skip_locked=True)
            .filter(active=True)
            .filter(Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now))
            .order_by("next_poll_at", "pk")
        )
        for provider in due:
            _next_turn(provider, now)
    return due


def claim_now(provider: Provider) -> Provider:
    """Take ``provider``'s turn now, due or not (``poll_wires --provider``)."""
    with transaction.atomic():
        locked = Provider.objects.select_for_update().get(pk=provider.pk)
        _next_turn(locked, timezone.now())
    return locked


def schedule_now(provider: Provider) -> None:
    """Poll ``provider`` as soon as a worker is free, and on its schedule from then on
    (a new chain; the old one's next job finds its turn gone). For a provider added,
    changed or switched on in the admin, or "Fetch now"."""
    now = timezone.now()
    with transaction.atomic():
        Provider.objects.filter(pk=provider.pk).update(next_poll_at=now)
        provider.next_poll_at = now
        if provider.active:
            poll_provider.using(run_after=now).enqueue(provider.pk, now.isoformat())
