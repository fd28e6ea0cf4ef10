"""Reader pages from a streaming replica; everything else, and whoever just wrote, from
the primary.

A database router sees queries, not requests, so :class:`ReplicaRoutingMiddleware`
tells it which requests may read the replica, in a context variable that
:class:`ReplicaRouter` reads. A request may when it is

- a GET or HEAD of a reader page (:data:`READER_PAGES`: home, story, section, tag,
  author, search and corrections pages, the feeds and the sitemaps), and
- from someone with no session (staff), no ``Authorization`` header and no
  :data:`WROTE_COOKIE`: the cookie set on the answer to any request that wrote (any
  POST, PUT, PATCH or DELETE, and any other request that asked the router for the
  primary to write, but a reader page: what it writes, a rendering kept for the next
  reader, is a cache), for ``READ_YOUR_WRITES_SECONDS``. A writer thus reads the primary, and
  since a response that sets a cookie is never cached (by the app's page cache, nor
  by Varnish, which passes requests that carry it), nobody else gets their pages.

Even then a request reads the replica only if the replica

- answers: an outage found by the check, or by a query failing mid-page, sends
  requests to the primary for ``OUTAGE_SECONDS`` (a page that failed is rendered
  again from the primary);
- lags less than ``REPLICA_MAX_LAG_SECONDS`` behind the primary, and is streaming
  from it; and
- has replayed the newest publication generation this app server knows
  (:mod:`articles.cache`). Otherwise a page rendered from it just after a publish or
  a takedown would be cached, by the app and by Varnish right after its purge,
  without the change: a takedown that comes back.

Inside a transaction, and once a request has written, every query goes to the
primary; so do the admin, the workflow, the worker and management commands (no
request: no routing at all). The checks cost one small query on the replica a
second per process, and one more when the generation moves.
"""

import contextlib
import logging
import math
import threading
import time
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import MiddlewareNotUsed
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections
from django.urls import Resolver404, resolve

from articles.cache import GENERATION_KEY, database_generation
from articles.models import Invalidation

logger = logging.getLogger(__name__)

#: The primary's alias, and the replica's (settings.DATABASES, from DATABASE_REPLICA_URL).
PRIMARY = DEFAULT_DB_ALIAS
REPLICA = "replica"
#: The pages readers read, by URL name; nothing else ever reads the replica.
READER_PAGES = frozenset(
    {
        "articles:home",
        "articles:story-detail",
        "articles:section-detail",
        "articles:tag-detail",
        "articles:author-detail",
        "articles:search",
        "articles:corrections",
        "feed",
        "section-feed",
        "author-feed",
        "sitemap",
        "sitemap-news",
        "sitemap-section",
    }
)
#: Set on the answer to a request that wrote: its client reads the primary for a while.
#: deploy/varnish/newsroom.vcl passes requests that carry it.
WROTE_COOKIE = "newsroom_wrote"
#: How often each process looks at the replica's lag and generation.
CHECK_SECONDS = 1.0
#: When a request needs a newer generation than the replica had at the last check, it
#: looks again, but not more often than this.
RECHECK_SECONDS = 0.05
#: Checks at which the replica was behind that are remembered (the oldest always is).
BACKLOG_CHECKS = 60
#: How long a replica that failed is left alone.
OUTAGE_SECONDS = 5.0
#: Hot standby's "canceling statement due to conflict with recovery": retried on the
#: primary, but no outage.
_RECOVERY_CONFLICT = "40001"

#: Whether the replica replays a primary, streams from it now, what it has received and
#: replayed (WAL positions in bytes), how old its last replayed commit is, and the
#: newest publication generation it holds.
_PROBE = f"""
SELECT pg_is_in_recovery(),
       EXISTS (SELECT FROM pg_stat_wal_receiver),
       pg_wal_lsn_diff(pg_last_wal_receive_lsn(), '0/0'),
       pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0'),
       extract(epoch FROM now() - pg_last_xact_replay_timestamp()),
       (SELECT max(id) FROM {Invalidation._meta.db_table})
"""


