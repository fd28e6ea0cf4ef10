"""Fetching a feed, bounded: what an agency's server (or anyone who controls its address)
can make us do is read at most ``MAX_BYTES`` for at most ``TIMEOUT`` seconds, from a
public internet address.

- http and https only, no more than ``MAX_REDIRECTS`` redirects, each checked again.
- Every address the name resolves to must be public (not private, loopback,
  link-local, reserved or multicast): a feed that points at, or redirects to, the
  cloud metadata service or a database on the private network is refused. The
  connection then goes to the address that was checked, never to a second lookup
  (which a hostile name server could answer differently).
- The whole fetch, headers and body, must finish within the timeout: a server that
  answers one byte at a time is cut off by a watchdog, not just by a per-read timeout.
- A body larger than the cap is refused by its Content-Length, or while it streams.
  We ask for no compression, so what is counted is what is parsed.

The address rules and the pinned connections are :mod:`articles.outbound`'s; the
limits, the redirects, loopback for tests (``WIRES["ALLOW_LOOPBACK"]``) and the words
are the wires' own.
"""

import http.client
import threading
import time
from dataclasses import dataclass
from urllib.parse import urljoin

from django.conf import settings

from articles import outbound
from wires.models import wire_setting

MAX_REDIRECTS = 3
_CHUNK = 64 * 1024
_REDIRECTS = {301, 302, 303, 307, 308}


class FetchError(Exception):
    """A feed that could not be read; the message is one plain line for the desk."""


@dataclass
class Fetched:
    body: bytes
    content_type: str
    url: str  # after redirects


_NOT_HTTP = "The feed's address (or a redirect) is not an http:// or https:// address."
_URL_PROBLEMS = {
    outbound.Problem.MALFORMED: "The feed's address (or a redirect) is not a valid web address.",
    outbound.Problem.SCHEME: _NOT_HTTP,
    outbound.Problem.NO_HOST: _NOT_HTTP,
    outbound.Problem.CREDENTIALS: "The feed's address (or a redirect) carries a user name or "
    "password.",
    outbound.Problem.PORT: "The feed's address has an invalid port.",
}


def _checked(url: str, allow_loopback: bool) -> tuple[outbound.Target, str]:
    """Where ``url`` goes and the one checked address to connect to; FetchError unless
    the URL is fit and every address its host has is public."""
    try:
        target = outbound.target(url)
    except outbound.BadURL as bad:
        raise FetchError(_URL_PROBLEMS[bad.problem]) from None
    allowed = outbound.LOOPBACK if allow_loopback else ()
    try:
        return target, outbound.resolve(target.host, target.port, allowed)
    except outbound.HostNotFound as error:
        raise FetchError(
            f"The feed's server name “{error.host}” could not be found ({error.reason})."
        ) from None
    except outbound.NotPublic as error:
        raise FetchError(
            f"The feed's address leads to a private or local network address "
            f"({error.addresses[0]}). Wire feeds must be on the public internet."
        ) from None


def _user_agent() -> str:
    base = getattr(settings, "NEWSROOM", {}).get("BASE_URL", "")
    return f"Newsroom wire ingest (+{base})" if base else "Newsroom wire ingest"


def fetch(url: str, *, accept: str = "*/*") -> Fetched:
    """GET ``url`` within the limits above; raise :class:`FetchError` otherwise."""
    timeout = float(wire_setting("TIMEOUT"))
    max_bytes = int(wire_setting("MAX_BYTES"))
    allow_loopback = bool(wire_setting("ALLOW_LOOPBACK"))
    deadline = time.monotonic() + timeout
    for _hop in range(MAX_REDIRECTS + 1):
        status, location, fetched = _get_once(
            url, accept, deadline, timeout, max_bytes, allow_loopback
        )
        if status not in _REDIRECTS:
            return fetched
        if not location:
            raise FetchError(f"The feed answered HTTP {status} without saying where to go.")
        url = urljoin(url, location)
    raise FetchError(f"The feed redirected more than {MAX_REDIRECTS} times.")


def _get_once(url, accept, deadline, timeout, max_bytes, allow_loopback):
    target, address = _checked(url, allow_loopback)
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise FetchError(f"The feed took longer than {timeout:g} seconds to answer.")
    connection = outbound.pinned(target, address, timeout=remaining)
    # The per-read timeout alone lets a server trickle a byte every few seconds for ever:
    # the watchdog closes the connection when the whole fetch is out of time.
    timed_out = threading.Event()

    def cut_off():
        timed_out.set()
        connection.abort()

    watchdog = threading.Timer(remaining, cut_off)
    watchdog.daemon = True
    watchdog.start()
    try:
        connection.connect()
        if timed_out.is_set():
            raise TimeoutError
        connection.request(
            "GET",
            target.path,
            headers={
                "Accept": accept,
                "Accept-Encoding": "identity",
                "User-Agent": _user_agent(),
            },
        )
        response = connection.getresponse()
        if response.status in _REDIRECTS:
            return response.status, response.getheader("Location"), None
        if response.status != 200:
            raise FetchError(f"The feed answered HTTP {response.status} {response.reason}.")
        encoding = (response.getheader("Content-Encoding") or "identity").strip().lower()
        if encoding != "identity":
            raise FetchError(
                f"The feed sent compressed data ({encoding}) although none was asked for."
            )
        declared = response.getheader("Content-Length")
        if declared and declared.strip().isdigit() and int(declared) > max_bytes:
            raise FetchError(
                f"The feed is {int(declared):,} bytes, more than the {max_bytes:,} we read; "
                "nothing was read."
            )
        body = _read_capped(response, max_bytes, deadline, timeout)
        if timed_out.is_set():  # the cut-off can look like the end of the body
            raise TimeoutError
        return 200, None, Fetched(body, response.getheader("Content-Type") or "", url)
    except FetchError:
        raise
    except (OSError, http.client.HTTPException) as error:
        if timed_out.is_set() or isinstance(error, TimeoutError):
            raise FetchError(
                f"The feed took longer than {timeout:g} seconds to answer; nothing was stored."
            ) from None
        raise FetchError(
            f"The feed could not be read: {error.__class__.__name__}: {error}"
        ) from None
    finally:
        watchdog.cancel()
        connection.close()


def _read_capped(response, max_bytes: int, deadline: float, timeout: float) -> bytes:
    chunks, size = [], 0
    while True:
        chunk = response.read(_CHUNK)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(
                f"The feed sent more than the {max_bytes:,} bytes we read; it was not used."
            )
        if time.monotonic() > deadline:
            raise FetchError(
                f"The feed took longer than {timeout:g} seconds to answer; nothing was stored."
            )
        chunks.append(chunk)
