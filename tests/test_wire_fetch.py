"""Fetching wire feeds is bounded: size, time, addresses, schemes, redirects.

Against a real HTTP server on 127.0.0.1 (:class:`WireServer`, shared with
``test_wires.py``), which serves the fixture feeds and misbehaves on request.
"""

import contextlib
import http.server
import ssl
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from wires.fetch import FetchError, fetch

DATA = Path(__file__).resolve().parent / "data" / "wires"
TEN_MB = 10 * 1024 * 1024
#: The fetch timeout the tests run with (production: 10 s).
TIMEOUT = 1.0


class WireServer:
    """Serves ``routes`` (path → (bytes, content type)) and these misbehaving paths:

    ``/slow`` answers after 3 s; ``/trickle`` sends a byte every 0.2 s for 6 s;
    ``/huge`` declares and sends 10 MB; ``/huge-streamed`` sends 10 MB with no length;
    ``/metadata`` redirects to the cloud metadata address; ``/loop`` redirects to itself;
    ``/error`` answers 500. ``hits`` counts requests per path.
    """

    def __init__(self, *, tls: tuple[Path, Path] | None = None):
        self.scheme = "https" if tls else "http"
        self.routes: dict[str, tuple[bytes, str]] = {}
        self.hits: Counter = Counter()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server.hits[self.path] += 1
                # The client gives up on what it must not read, as it should.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    server.answer(self)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.handle_error = lambda request, address: None
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"{self.scheme}://{host}:{self.httpd.server_port}{path}"

    def serve(self, path: str, fixture: str | bytes, content_type: str = "") -> str:
        """Serve a fixture file (by name) or bytes at ``path``; return its address."""
        body = fixture if isinstance(fixture, bytes) else (DATA / fixture).read_bytes()
        if not content_type:
            name = path if isinstance(fixture, bytes) else fixture
            content_type = "application/json" if name.endswith(".json") else "application/xml"
        self.routes[path] = (body, content_type)
        return self.url(path)

    def answer(self, handler) -> None:
        path = handler.path
        if path in self.routes:
            body, content_type = self.routes[path]
            self._send(handler, 200, body, content_type)
        elif path == "/slow":
            time.sleep(3)
            self._send(handler, 200, (DATA / "rss.xml").read_bytes(), "application/xml")
        elif path == "/trickle":
            handler.send_response(200)
            handler.send_header("Content-Type", "application/xml")
            handler.end_headers()
            for _ in range(30):
                handler.wfile.write(b" ")
                handler.wfile.flush()
                time.sleep(0.2)
        elif path in ("/huge", "/huge-streamed"):
            handler.send_response(200)
            handler.send_header("Content-Type", "application/xml")
            if path == "/huge":
                handler.send_header("Content-Length", str(TEN_MB))
            handler.end_headers()
            chunk = b"<!-- " + b"x" * 65_000 + b" -->"
            for _ in range(TEN_MB // len(chunk) + 1):
                handler.wfile.write(chunk)
        elif path == "/metadata":
            self._redirect(handler, "http://169.254.169.254/latest/meta-data/")
        elif path == "/loop":
            self._redirect(handler, "/loop")
        else:
            self._send(handler, 500 if path == "/error" else 404, b"no", "text/plain")

    @staticmethod
    def _send(handler, status, body, content_type):
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    @staticmethod
    def _redirect(handler, location):
        handler.send_response(302)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def wire_server():
    with WireServer() as server:
        yield server


@pytest.fixture
def loopback_allowed(settings):
    settings.WIRES = {"ALLOW_LOOPBACK": True, "TIMEOUT": TIMEOUT}


def refusal(url: str) -> str:
    with pytest.raises(FetchError) as caught:
        fetch(url)
    return str(caught.value)


@pytest.mark.slow  # an HTTP server
def test_a_feed_on_loopback_is_fetched_when_tests_allow_it(wire_server, loopback_allowed):
    fetched = fetch(wire_server.serve("/rss", "rss.xml"))
    assert fetched.body == (DATA / "rss.xml").read_bytes()
    assert fetched.content_type == "application/xml"


@pytest.mark.slow  # an HTTP server
def test_loopback_is_refused_by_default(wire_server):
    message = refusal(wire_server.serve("/rss", "rss.xml"))
    assert "private or local network address (127.0.0.1)" in message
    assert wire_server.hits["/rss"] == 0


@pytest.mark.slow  # an HTTP server
def test_a_redirect_to_the_metadata_address_is_refused(wire_server, loopback_allowed):
    message = refusal(wire_server.url("/metadata"))
    assert "169.254.169.254" in message


@pytest.mark.parametrize(
    "url",
    ["http://10.1.2.3/feed", "http://192.168.0.1/", "http://[::1]/", "http://[fe80::1]/",
     "http://100.64.0.1/", "http://0.0.0.0/", "http://[::ffff:10.0.0.1]/"],
)  # fmt: skip
def test_private_and_local_addresses_are_refused_before_connecting(url):
    assert "private or local network address" in refusal(url)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/feed", "gopher://x/"])
def test_only_http_and_https_are_fetched(url):
    assert "http:// or https://" in refusal(url)


@pytest.mark.slow  # an HTTP server that sleeps
def test_a_slow_server_is_cut_off_at_the_timeout(wire_server, loopback_allowed):
    started = time.monotonic()
    message = refusal(wire_server.url("/slow"))
    assert "longer than 1 seconds" in message
    assert time.monotonic() - started < TIMEOUT + 1


@pytest.mark.slow  # an HTTP server that answers a byte at a time
def test_a_trickling_server_is_cut_off_at_the_timeout_too(wire_server, loopback_allowed):
    started = time.monotonic()
    assert "longer than" in refusal(wire_server.url("/trickle"))
    assert time.monotonic() - started < TIMEOUT + 1


@pytest.mark.slow  # an HTTP server
def test_ten_megabytes_declared_are_refused_unread(wire_server, loopback_allowed):
    message = refusal(wire_server.url("/huge"))
    assert "10,485,760 bytes" in message and "nothing was read" in message


@pytest.mark.slow  # an HTTP server
def test_ten_megabytes_streamed_are_cut_off_at_the_cap(wire_server, settings):
    settings.WIRES = {"ALLOW_LOOPBACK": True, "TIMEOUT": 10}
    assert "more than the 5,242,880 bytes" in refusal(wire_server.url("/huge-streamed"))


@pytest.mark.slow  # an HTTP server
def test_redirects_are_followed_three_times_at_most(wire_server, loopback_allowed):
    assert "redirected more than 3 times" in refusal(wire_server.url("/loop"))
    assert wire_server.hits["/loop"] == 4


@pytest.mark.slow  # an HTTP server
def test_an_error_status_is_reported(wire_server, loopback_allowed):
    assert "HTTP 500" in refusal(wire_server.url("/error"))


@pytest.fixture
def certificate(tmp_path):
    """A self-signed certificate for "localhost": (certificate, key)."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.mark.slow  # an HTTPS server and openssl
def test_https_checks_the_certificate_against_the_name(certificate, loopback_allowed):
    with WireServer(tls=certificate) as server:
        server.serve("/atom", "atom.xml")
        assert "CERTIFICATE_VERIFY_FAILED" in refusal(server.url("/atom", host="localhost"))


@pytest.mark.slow  # an HTTPS server and openssl
def test_https_connects_to_the_checked_address_with_the_name_for_tls(
    certificate, loopback_allowed, monkeypatch
):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    with WireServer(tls=certificate) as server:
        server.serve("/atom", "atom.xml")
        assert fetch(server.url("/atom", host="localhost")).body.startswith(b"<?xml")
        # The certificate names localhost, not the address we connect to.
        assert "CERTIFICATE_VERIFY_FAILED" in refusal(server.url("/atom"))
