"""Caching for the reading site: a Redis cache that survives Redis outages, and a
full-page cache for anonymous readers that no takedown outlives.

Invalidation is by *publication generation*: every cached page's key carries it, so a
new generation makes every cached page stale on every app server at once, with no
pattern scans. The generation is the id of the newest :class:`Invalidation`, a row
written in the same transaction as the change (publishing, unpublishing, a
correction, a change to an author, section, tag or label): the database is its
source of truth, and Redis holds a copy.

- After the commit the app server copies the new generation to Redis (``deliver``),
  so the very next request on every app server misses.
- If Redis cannot be reached then (down, or partitioned while it still holds the
  old pages), a job retries the copy until Redis acknowledges it.
- Whatever happened to Redis, every app server also reads the newest generation
  from the database at least every ``POLL_SECONDS`` and keys pages by the newer of
  the two. So a page the database knows is stale is never served more than
  ``POLL_SECONDS`` after the change, even when Redis comes back holding old pages.
"""

import functools
import hashlib
import logging
import time
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection, transaction
from django.db.models import Max
from django.tasks import task
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.module_loading import import_string

from articles.models import Invalidation

logger = logging.getLogger(__name__)

#: The copy of the generation in the shared cache. ("v2": generations were times once.)
GENERATION_KEY = "pages:generation:v2"
#: How stale an app server's view of the database's generation may be.
POLL_SECONDS = 5
#: Retries of a delivery that failed: 1 s, 2 s, 4 s… at most a minute apart.
RETRY_CAP_SECONDS = 60
#: The PostgreSQL advisory lock that orders generations ("NEWSROOM" in ASCII).
_ORDER_LOCK = 0x4E45575352_4F4F4D

_last_warning = 0.0


def _degrading(name, fallback=None):
    """Wrap a cache method so that a Redis error returns ``fallback`` (or calls it)."""

    def decorator(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            global _last_warning
            try:
                return method(self, *args, **kwargs)
            except Exception as error:  # redis-py raises several unrelated classes
                now = time.monotonic()
                if now - _last_warning > 60:
                    _last_warning = now
                    logger.warning("Cache unavailable (%s: %s); serving uncached.", name, error)
                return fallback(*args, **kwargs) if callable(fallback) else fallback

        return wrapper

    return decorator


class ResilientRedisCache(RedisCache):
    """Django's RedisCache, except that a Redis outage degrades to "not cached".

    Reads return the default, writes are dropped; failures are logged at most once a
    minute per process, to keep logs readable during an outage.
    """

    get = _degrading("get", lambda key, default=None, version=None: default)(RedisCache.get)
    get_many = _degrading("get_many", {})(RedisCache.get_many)
    has_key = _degrading("has_key", False)(RedisCache.has_key)
    add = _degrading("add", False)(RedisCache.add)
    set = _degrading("set")(RedisCache.set)
    set_many = _degrading("set_many", lambda data, *a, **k: list(data))(RedisCache.set_many)
    touch = _degrading("touch", False)(RedisCache.touch)
    delete = _degrading("delete", False)(RedisCache.delete)
    delete_many = _degrading("delete_many")(RedisCache.delete_many)
    incr = _degrading("incr", 0)(RedisCache.incr)
    clear = _degrading("clear")(RedisCache.clear)

    def raise_generation(self, value: int) -> None:
        """Set the generation to ``value`` unless it is higher already, in one atomic
        step; raises when Redis does not answer (unlike the methods above)."""
        key = self.make_and_validate_key(GENERATION_KEY)
        self._cache.get_client(key, write=True).eval(_RAISE, 1, key, value)


# Generations arrive out of order from several app servers and the retry job: only
# ever move the copy forward. Django stores integers in Redis as plain numbers.
_RAISE = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if current < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) end
return 0
"""


def page_cache_seconds() -> int:
    return int(settings.NEWSROOM.get("PAGE_CACHE_SECONDS", 0))


# --- the generation ---------------------------------------------------------------


def invalidate_pages(reason: str = "") -> None:
    """Make every cached page stale on every app server once the current transaction
    commits (at once if Redis answers, within ``POLL_SECONDS`` whatever happens)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Generations must be committed in the order they are numbered: a page
            # rendered after generation 6 committed but before 5 did would otherwise
            # carry 6 and stay cached without 5's change. The lock is held until the
            # enclosing transaction ends, so concurrent changes queue here.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ORDER_LOCK])
        change = Invalidation.objects.create(reason=reason[:120])
        # The retry job is queued in the same transaction, so it exists exactly when the
        # change does; the commit hook below usually makes it a no-op.
        deliver_invalidation.using(run_after=timezone.now() + timedelta(seconds=1)).enqueue(
            change.pk
        )
    transaction.on_commit(lambda: deliver(change.pk), robust=True)


