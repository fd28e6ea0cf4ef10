"""What readers must see at once: invalidations, written with the change, delivered after.

A change readers must see (a publication, a takedown, a correction, a renamed author)
writes an :class:`~articles.models.Invalidation` row *in its own transaction*, naming
the tags it touches (``story-12``, ``section-world``, ``home``… or ``*``, everything).
Its id is a *generation*: ids are committed in order (``order_changes``), so every
change numbered below a committed one is committed too.

- After the commit the app server raises each tag's version in Redis to that
  generation (``deliver``) and runs the CDN purge hook with the tags: the next request
  on every app server sees those pages stale.
- If Redis or the hook cannot be reached then, a job retries until both take it.
- Whatever Redis went through, every app server also reads the new invalidations from
  the database at least every ``POLL_SECONDS`` (:class:`LocalView`): a page the
  database knows is stale is never served more than that long after the change.
"""

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.core.cache import caches
from django.db import connection, transaction
from django.tasks import task
from django.utils import timezone
from django.utils.module_loading import import_string

from articles.models import Invalidation, Rendering

from .redis import ResilientRedisCache

logger = logging.getLogger(__name__)

#: How stale an app server's view of the database's invalidations may be.
POLL_SECONDS = 5
#: Retries of a delivery that failed: 1 s, 2 s, 4 s… at most a minute apart.
RETRY_CAP_SECONDS = 60
#: The PostgreSQL advisory lock that orders generations ("NEWSROOM" in ASCII).
_ORDER_LOCK = 0x4E45575352_4F4F4D
#: Tags' versions live in the shared cache under this prefix.
TAG_PREFIX = "pages:tag:"
#: The newest generation delivered, a tag of its own (what a new page is rendered under).
LATEST = "latest"
GENERATION_KEY = TAG_PREFIX + LATEST
#: Everything: the tag of changes every page shows (the section menu, say).
EVERYTHING = "*"
#: The prefix of a story's tag (``story-12``).
STORY = "story-"


def order_changes() -> None:
    """Queue the current transaction behind every other change readers must see, until
    it ends (a PostgreSQL advisory lock; SQLite has one writer anyway).

    Generations must be committed in the order they are numbered: a page rendered after
    generation 6 committed but before 5 did would otherwise carry 6 and stay cached
    without 5's change. For the same reason a publication takes its time stamp after
    this (``workflow.transition``): partners polling the API by that time then never
    miss a story that committed after a later one.
    """
    if connection.vendor == "postgresql" and transaction.get_connection().in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ORDER_LOCK])


def invalidate_pages(reason: str = "", tags=(EVERYTHING,)) -> None:
    """Make the cached pages showing ``tags`` stale on every app server once the
    current transaction commits: at once if Redis answers, within ``POLL_SECONDS``
    whatever happens."""
    tags = sorted({str(tag) for tag in tags}) or [EVERYTHING]
    with transaction.atomic():
        order_changes()
        change = Invalidation.objects.create(
            reason=reason[:120], tags=tags, everything=EVERYTHING in tags
        )
        # Stored renderings follow the same tags, in the same transaction: the rows of
        # the stories named go (a change to everything outdates them all by generation).
        Rendering.objects.forget(
            int(name) for t in tags if (name := t.removeprefix(STORY)) != t and name.isdigit()
        )
        # The retry job is queued in the same transaction, so it exists exactly when the
        # change does; the commit hook below usually makes it a no-op.
        deliver_invalidation.using(run_after=timezone.now() + timedelta(seconds=1)).enqueue(
            change.pk
        )
    transaction.on_commit(lambda: deliver(change.pk, tags), robust=True)


def deliver(generation: int, tags: list[str]) -> bool:
    """Raise ``tags`` to ``generation`` in the shared cache and run the CDN purge hook;
    mark the invalidation delivered. False when either failed (the job retries)."""
    try:
        shared = caches["default"]
        if isinstance(shared, ResilientRedisCache):
            shared.raise_tags([*tags, LATEST], generation, TAG_PREFIX)
        else:
            for tag in [*tags, LATEST]:
                if (shared.get(TAG_PREFIX + tag) or 0) < generation:
                    shared.set(TAG_PREFIX + tag, generation, None)
        hook = settings.NEWSROOM.get("PURGE_HOOK")
        if hook:
            # Untagged pages carry LATEST (they may show anything): purge them too.
            import_string(hook)(tags if EVERYTHING in tags else [*tags, LATEST])
    except Exception as error:  # a Redis client or a CDN hook may raise anything
        logger.warning("Invalidation %s not delivered yet (%s); retrying.", generation, error)
        return False
    Invalidation.objects.filter(pk=generation, delivered_at__isnull=True).update(
        delivered_at=timezone.now()
    )
    return True


@task()
def deliver_invalidation(generation: int) -> bool:
    """Deliver an invalidation its commit hook could not, retrying until it succeeds.

    Django's tasks do not retry by themselves: a failed attempt queues the next one,
    1, 2, 4… seconds later, at most a minute apart.
    """
    change = Invalidation.objects.filter(pk=generation).first()
    if change is None or change.delivered_at is not None:
        return True
    if deliver(generation, change.tags or [EVERYTHING]):
        return True
    Invalidation.objects.filter(pk=generation).update(attempts=change.attempts + 1)
    wait = min(2**change.attempts, RETRY_CAP_SECONDS)
    deliver_invalidation.using(run_after=timezone.now() + timedelta(seconds=wait)).enqueue(
        generation
    )
    return False


class LocalView:
    """This process's view of the invalidations the database holds, at most
    ``POLL_SECONDS`` old: the newest generation, and each tag's newest."""

    def __init__(self):
        self.forget()

    def forget(self) -> None:
        self.newest = 0
        self.versions: dict[str, int] = {}
        self.read_at = float("-inf")
        self.started = False

    def refresh(self) -> None:
        now = time.monotonic()
        if now - self.read_at < POLL_SECONDS:
            return
        changes = Invalidation.objects.filter(pk__gt=self.newest)
        if not self.started:
            # A page is kept at most PAGE_CACHE_SECONDS: older changes cannot make a
            # kept page stale, so a new process reads only the recent ones.
            keep = int(settings.NEWSROOM.get("PAGE_CACHE_SECONDS", 0)) + 60
            changes = changes.filter(created_at__gte=timezone.now() - timedelta(seconds=keep))
            self.newest = (
                Invalidation.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            )
            self.started = True
        for pk, tags in changes.order_by("pk").values_list("pk", "tags"):
            for tag in tags or [EVERYTHING]:
                self.versions[tag] = max(self.versions.get(tag, 0), pk)
            self.newest = max(self.newest, pk)
        self.versions[LATEST] = self.newest
        self.read_at = now

    def stale(self, tags: list[str], generation: int) -> bool:
        """Whether a page rendered under ``generation`` showing ``tags`` is stale."""
        return any(self.versions.get(tag, 0) > generation for tag in [*tags, EVERYTHING])


VIEW = LocalView()


def database_generation() -> int:
    """The newest generation the database holds, read at most every ``POLL_SECONDS``."""
    VIEW.refresh()
    return VIEW.newest


def forget_generation() -> None:
    """Make the next request read the database's invalidations anew (for tests)."""
    VIEW.forget()
