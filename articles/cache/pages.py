"""The page cache: whole pages for anonymous readers, each kept with the tags it shows.

A page is stored with the generation it was rendered under (the newest change known
when the request began) and its tags. It is served while no tag it shows was
invalidated by a later generation: in Redis the check and the read are one round trip
(``ResilientRedisCache.fetch_page``), and this process's view of the database
(``outbox.VIEW``) is checked too, so a takedown Redis missed still wins within
``POLL_SECONDS``. A hit builds the response from stored bytes and headers (no
unpickling) with the ETag computed when it was stored.

The middleware is the first of the stack: a hit skips every other one. What those add
to a page (the security headers, the ETag) is stored with it, because the page passed
through them on its way out when it was rendered; a change to the settings behind
those headers changes every page's key (:func:`_headers_version`), so no page outlives
the headers it was stored with.
"""

import hashlib
import json

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import DisallowedHost
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control

from articles.purge import surrogate_key_header

from .outbox import EVERYTHING, LATEST, TAG_PREFIX, VIEW
from .redis import ResilientRedisCache
from .tags import ROUTES

#: The key prefix of stored pages ("v4": pages were pickled responses once, then kept
#: their generation and tags inside the JSON metadata only).
PAGE_PREFIX = "page:v4:"
_NEVER_CACHED = ("/admin/", "/p/", "/preview/", "/healthz", "/static/", "/media/")
#: Headers a stored page keeps: the rest are per request (or added on the way out).
_NOT_KEPT = {"set-cookie", "x-cache", "vary-cookie"}


#: The settings behind the headers the middleware below this one adds to every page.
_HEADER_SETTINGS = (
    "SECURE_CSP",
    "SECURE_CSP_REPORT_ONLY",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "SECURE_SSL_REDIRECT",
    "X_FRAME_OPTIONS",
    "MIDDLEWARE",
)
_headers_version_value = None


def _headers_version() -> str:
    """A digest of the settings that shape a page's headers on its way out."""
    global _headers_version_value
    if _headers_version_value is None:
        values = repr([getattr(settings, name, None) for name in _HEADER_SETTINGS])
        _headers_version_value = hashlib.sha256(values.encode()).hexdigest()[:12]
    return _headers_version_value


@receiver(setting_changed)
def _forget_headers_version(setting, **kwargs) -> None:
    global _headers_version_value
    if setting in _HEADER_SETTINGS:
        _headers_version_value = None


def page_cache_seconds() -> int:
    return int(settings.NEWSROOM.get("PAGE_CACHE_SECONDS", 0))


def _cacheable_request(request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and not request.path.startswith(_NEVER_CACHED)
        # Anyone with a session (staff) or a CSRF cookie gets pages rendered for them.
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and settings.CSRF_COOKIE_NAME not in request.COOKIES
        # A partner's key is checked (and counted) by the API on every request.
        and "HTTP_AUTHORIZATION" not in request.META
    )


def _cacheable_response(request, response) -> bool:
    cache_control = response.get("Cache-Control", "")
    return (
        response.status_code in (200, 301, 404, 410)
        and not response.streaming
        and not response.cookies
        and "private" not in cache_control
        and "no-store" not in cache_control
        # A page that used a CSP nonce is right for one reader only: never share it.
        and not getattr(request, "_csp_nonce", None)
    )


def tags_of(request, response) -> list[str]:
    """What ``response`` shows: as its view said, or its route (``tags.ROUTES``). A page
    neither names is taken to show anything: every change makes it stale (it carries
    the tag every change raises)."""
    shown = getattr(response, "cache_tags", None)
    if not shown:
        match = getattr(request, "resolver_match", None)
        shown = ROUTES.get(match.url_name if match else None) or {LATEST}
    return sorted(shown)


def _generation(shared) -> int:
    """The generation a page rendered now is stored under: the newest change known to be
    committed (a lower bound: a page may be thrown away early, never kept too long)."""
    return max(VIEW.newest, shared.get(TAG_PREFIX + LATEST) or 0)