def deliver(generation: int) -> bool:
    """Copy ``generation`` to the shared cache and run the CDN purge hook; mark what
    they acknowledged as delivered. False when either failed (the job retries)."""
    try:
        shared = caches["default"]
        if isinstance(shared, ResilientRedisCache):
            shared.raise_generation(generation)
        elif (cache.get(GENERATION_KEY) or 0) < generation:
            cache.set(GENERATION_KEY, generation, None)
        hook = settings.NEWSROOM.get("PURGE_HOOK")
        if hook:
            import_string(hook)()
    except Exception as error:  # a Redis client or a CDN hook may raise anything
        logger.warning("Invalidation %s not delivered yet (%s); retrying.", generation, error)
        return False
    Invalidation.objects.filter(pk__lte=generation, delivered_at__isnull=True).update(
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
    if deliver(generation):
        return True
    Invalidation.objects.filter(pk=generation).update(attempts=change.attempts + 1)
    wait = min(2**change.attempts, RETRY_CAP_SECONDS)
    deliver_invalidation.using(run_after=timezone.now() + timedelta(seconds=wait)).enqueue(
        generation
    )
    return False


_polled = (0, float("-inf"))  # (the database's generation, when this process read it)


def database_generation() -> int:
    """The newest generation the database knows, read at most every ``POLL_SECONDS``."""
    global _polled
    generation, read_at = _polled
    now = time.monotonic()
    if now - read_at >= POLL_SECONDS:
        generation = Invalidation.objects.aggregate(newest=Max("pk"))["newest"] or 0
        _polled = (generation, now)
    return generation


def forget_generation() -> None:
    """Make the next request read the database's generation (for tests)."""
    global _polled, _seen_generation
    _polled = (0, float("-inf"))
    _seen_generation = None


# --- the page cache ------------------------------------------------------------------

_NEVER_CACHED = ("/admin/", "/p/", "/preview/", "/healthz", "/static/", "/media/")


def _cacheable_request(request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and not request.path.startswith(_NEVER_CACHED)
        # Anyone with a session (staff) or a CSRF cookie gets pages rendered for them.
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and settings.CSRF_COOKIE_NAME not in request.COOKIES
    )


def _cacheable_response(response) -> bool:
    cache_control = response.get("Cache-Control", "")
    return (
        response.status_code in (200, 301, 404)
        and not response.streaming
        and not response.cookies
        and "private" not in cache_control
        and "no-store" not in cache_control
    )


class PublicPageCacheMiddleware:
    """Serve anonymous readers' GETs from the shared cache; staff always get fresh pages.

    Placed before the session middleware so a hit costs no database query at all
    (but the generation's read every ``POLL_SECONDS``). The Host header is checked
    before the cache is consulted, so a forged host gets the 400 it would get
    uncached. Responses that set a cookie, vary, or say private/no-store are never
    stored.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        seconds = page_cache_seconds()
        if not seconds or not _cacheable_request(request):
            return self.get_response(request)
        host = request.get_host()  # DisallowedHost (a 400) before anything is served
        page = f"{request.method}:{host}:{request.get_full_path()}"
        key, cached = _lookup(hashlib.sha256(page.encode()).hexdigest())
        if cached is not None:
            cached["X-Cache"] = "hit"
            return cached
        response = self.get_response(request)
        # A page that used a CSP nonce is right for one reader only: never share it.
        if _cacheable_response(response) and not getattr(request, "_csp_nonce", None):
            if not response.has_header("Cache-Control"):
                # Browsers revalidate every time (cheap: ETag → 304); a CDN may keep a
                # page briefly and is purged through NEWSROOM["PURGE_HOOK"].
                patch_cache_control(response, public=True, max_age=0, s_maxage=60)
            if hasattr(response, "render") and callable(response.render):
                response.render()
            cache.set(key, response, seconds)
            response["X-Cache"] = "miss"
        return response


#: The generation this process keyed pages by last: almost always still the current one.
_seen_generation = None


def _lookup(page: str):
    """The key of ``page`` under the current generation, and what is stored there.

    One round trip to Redis on a hit: the generation and the page stored under the
    generation seen last are read together. The current generation is the newer of
    Redis's copy and the database's (read every ``POLL_SECONDS``); only when it moved
    is the page read again, under the new one.
    """
    global _seen_generation
    known = database_generation()
    guess = _seen_generation
    if guess is not None and guess >= known:
        key = f"page:{guess}:{page}"
        found = cache.get_many([GENERATION_KEY, key])
        if max(found.get(GENERATION_KEY) or 0, known) == guess:
            return key, found.get(key)
        shared = found.get(GENERATION_KEY) or 0
    else:
        shared = cache.get(GENERATION_KEY) or 0
    current = max(shared, known)
    _seen_generation = current
    key = f"page:{current}:{page}"
    return key, cache.get(key)