def max_lag_seconds() -> float:
    return float(settings.NEWSROOM.get("REPLICA_MAX_LAG_SECONDS", 5))


def read_your_writes_seconds() -> int:
    # Never shorter than the lag the replica may have: a writer must not read it
    # before it can hold the write.
    configured = int(settings.NEWSROOM.get("READ_YOUR_WRITES_SECONDS", 10))
    return max(configured, math.ceil(max_lag_seconds()))


def has_replica() -> bool:
    return REPLICA in connections.settings


# --- the request's route ---------------------------------------------------------------


@dataclass
class Route:
    """What one request may read from, and what it did."""

    #: It may read the replica (a reader page, from a reader).
    reader: bool = False
    #: The publication generation the replica must have replayed for it.
    generation: int = 0
    #: Where its reads went, decided at its first read; None before.
    database: str | None = None
    #: It wrote (the router was asked where to write).
    wrote: bool = False


_route: ContextVar[Route | None] = ContextVar("newsroom_db_route", default=None)


# --- the replica's health, per process -----------------------------------------------------


@dataclass
class _Health:
    checked_at: float = -math.inf
    lag: float | None = None
    generation: int = 0
    down_until: float = -math.inf
    down: bool = False
    #: (when, WAL position received then) for what the replica had received but not yet
    #: replayed at each check: how long it has been behind is the age of the oldest.
    backlog: list[tuple[float, int]] = field(default_factory=list)


_health = _Health()
_lock = threading.Lock()


def forget_replica_health() -> None:
    """Look at the replica afresh on the next request (for tests)."""
    global _health
    _health = _Health()


def _mark_down(now: float, error: BaseException) -> None:
    _health.down_until = now + OUTAGE_SECONDS
    _health.checked_at = -math.inf
    _health.backlog.clear()
    if not _health.down:
        logger.warning("Replica unavailable (%s); reading the primary.", error)
    _health.down = True
    # A broken connection is not reused; its replacement connects when next needed.
    with contextlib.suppress(Exception):
        connections[REPLICA].close()


def _lag(now: float, streaming: bool, received, replayed, since_commit) -> float | None:
    """How far behind the primary the replica is, in seconds; None when it cannot tell
    (it lost the primary).

    The age of its last replayed commit overstates the lag after a quiet spell (the
    primary committed nothing for a minute, then did: the replica is a moment behind,
    not a minute), so the lag is measured here instead: since when the replica has not
    replayed what it had received at one of this process's checks. It is at most one
    ``CHECK_SECONDS`` short, and never more than the age of its last replayed commit.
    """
    if not streaming:
        _health.backlog.clear()
        return None
    backlog = [(when, lsn) for when, lsn in _health.backlog if lsn > replayed]
    if received > replayed:
        backlog.append((now, received))
    # The oldest entry is the one that counts; a replica stuck for hours keeps few.
    _health.backlog = backlog[:1] + backlog[1:][-BACKLOG_CHECKS:]
    if not backlog:
        return 0.0
    lag = now - backlog[0][0]
    return lag if since_commit is None else min(lag, float(since_commit))


def _check(now: float) -> None:
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(_PROBE)
            recovering, streaming, received, replayed, since_commit, generation = cursor.fetchone()
    except Exception as error:  # an outage shows as any of the driver's errors
        _mark_down(now, error)
        return
    if _health.down:
        logger.warning("Replica answers again.")
    _health.down = False
    _health.checked_at = now
    if recovering:
        _health.lag = _lag(now, streaming, int(received or 0), int(replayed or 0), since_commit)
    else:  # a primary (or a test's mirror of one): nothing to lag behind
        _health.lag = 0.0
    _health.generation = generation or 0


def _clock() -> float:
    return time.monotonic()


def replica_usable(generation: int) -> bool:
    """Whether the replica answers, is close enough behind the primary, and holds
    ``generation``, as last checked (at most ``CHECK_SECONDS`` ago)."""
    now = _clock()
    with _lock:
        if now < _health.down_until:
            return False
        age = now - _health.checked_at
        if age >= CHECK_SECONDS or (generation > _health.generation and age >= RECHECK_SECONDS):
            _check(now)
            if now < _health.down_until:
                return False
        return (
            _health.lag is not None
            and _health.lag <= max_lag_seconds()
            and _health.generation >= generation
        )


