"""Polling a provider: fetch, parse, store each item once per version. Never raises.

How an arriving entry meets the stored row of the same (provider, guid):

- none stored: a new row (withdrawn at once if the agency already cancelled it);
- the agency numbers versions (ninjs ``version``): a higher number replaces the text,
  the same or a lower one changes nothing (a re-poll, or an old copy arriving late);
- it numbers none (RSS, Atom): a change of the text is a new version, numbered by us;
  an entry the agency dates earlier than the stored one is an old copy and ignored;
- ``pubstatus`` canceled or withheld withdraws the row whatever its number: a kill must
  never wait for a version number. If a draft was made from it, the story's audit log
  says so, and the desk shows the item as withdrawn with a link to the draft.

Each entry is stored in its own savepoint, with its row locked, so one odd entry
never costs the others and two pollers never store one version twice.
"""

import logging
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from articles.middleware import escape_for_log
from articles.models import AuditEntry
from wires.feeds import Entry, FeedError, parse_feed
from wires.fetch import FetchError, fetch
from wires.models import HISTORY_MAX, WIRE_WITHDRAWN, Provider, WireItem

logger = logging.getLogger(__name__)

NEW, UPDATED, WITHDRAWN, UNCHANGED = "new", "updated", "withdrawn", "unchanged"
_ACCEPT = {
    "ninjs": "application/json, application/ninjs+json;q=0.9, */*;q=0.1",
    "rss": "application/rss+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1",
    "atom": "application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1",
}


@dataclass
class PollReport:
    provider: Provider
    counts: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error

    def summary(self) -> str:
        """One line for the desk, the log and ``poll_wires``."""
        if self.error:
            return f"failed: {self.error}"
        counts = ", ".join(
            f"{self.counts.get(k, 0)} {k}" for k in (NEW, UPDATED, WITHDRAWN, UNCHANGED)
        )
        skipped = f"; {len(self.skipped)} skipped ({self.skipped[0]}…)" if self.skipped else ""
        return f"{counts}{skipped}"


def poll(provider: Provider) -> PollReport:
    """Fetch ``provider``'s feed and store what is new. Records the outcome on the
    provider (``last_polled_at``, ``last_result``, ``last_error``) and in the log; a bad
    feed is an error on the provider, never an exception."""
    report = PollReport(provider)
    try:
        fetched = fetch(provider.url, accept=_ACCEPT.get(provider.kind, "*/*"))
        parsed = parse_feed(provider.kind, fetched.body, fetched.content_type)
        report.skipped = list(parsed.skipped)
        for entry in parsed.entries:
            try:
                outcome = store(provider, entry)
            except Exception as error:  # one odd entry never costs the others
                logger.exception("Wire provider %s: could not store an item", provider.pk)
                report.skipped.append(
                    f"“{entry.guid[:80]}” could not be stored ({error.__class__.__name__})"
                )
                continue
            report.counts[outcome] = report.counts.get(outcome, 0) + 1
    except (FetchError, FeedError) as error:
        report.error = escape_for_log(str(error))
    except Exception as error:  # a bug or the database: logged whole, the job goes on
        logger.exception("Wire provider %s: unexpected error", provider.pk)
        report.error = escape_for_log(
            f"Unexpected error ({error.__class__.__name__}); see the log."
        )
    _record(report)
    return report


def _record(report: PollReport) -> None:
    provider, now = report.provider, timezone.now()
    fields = {"last_polled_at": now, "last_result": report.summary()[:300]}
    if report.ok:
        fields |= {"last_success_at": now, "last_error": ""}
        logger.info(
            "Wire provider %s (%s): %s",
            provider.pk,
            escape_for_log(provider.name),
            fields["last_result"],
        )
    else:
        fields["last_error"] = report.error
        logger.warning(
            "Wire provider %s (%s) skipped: %s",
            provider.pk,
            escape_for_log(provider.name),
            report.error,
        )
    for skipped in report.skipped[:5]:
        logger.info("Wire provider %s: %s", provider.pk, escape_for_log(skipped))
    try:
        Provider.objects.filter(pk=provider.pk).update(**fields)
    except Exception:  # the database is away: the log has said it all
        logger.exception("Wire provider %s: could not record the poll", provider.pk)
    for name, value in fields.items():
        setattr(provider, name, value)


def store(provider: Provider, entry: Entry, *, at=None) -> str:
    """Store ``entry``; return what happened to it: new, updated, withdrawn or unchanged."""
    now = at or timezone.now()
    for _attempt in range(2):
        try:
            with transaction.atomic():
                item = (
                    WireItem.objects.select_for_update(of=("self",))
                    .select_related("story")
                    .filter(provider=provider, guid=entry.guid)
                    .order_by()
                    .first()
                )
                if item is None:
                    _fill(
                        WireItem(provider=provider, guid=entry.guid, first_received_at=now),
                        entry,
                        now,
                    ).save()
                    return WITHDRAWN if entry.pubstatus != "usable" else NEW
                item.provider = provider
                return _merge(item, entry, now)
        except IntegrityError:
            # Another poller stored the same new item a moment ago: merge into its row.
            continue
    return UNCHANGED


def _fill(item: WireItem, entry: Entry, now, version: int | None = None) -> WireItem:
    item.version = version or entry.version or 1
    item.fingerprint = entry.fingerprint
    item.headline = entry.headline
    item.byline = entry.byline
    item.summary = entry.summary
    item.body_text = entry.body_text
    item.body_html = entry.body_html
    item.published_at = entry.published_at
    item.updated_at = entry.updated_at
    agency_time = entry.updated_at or entry.published_at
    # A date in the future (a wrong clock, or a feed wanting the top of the list) is
    # clamped to the arrival.
    item.filed_at = min(agency_time, now) if agency_time else now
    item.pubstatus = entry.pubstatus
    item.raw = entry.raw
    item.received_at = now
    return item


def _merge(item: WireItem, entry: Entry, now) -> str:
    withdraws = entry.pubstatus != "usable" and not item.is_withdrawn
    if entry.version is not None:
        newer = entry.version > item.version
        version = entry.version
    else:
        older = entry.updated_at and item.updated_at and entry.updated_at < item.updated_at
        newer = entry.fingerprint != item.fingerprint and not older
        version = item.version + 1
    if newer:
        item.history = [
            {
                "version": item.version,
                "headline": item.headline,
                "pubstatus": item.pubstatus,
                "received_at": item.received_at.isoformat(),
            },
            *item.history,
        ][:HISTORY_MAX]
        _fill(item, entry, now, version=version)
        item.save()
    elif withdraws:
        item.pubstatus = entry.pubstatus
        item.received_at = now
        item.save(update_fields=["pubstatus", "received_at"])
    else:
        return UNCHANGED
    if withdraws and item.story_id:
        AuditEntry.record(
            WIRE_WITHDRAWN,
            story=item.story,
            actor_name=f"wire: {item.provider.name}"[:150],
            message=(
                f"{item.provider.name} withdrew the wire item this story was drafted from "
                f"(“{item.headline}”, version {item.version}). Check the story; take it down "
                "if it ran."
            ),
            at=now,
        )
    return WITHDRAWN if withdraws else UPDATED
