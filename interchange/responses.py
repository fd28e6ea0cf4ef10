"""How the API answers: JSON with a strong ETag, problem details (RFC 9457) for
errors, read-only methods, and partner keys with their rate limits.

Anonymous answers are public and cacheable by a CDN; clients revalidate with
``If-None-Match`` and get a 304. Answers to a request with a key are private: the
key's limit counts them, so a shared cache must not answer for it.
"""

import functools
import hashlib
import json
import time
from datetime import datetime
from http import HTTPStatus

from django.core.cache import cache
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date

from interchange.conf import setting
from interchange.models import ApiKey

SAFE_METHODS = ("GET", "HEAD")


def _headers(request, response: HttpResponse, *, cacheable: bool) -> HttpResponse:
    if getattr(request, "api_key", None) is not None:
        response["Cache-Control"] = "private, max-age=0"
    elif cacheable:
        seconds = int(setting("API_CACHE_SECONDS"))
        response["Cache-Control"] = f"public, max-age=0, s-maxage={seconds}"
    else:
        response["Cache-Control"] = "no-store"
    patch_vary_headers(response, ["Authorization"])
    # Public, read-only data: any web page may read it.
    response["Access-Control-Allow-Origin"] = "*"
    return response


def problem(request, status: int, detail: str, *, headers=None) -> HttpResponse:
    """An RFC 9457 problem: ``title`` is the status phrase, ``detail`` says what to do."""
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.get_full_path(),
    }
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False),
        status=status,
        content_type="application/problem+json",
    )
    for name, value in (headers or {}).items():
        response[name] = value
    # A missing story is cached like a found one; refusals of a client are not.
    return _headers(request, response, cacheable=status == 404)


def json_response(
    request, data, *, etag_prefix: str = "", last_modified: datetime | None = None
) -> HttpResponse:
    """``data`` as JSON with a strong ETag (its bytes) and Last-Modified; 304 when the
    client's copy is current."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    etag = f'"{etag_prefix}{hashlib.sha256(body).hexdigest()[:32]}"'
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["ETag"] = etag
    stamp = None
    if last_modified is not None:
        stamp = int(last_modified.timestamp())
        response["Last-Modified"] = http_date(stamp)
    _headers(request, response, cacheable=True)
    return get_conditional_response(request, etag=etag, last_modified=stamp, response=response)


def _throttled(key: ApiKey) -> int | None:
    """Count a request against ``key``'s minute; the seconds to wait if it is over."""
    limit = key.rate_per_minute or int(setting("API_KEY_RATE_PER_MINUTE"))
    now = time.time()
    counter = f"api-rate:{key.pk}:{int(now // 60)}"
    cache.add(counter, 0, 120)
    try:
        count = cache.incr(counter)
    except ValueError:  # evicted between add and incr: count this one afresh
        cache.set(counter, 1, 120)
        count = 1
    if count == 1:
        # Once a minute at most: "last used" needs no write per request.
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    if count > limit:
        return max(1, 60 - int(now % 60))
    return None


def api_view(view):
    """GET and HEAD only; an optional ``Authorization: Bearer <key>``, checked and
    counted; problems as JSON."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        request.api_key = None
        if request.method not in SAFE_METHODS:
            return problem(
                request,
                405,
                "This API is read-only: use GET.",
                headers={"Allow": ", ".join(SAFE_METHODS)},
            )
        authorization = request.headers.get("Authorization")
        if authorization is not None:
            scheme, _, token = authorization.partition(" ")
            key = ApiKey.find(token.strip()) if scheme.lower() == "bearer" else None
            if key is None or key.revoked_at is not None:
                return problem(
                    request,
                    401,
                    "This API key is unknown or revoked. Send none to read anonymously.",
                    headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
                )
            request.api_key = key
            wait = _throttled(key)
            if wait is not None:
                return problem(
                    request,
                    429,
                    "This key made too many requests this minute.",
                    headers={"Retry-After": str(wait)},
                )
        return view(request, *args, **kwargs)

    return wrapper