class PageStore:
    """Pages in the shared cache: one Redis round trip to serve one, when it is Redis."""

    def __init__(self):
        self.shared = caches["default"]
        self.redis = isinstance(self.shared, ResilientRedisCache)

    def fetch(self, name: str) -> tuple[dict, bytes] | None:
        if self.redis:
            try:
                found = self.shared.fetch_page(name, TAG_PREFIX)
            except Exception:  # Redis away: uncached, as every other cache read
                return None
            if found is None:
                return None
            meta, body = json.loads(found[0]), found[1]
        else:
            stored = self.shared.get(name)
            if stored is None:
                return None
            meta, body = stored
            versions = self.shared.get_many([TAG_PREFIX + t for t in [*meta["tags"], EVERYTHING]])
            if any(version > meta["generation"] for version in versions.values()):
                return None
        if VIEW.stale(meta["tags"], meta["generation"]):
            return None
        return meta, body

    def store(self, name: str, meta: dict, body: bytes, seconds: int) -> None:
        if self.redis:
            try:
                self.shared.store_page(
                    name,
                    json.dumps(meta).encode(),
                    body,
                    seconds,
                    generation=meta["generation"],
                    tags=meta["tags"],
                )
            except Exception:  # Redis away: the page is simply not kept
                return
        else:
            self.shared.set(name, (meta, body), seconds)


def _respond(meta: dict, body: bytes) -> HttpResponse:
    response = HttpResponse(body, status=meta["status"])
    for header, value in meta["headers"]:
        response[header] = value
    return response


def _mark(response, tags: list[str]) -> None:
    header = surrogate_key_header(tags)
    response["Surrogate-Key"] = header
    response["Cache-Tag"] = header.replace(" ", ",")


class PublicPageCacheMiddleware:
    """Serve anonymous readers' GETs from the shared cache; staff always get fresh pages.

    First of the stack, so a hit costs no database query (but the invalidations read
    every ``POLL_SECONDS``) and no other middleware. The Host header is checked before
    the cache is consulted, so a forged host gets the 400 it would get uncached. Responses
    that set a cookie, used a nonce, or say private/no-store are never stored. Every
    cacheable response says what it shows in ``Surrogate-Key`` and ``Cache-Tag``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        seconds = page_cache_seconds()
        cacheable = _cacheable_request(request)
        if not seconds or not cacheable:
            response = self.get_response(request)
            if cacheable and _cacheable_response(request, response):
                _mark(response, tags_of(request, response))
            return response
        try:
            host = request.get_host()
        except DisallowedHost:
            # The stack below answers it: a 400 with the security headers.
            return self.get_response(request)
        key = ":".join(
            (request.method, request.scheme, host, request.get_full_path(), _headers_version())
        )
        name = PAGE_PREFIX + hashlib.sha256(key.encode()).hexdigest()
        VIEW.refresh()
        store = PageStore()
        found = store.fetch(name)
        if found is not None:
            response = _respond(*found)
            if request.method == "GET" and response.has_header("ETag"):
                # What ConditionalGetMiddleware does for a page it sees: 304 when it matches.
                response = get_conditional_response(
                    request, etag=response["ETag"], response=response
                )
            response["X-Cache"] = "hit"
            return response
        generation = _generation(store.shared)
        response = self.get_response(request)
        if not _cacheable_response(request, response):
            return response
        if not response.has_header("Cache-Control"):
            # Browsers revalidate every time (cheap: ETag → 304); a CDN may keep a page
            # briefly and is purged by tag through NEWSROOM["PURGE_HOOK"].
            patch_cache_control(response, public=True, max_age=0, s_maxage=60)
        if hasattr(response, "render") and callable(response.render):
            response.render()
        tags = tags_of(request, response)
        _mark(response, tags)
        body = response.content
        if not response.has_header("ETag"):
            response["ETag"] = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
        headers = [(h, v) for h, v in response.items() if h.lower() not in _NOT_KEPT]
        meta = {
            "status": response.status_code,
            "headers": headers,
            "generation": generation,
            "tags": tags,
        }
        store.store(name, meta, body, seconds)
        response["X-Cache"] = "miss"
        return response
