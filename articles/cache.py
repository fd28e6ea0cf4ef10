"""Caching for the reading site: a Redis cache that survives Redis outages, and a
full-page cache for anonymous readers that every app server invalidates at once.

Invalidation is by generation: each cached page's key carries the current
"publication generation", a number kept in the shared cache. Publishing,
unpublishing, a correction or a change to an author, section, tag or label bumps
it (after the transaction commits), so the very next request on every app server
misses and renders fresh. No pattern scans, no short timeouts.
"""

import functools
import hashlib
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache
from django.db import transaction
from django.utils.cache import patch_cache_control
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

GENERATION_KEY = "pages:generation"


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


def page_cache_seconds() -> int:
    return int(settings.NEWSROOM.get("PAGE_CACHE_SECONDS", 0))


def generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        value = time.time_ns()
        cache.add(GENERATION_KEY, value, None)
    return value


def invalidate_pages() -> None:
    """Make every cached page stale on every app server, once the transaction commits."""
    transaction.on_commit(_bump)


def _bump() -> None:
    cache.set(GENERATION_KEY, time.time_ns(), None)
    hook = settings.NEWSROOM.get("PURGE_HOOK")
    if hook:
        try:
            import_string(hook)()
        except Exception:
            logger.exception("The CDN purge hook %s failed", hook)


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

    Placed before the session middleware so a hit costs no database query at all.
    Responses that set a cookie, vary, or say private/no-store are never stored.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        seconds = page_cache_seconds()
        if not seconds or not _cacheable_request(request):
            return self.get_response(request)
        digest = hashlib.sha256(request.get_full_path().encode()).hexdigest()
        key, cached = _lookup(f"{request.method}:{digest}")
        if cached is not None:
            cached["X-Cache"] = "hit"
            return cached
        response = self.get_response(request)
        if _cacheable_response(response):
            if not response.has_header("Cache-Control"):
                # Browsers revalidate every time (cheap: ETag → 304); a CDN may keep a
                # page briefly and is purged through NEWSROOM["PURGE_HOOK"].
                patch_cache_control(response, public=True, max_age=0, s_maxage=60)
            if hasattr(response, "render") and callable(response.render):
                response.render()
            cache.set(key, response, seconds)
            response["X-Cache"] = "miss"
        return response


#: The generation this process saw last: almost always still the current one.
_seen_generation = None


def _lookup(page: str):
    """The key of ``page`` under the current generation, and what is stored there.

    One round trip to Redis on a hit: the generation and the page stored under the
    generation seen last are read together. Only when the generation has moved (a
    publication since) is the page read again, under the new one. Invalidation stays
    exact: the generation is read on every request.
    """
    global _seen_generation
    guess = _seen_generation
    if guess is not None:
        key = f"page:{guess}:{page}"
        found = cache.get_many([GENERATION_KEY, key])
        if found.get(GENERATION_KEY) == guess:
            return key, found.get(key)
    current = generation()
    _seen_generation = current
    key = f"page:{current}:{page}"
    return key, cache.get(key)