# --- the router ----------------------------------------------------------------------------


class ReplicaRouter:
    """Reads of reader pages to the replica when it is fit; everything else to the
    primary. Without a replica configured it leaves every decision to Django."""

    def db_for_read(self, model, **hints):
        route = _route.get()
        if route is None or not has_replica():
            return None
        if not route.reader or route.wrote or connections[PRIMARY].in_atomic_block:
            return PRIMARY
        if route.database is None:
            route.database = REPLICA if replica_usable(route.generation) else PRIMARY
        return route.database

    def db_for_write(self, model, **hints):
        route = _route.get()
        if route is not None:
            route.wrote = True
        return PRIMARY if has_replica() else None

    def allow_relation(self, obj1, obj2, **hints):
        # The replica is a copy of the primary: rows from either may be related.
        if {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA, None}:
            return True
        return None

    def allow_migrate(self, db, app_label, **hints):
        # The replica replays the primary's migrations; it is never migrated itself.
        return False if db == REPLICA else None


# --- the middleware ------------------------------------------------------------------------


def _is_reader_request(request) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    if (
        settings.SESSION_COOKIE_NAME in request.COOKIES
        or WROTE_COOKIE in request.COOKIES
        or "HTTP_AUTHORIZATION" in request.META
    ):
        return False
    try:
        match = resolve(request.path_info, getattr(request, "urlconf", None))
    except Resolver404:
        return False
    return match.view_name in READER_PAGES


def _current_generation() -> int:
    """The newest publication generation this app server knows: Redis's copy (raised
    before any CDN purge is sent) or the database's (read every few seconds)."""
    return max(cache.get(GENERATION_KEY) or 0, database_generation())


class ReplicaRoutingMiddleware:
    """Mark the requests that may read the replica; give writers the cookie that sends
    them to the primary for a while; render a page again from the primary when the
    replica fails under it.

    Placed after ``articles.cache.PublicPageCacheMiddleware`` (a cached page costs
    nothing here) and after ``articles.middleware.DatabaseUnavailableMiddleware``
    (so that a replica's failure is seen here first, and the primary's reaches the
    branded 503). Not used at all without a replica.
    """

    def __init__(self, get_response):
        if not has_replica():
            raise MiddlewareNotUsed("no replica database configured")
        self.get_response = get_response

    def __call__(self, request):
        route = Route()
        if _is_reader_request(request):
            route.reader = True
            route.generation = _current_generation()
        token = _route.set(route)
        try:
            response = self.get_response(request)
        finally:
            _route.reset(token)
        # A reader page's own writes (articles.rendering keeps what it rendered) are a
        # cache filled on the way: nothing its reader must read back, and a cookie
        # would keep the page out of every cache.
        wrote = route.wrote and not route.reader
        if wrote or request.method not in ("GET", "HEAD", "OPTIONS", "TRACE"):
            response.set_cookie(
                WROTE_COOKIE,
                "1",
                max_age=read_your_writes_seconds(),
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        if settings.NEWSROOM.get("DB_ROUTE_HEADER"):
            # Which database the page was read from (for operators and the stack test).
            response["X-Newsroom-Database"] = "replica" if route.database == REPLICA else "primary"
        return response

    def process_exception(self, request, exception):
        route = _route.get()
        if (
            route is None
            or route.database != REPLICA
            or not isinstance(exception, (OperationalError, InterfaceError))
        ):
            return None
        if getattr(exception.__cause__, "sqlstate", None) != _RECOVERY_CONFLICT:
            with _lock:
                _mark_down(_clock(), exception)
        # A reader page only reads: rendering it again from the primary is safe.
        route.database = PRIMARY
        match = request.resolver_match
        try:
            return match.func(request, *match.args, **match.kwargs)
        except (OperationalError, InterfaceError):
            return None  # the primary is away too: the branded 503 for the first error
