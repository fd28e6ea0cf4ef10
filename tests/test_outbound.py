"""The one home of the rules against server-side request forgery (``articles.outbound``):
which addresses a request may reach, how a host is resolved and checked, the URLs we
accept, and connections that go to the checked address while TLS checks the name."""

import ipaddress
import socket
import ssl
import threading
import time

import pytest

from articles import outbound
from tests import test_wire_fetch
from tests.test_wire_fetch import WireServer

#: A self-signed certificate for "localhost" (a fixture), made as the wire tests make it.
certificate = test_wire_fetch.certificate


def ip(address: str | int) -> outbound.Address:
    return ipaddress.ip_address(address)


# --- addresses ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.1",  # private
        "172.16.0.1",
        "192.168.1.20",
        "fd00::1",
        "127.0.0.1",  # loopback
        "::1",
        "169.254.169.254",  # link-local: the cloud metadata service
        "fe80::1",
        "100.64.0.1",  # shared (carrier-grade NAT)
        "240.0.0.1",  # reserved
        "192.0.2.1",  # documentation
        "0.0.0.0",  # unspecified
        "::",
        "224.0.0.251",  # multicast, which is_global alone lets through
        "239.255.255.250",
        "ff0e::1",
        "::ffff:10.0.0.1",  # IPv4-mapped IPv6: judged as the IPv4 address
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        2130706433,  # 127.0.0.1 as a number
    ],
)
def test_private_local_reserved_and_multicast_addresses_are_refused(address):
    assert not outbound.is_allowed(ip(address))


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_are_allowed(address):
    assert outbound.is_allowed(ip(address))


@pytest.mark.parametrize("address", ["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"])
def test_loopback_is_allowed_only_when_the_caller_passes_it(address):
    assert not outbound.is_allowed(ip(address))
    assert outbound.is_allowed(ip(address), outbound.LOOPBACK)


def test_allowed_networks_let_through_those_networks_only():
    allowed = [ipaddress.ip_network("10.20.0.0/16")]
    assert outbound.is_allowed(ip("10.20.3.4"), allowed)
    assert outbound.is_allowed(ip("::ffff:10.20.3.4"), allowed)
    assert not outbound.is_allowed(ip("10.21.0.1"), allowed)
    assert not outbound.is_allowed(ip("169.254.169.254"), outbound.LOOPBACK)


# --- resolving a host ---------------------------------------------------------------------------


def answers(*addresses: str):
    """A stand-in for ``socket.getaddrinfo`` answering ``addresses``, as a DNS server might."""

    def getaddrinfo(host, port, *args, **kwargs):
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in addresses
        ]

    return getaddrinfo


def test_a_host_with_one_private_answer_among_public_ones_is_refused(monkeypatch):
    monkeypatch.setattr(socket, "getaddrinfo", answers("93.184.216.34", "10.0.0.1", "::1"))
    with pytest.raises(outbound.NotPublic) as refused:
        outbound.resolve("partner.example", 443)
    assert refused.value.host == "partner.example"
    assert refused.value.addresses == ["10.0.0.1", "::1"]


def test_a_host_with_public_answers_gives_the_first_to_connect_to(monkeypatch):
    monkeypatch.setattr(socket, "getaddrinfo", answers("93.184.216.34", "2606:4700:4700::1111"))
    assert outbound.resolve("partner.example", 443) == "93.184.216.34"


def test_a_name_without_an_address_is_not_found(monkeypatch):
    def getaddrinfo(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    with pytest.raises(outbound.HostNotFound) as missing:
        outbound.resolve("nowhere.example", 80)
    assert "Name or service not known" in missing.value.reason


def test_an_address_written_as_a_number_is_resolved_and_refused():
    with pytest.raises(outbound.NotPublic) as refused:
        outbound.resolve("2130706433", 80)
    assert refused.value.addresses == ["127.0.0.1"]


def test_loopback_resolves_when_allowed():
    assert outbound.resolve("127.0.0.1", 80, outbound.LOOPBACK) == "127.0.0.1"


# --- URLs -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://[::1/hooks", outbound.Problem.MALFORMED),
        ("ftp://example.org/feed", outbound.Problem.SCHEME),
        ("file:///etc/passwd", outbound.Problem.SCHEME),
        ("example.org/feed", outbound.Problem.SCHEME),
        ("http:///feed", outbound.Problem.NO_HOST),
        ("http://user:password@example.org/", outbound.Problem.CREDENTIALS),
        ("http://user@example.org/", outbound.Problem.CREDENTIALS),
        ("http://example.org:99999/", outbound.Problem.PORT),
        ("http://example.org:http/", outbound.Problem.PORT),
    ],
)
def test_urls_other_than_plain_http_and_https_are_refused(url, problem):
    with pytest.raises(outbound.BadURL) as bad:
        outbound.target(url)
    assert bad.value.problem == problem


def test_a_url_gives_its_host_port_and_request_path():
    assert outbound.target("https://Partner.example/hooks?x=1#top") == outbound.Target(
        "https", "partner.example", 443, "/hooks?x=1"
    )
    assert outbound.target("http://[2606:4700::1111]:8080") == outbound.Target(
        "http", "2606:4700::1111", 8080, "/"
    )


# --- connections to the checked address -------------------------------------------------------


@pytest.mark.slow  # an HTTP server
def test_a_pinned_connection_goes_to_the_address_and_never_looks_the_name_up():
    with WireServer() as server:
        server.serve("/rss", "rss.xml")
        # .invalid never resolves: only the pinned address can have been reached.
        target = outbound.target(server.url("/rss", host="feeds.invalid"))
        connection = outbound.pinned(target, "127.0.0.1", timeout=2)
        try:
            connection.request("GET", target.path)
            assert connection.getresponse().status == 200
        finally:
            connection.close()
    assert server.hits["/rss"] == 1


def _get(url: str, address: str = "127.0.0.1") -> int:
    target = outbound.target(url)
    connection = outbound.pinned(target, address, timeout=2)
    try:
        connection.request("GET", target.path)
        return connection.getresponse().status
    finally:
        connection.close()


@pytest.mark.slow  # an HTTPS server and openssl
def test_a_pinned_https_connection_checks_the_certificate_against_the_host_name(
    certificate, monkeypatch
):
    with WireServer(tls=certificate) as server:
        server.serve("/atom", "atom.xml")
        # Self-signed and not trusted: refused.
        with pytest.raises(ssl.SSLCertVerificationError, match="CERTIFICATE_VERIFY_FAILED"):
            _get(server.url("/atom", host="localhost"))
        monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
        assert _get(server.url("/atom", host="localhost")) == 200
        # Trusted, but it names localhost: the address we connect to is not the name.
        with pytest.raises(ssl.SSLCertVerificationError, match="CERTIFICATE_VERIFY_FAILED"):
            _get(server.url("/atom"))
    assert server.hits["/atom"] == 1


@pytest.mark.slow  # an HTTP server that answers a byte at a time
def test_abort_ends_a_trickling_answer_after_the_response_took_the_socket():
    with WireServer() as server:
        target = outbound.target(server.url("/trickle"))
        connection = outbound.pinned(target, "127.0.0.1", timeout=5)
        try:
            connection.request("GET", target.path)
            response = connection.getresponse()
            assert connection.sock is None  # HTTP/1.0: the response holds the socket now
            threading.Timer(0.3, connection.abort).start()
            started = time.monotonic()
            response.read()
            assert time.monotonic() - started < 2  # the server trickles for 6 s
        finally:
            connection.close()
