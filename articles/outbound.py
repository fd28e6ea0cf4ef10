"""Requests to addresses an administrator typed in, made safe against server-side
request forgery: nothing here lets such an address reach the newsroom's own network.

The rules, written once for every app that sends or fetches (webhooks, wire feeds):

- an address is allowed when it is public (``is_global``, not multicast; an IPv4
  address written as IPv6, ``::ffff:10.0.0.1``, is judged as the IPv4 address it is),
  or inside one of the networks the caller allows (:data:`LOOPBACK` for tests);
- a host is allowed when *every* address it resolves to is: one private answer among
  public ones refuses it, since the connection might use that one;
- the connection then goes to the address that was checked, never to a second lookup
  that a hostile name server could answer differently, while TLS still checks the
  certificate against the host name;
- a URL is http or https, names a host, and carries no user name or password.

What each app allows, whether it follows redirects, how long and how much it reads,
and how it words a refusal stay in the app: the exceptions here carry facts, not
sentences.
"""

import contextlib
import enum
import http.client
import ipaddress
import socket
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

#: This machine: allowed only where a caller says so (a test server, a local receiver).
LOOPBACK: tuple[Network, ...] = (
    ipaddress.ip_network("127.0.0.0/8"),
    ipaddress.ip_network("::1/128"),
)


# --- addresses ----------------------------------------------------------------------------------


def is_allowed(address: Address, allowed: Iterable[Network] = ()) -> bool:
    """Whether a connection may go to ``address``: a public one, or one in ``allowed``."""
    # ::ffff:10.0.0.1 is 10.0.0.1 to the network stack.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if any(address in network for network in allowed):
        return True
    # is_global is False for private, loopback, link-local (169.254.169.254, the cloud
    # metadata service), shared (100.64/10), reserved and unspecified addresses.
    return address.is_global and not address.is_multicast


class Unreachable(Exception):
    """A host we will not connect to; the subclass and its attributes say why."""

    def __init__(self, host: str):
        super().__init__(host)
        self.host = host


class HostNotFound(Unreachable):
    """The name has no address; ``reason`` is what the resolver said."""

    def __init__(self, host: str, reason: str):
        super().__init__(host)
        self.reason = reason


class NotPublic(Unreachable):
    """Some address of the host is not allowed; ``addresses`` lists those, in order."""

    def __init__(self, host: str, addresses: list[str]):
        super().__init__(host)
        self.addresses = addresses


def resolve(host: str, port: int, allowed: Iterable[Network] = ()) -> str:
    """The address to connect to for ``host``, every address it resolves to checked
    with :func:`is_allowed`; :class:`HostNotFound` or :class:`NotPublic` otherwise."""
    allowed = tuple(allowed)
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise HostNotFound(host, str(error)) from None
    # As the resolver gives them (an IPv6 link-local one with its %scope), to connect to.
    addresses = [info[4][0] for info in found]
    if not addresses:
        raise HostNotFound(host, "no address")
    refused = [a for a in addresses if not is_allowed(ipaddress.ip_address(a), allowed)]
    if refused:
        raise NotPublic(host, refused)
    return addresses[0]


# --- URLs ------------------------------------------------------------------------------------------


class Problem(enum.StrEnum):
    """What is wrong with a URL, for the app to put in its own words."""

    MALFORMED = "malformed"
    SCHEME = "not http or https"
    NO_HOST = "no host"
    CREDENTIALS = "user name or password"
    PORT = "invalid port"


class BadURL(ValueError):
    def __init__(self, problem: Problem):
        super().__init__(problem.value)
        self.problem = problem


@dataclass(frozen=True)
class Target:
    """Where a URL asks us to go: the host as named, and the request's path and query."""

    scheme: str
    host: str
    port: int
    path: str


def target(url: str) -> Target:
    """The :class:`Target` of an http or https URL; :class:`BadURL` for any other."""
    try:
        parts = urlsplit(url)
    except ValueError:
        raise BadURL(Problem.MALFORMED) from None
    if parts.scheme not in ("http", "https"):
        raise BadURL(Problem.SCHEME)
    if not parts.hostname:
        raise BadURL(Problem.NO_HOST)
    if parts.username or parts.password:
        raise BadURL(Problem.CREDENTIALS)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise BadURL(Problem.PORT) from None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, parts.hostname, port, path)


# --- connections to the checked address ---------------------------------------------------------


class _Pinned:
    """Connects to ``address``, whatever ``host`` resolves to by now; ``host`` still goes
    in the Host header (and, over TLS, is what the certificate must name)."""

    address: str
    #: The socket, kept: the connection hands it to the response (and forgets it) when
    #: the server will close, and :meth:`abort` must still reach it then.
    watched: socket.socket | None = None

    def _open(self) -> socket.socket:
        return socket.create_connection((self.address, self.port), self.timeout)

    def abort(self) -> None:
        """End the exchange now, from another thread: a read blocked on it returns.

        A socket timeout bounds each read, not the whole answer; a server that trickles
        a byte at a time is stopped only by this, called at the caller's deadline. The
        plain socket's shutdown, even under TLS, is the one safe from another thread.
        """
        if self.watched is not None:
            with contextlib.suppress(OSError):
                socket.socket.shutdown(self.watched, socket.SHUT_RDWR)


class PinnedHTTPConnection(_Pinned, http.client.HTTPConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = self.watched = self._open()


class PinnedHTTPSConnection(_Pinned, http.client.HTTPSConnection):
    def __init__(
        self,
        host: str,
        port: int,
        *,
        address: str,
        timeout: float,
        context: ssl.SSLContext | None = None,
    ):
        context = context or ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=context)
        self.address = address

    def connect(self) -> None:
        sock = self._context.wrap_socket(self._open(), server_hostname=self.host)
        self.sock = self.watched = sock


Connection = PinnedHTTPConnection | PinnedHTTPSConnection


def pinned(target: Target, address: str, *, timeout: float) -> Connection:
    """A connection for ``target`` that goes to ``address`` (see :func:`resolve`)."""
    kind = PinnedHTTPSConnection if target.scheme == "https" else PinnedHTTPConnection
    return kind(target.host, target.port, address=address, timeout=timeout)
