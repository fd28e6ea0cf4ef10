"""Purging Varnish by surrogate key: the hook ``articles.cache`` calls after each
invalidation commits (``NEWSROOM["PURGE_HOOK"] = "articles.purge.purge"``).

Each Varnish in ``NEWSROOM["VARNISH_URLS"]`` gets one ``PURGE`` request (or a few, for
many keys) whose ``xkey`` header names the keys; deploy/varnish/newsroom.vcl drops
every object indexed under any of them, and answers 200 to the addresses its
``purgers`` ACL lists. Anything else, from any Varnish, raises :class:`PurgeFailed`,
and the invalidation outbox retries the whole purge until every Varnish took it
(purging twice is harmless).

Keys are the app's surrogate keys: ``story-12``, ``section-world``, ``author-<slug>``,
``tag-<slug>``, ``home``, ``feed``, ``sitemap``. No keys, or ``*``, purge the whole
site: every object also carries the key :data:`WHOLE_SITE`. A key is written into
headers with :func:`header_key`, the same way in the ``Surrogate-Key`` header of the
app's responses (:func:`surrogate_key_header`) and in the purge: a slug may hold
letters no HTTP header can (Persian, say).
"""

import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable

from django.conf import settings

#: The key every cached object carries (added by the VCL): purging it empties the cache.
WHOLE_SITE = "all"
#: Keys per PURGE request, well under Varnish's 8 KB header limit.
KEYS_PER_REQUEST = 100
#: Seconds one Varnish has to answer.
TIMEOUT_SECONDS = 3


class PurgeFailed(Exception):
    """A Varnish did not take a purge: the outbox tries again later."""


def header_key(tag: str) -> str:
    """``tag`` as written in ``Surrogate-Key`` and ``xkey`` headers: ASCII, no spaces
    or commas (the separators), anything else percent-encoded."""
    return urllib.parse.quote(tag.strip(), safe="-_.~:/@+=")


def surrogate_key_header(tags: Iterable[str]) -> str:
    """The value of a response's ``Surrogate-Key`` header for ``tags``."""
    return " ".join(dict.fromkeys(header_key(tag) for tag in tags if tag.strip()))


def keys_to_purge(tags: Iterable[str] | None) -> list[str]:
    """The xkey keys for ``tags``: the whole site's for none or ``*``."""
    tags = [tag.strip() for tag in tags or () if tag.strip()]
    if not tags or "*" in tags:
        return [WHOLE_SITE]
    return list(dict.fromkeys(header_key(tag) for tag in tags))


# No proxy from the environment and no redirects: a purge goes to the Varnish named.
class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)


def _send(varnish: str, keys: list[str], timeout: float) -> str | None:
    """Purge ``keys`` from one Varnish; what went wrong, or None."""
    request = urllib.request.Request(
        varnish.rstrip("/") + "/", method="PURGE", headers={"xkey": " ".join(keys)}
    )
    try:
        with _opener.open(request, timeout=timeout) as answer:
            answer.read()
            status = answer.status
    except urllib.error.HTTPError as error:
        status = error.code
    except (OSError, ValueError) as error:  # refused, timed out, a bad URL
        return f"{varnish}: {error}"
    return None if status == 200 else f"{varnish} answered {status}"


def purge(tags: list[str] | None = None) -> None:
    """Purge the objects indexed under ``tags`` from every Varnish; raise
    :class:`PurgeFailed` unless all of them took it."""
    varnishes = settings.NEWSROOM.get("VARNISH_URLS") or []
    timeout = settings.NEWSROOM.get("PURGE_TIMEOUT_SECONDS", TIMEOUT_SECONDS)
    keys = keys_to_purge(tags)
    failures = []
    for varnish in varnishes:
        for start in range(0, len(keys), KEYS_PER_REQUEST):
            failure = _send(varnish, keys[start : start + KEYS_PER_REQUEST], timeout)
            if failure:
                failures.append(failure)
                break
    if failures:
        raise PurgeFailed("; ".join(failures))
