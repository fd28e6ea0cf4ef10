"""Real servers for tests, started on 127.0.0.1 and stopped afterwards.

- :class:`AppServer`: gunicorn serving the project as production runs it (DEBUG off, a
  secret key, allowed hosts, the compressed static manifest, PostgreSQL, Redis), on
  the test database, so a test drives it through HTTP with the data it committed.
- :class:`RedisServer`: a Redis of the test's own, which it may stop and start.
- :class:`TcpProxy`: a TCP relay the test can cut and heal, for network partitions.
- :class:`Browser`: an HTTP client with its own cookies that signs in like a person.

Tests that use them must commit their data (``transaction=True``) and are ``slow``.
"""

import contextlib
import fcntl
import hashlib
import http.cookiejar
import os
import secrets
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing answered on port {port}")


def test_database_url() -> str:
    """The database the test runs on, for a server process to use."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def collected_static() -> Path:
    """``collectstatic`` as a deploy runs it, once per state of the static files, shared
    by every test process (a lock makes the others wait for the first)."""
    digest = hashlib.sha256()
    for folder in (ROOT / "static", ROOT / ".venv" / "lib"):
        for path in sorted(folder.rglob("static/**/*" if folder.name == "lib" else "**/*")):
            if path.is_file():
                digest.update(f"{path}:{path.stat().st_mtime_ns}".encode())
    target = ARTIFACTS / "collectstatic" / digest.hexdigest()[:16]
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (target / "staticfiles.json").exists():
            env = {**production_env(), "DJANGO_STATIC_ROOT": str(target)}
            subprocess.run(
                [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
            )
    return target


def production_env(**overrides: str) -> dict[str, str]:
    """The environment of a production app server, on loopback and the test database."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "NEWSROOM_", "REDIS_URL", "PYTEST_"))
    }
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        # Production sits behind a proxy that terminates TLS and says so.
        DJANGO_SECURE_SSL_REDIRECT="0",
        # Stories made for other tests need not pass the house rules (a test of the
        # rules passes NEWSROOM_HOUSE_RULES="1").
        NEWSROOM_HOUSE_RULES="0",
        DATABASE_URL=test_database_url(),
    )
    env.update(overrides)
    return env


@dataclass
class AppServer:
    """gunicorn with the project's WSGI app, as the README's "Running in production" says."""

    env: dict[str, str] = field(default_factory=dict)
    workers: int = 2
    timeout: int = 30
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    log: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "AppServer":
        ARTIFACTS.mkdir(exist_ok=True)
        self.log = ARTIFACTS / f"gunicorn-{self.port}.log"
        env = production_env(DJANGO_STATIC_ROOT=str(collected_static()), **self.env)
        command = [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "newsroom.wsgi",
            "--workers",
            str(self.workers),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--timeout",
            str(self.timeout),
            "--graceful-timeout",
            "2",
        ]
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log.read_text()[-2000:]}")
            try:
                urllib.request.urlopen(f"{self.url}/healthz", timeout=1).read()
                return self
            except (OSError, urllib.error.HTTPError):
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn did not start: {self.log.read_text()[-2000:]}")

    def worker_pids(self) -> list[int]:
        """The gunicorn workers (children of the arbiter)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


@dataclass
class RedisServer:
    """A Redis of the test's own: nothing kept on disk; stop() and start() at will."""

    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class TcpProxy:
    """A relay from a port of its own to ``target_port``; ``cut()`` drops every connection
    and refuses new ones (a partition), ``heal()`` lets them through again."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.port = free_port()
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._listener.settimeout(0.1)
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._cut = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                continue
            if self._cut.is_set():
                client.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                )
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=1)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open |= {client, upstream}
            threading.Thread(target=self._relay, args=(client, upstream), daemon=True).start()

    def _relay(self, a: socket.socket, b: socket.socket):
        pair = {a: b, b: a}
        try:
            while not self._cut.is_set() and not self._stop.is_set():
                ready, _, _ = select.select([a, b], [], [], 0.1)
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        return
                    pair[sock].sendall(data)
        except OSError:
            pass
        finally:
            for sock in (a, b):
                with self._lock:
                    self._open.discard(sock)
                sock.close()

    def cut(self) -> None:
        self._cut.set()
        with self._lock:
            for sock in list(self._open):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def heal(self) -> None:
        self._cut.clear()

    def close(self) -> None:
        self._stop.set()
        self.cut()
        self._thread.join(timeout=2)
        self._listener.close()


class _AnyScheme(http.cookiejar.DefaultCookiePolicy):
    """Send Secure cookies over loopback HTTP: production's TLS ends at the proxy."""

    def __init__(self):
        super().__init__(secure_protocols=("https", "wss", "http"))


@dataclass
class Response:
    status: int
    headers: dict
    body: bytes
    url: str

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Browser:
    """An HTTP client with cookies, for one person on one app server; redirects not followed."""

    def __init__(self, base_url: str):
        self.base = base_url
        self.jar = http.cookiejar.CookieJar(policy=_AnyScheme())

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect
        )

    def request(self, method: str, path: str, data=None, headers=None, timeout=30) -> Response:
        body = None
        headers = {"X-Forwarded-Proto": "https", **(headers or {})}
        if isinstance(data, dict):
            body = urllib.parse.urlencode(data, doseq=True).encode()
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        elif data is not None:
            body = data
        request = urllib.request.Request(
            self.base + path, data=body, headers=headers, method=method
        )
        try:
            with self.opener.open(request, timeout=timeout) as answer:
                return Response(answer.status, dict(answer.headers), answer.read(), answer.url)
        except urllib.error.HTTPError as error:
            return Response(error.code, dict(error.headers), error.read(), error.url)

    def get(self, path: str, **options) -> Response:
        return self.request("GET", path, **options)

    def csrf_token(self) -> str:
        return next(cookie.value for cookie in self.jar if cookie.name == "csrftoken")

    def post(self, path: str, fields: dict, **options) -> Response:
        """A form POST with the CSRF token, as the page's form sends it."""
        if not any(cookie.name == "csrftoken" for cookie in self.jar):
            self.get("/admin/login/")
        return self.request(
            "POST",
            path,
            {**fields, "csrfmiddlewaretoken": self.csrf_token()},
            # Behind the TLS proxy the page was https; so is the Referer a browser sends.
            headers={"Referer": self.base.replace("http://", "https://") + path.split("?")[0]},
            **options,
        )

    def sign_in(self, username: str, password: str) -> Response:
        self.get("/admin/login/")
        answer = self.post(
            "/admin/login/?next=/admin/", {"username": username, "password": password}
        )
        if answer.status != 302:
            raise AssertionError(f"sign-in as {username} failed: {answer.status}")
        return answer


def production_password(user, password: str = "correct horse battery staple") -> str:
    """Give ``user`` a password the app server's own hashers can check; return it."""
    user.password = PBKDF2PasswordHasher().encode(password, secrets.token_hex(8), 1000)
    user.save(update_fields=["password"])
    return password


def start_db_worker(name: str, env: dict[str, str], launcher: str | None = None):
    """``manage.py db_worker`` in a process of its own, polling every 0.1 s, on the test
    database, with ``env`` added to this process's environment (Redis left out: the
    worker's page-cache copies are tested elsewhere). ``launcher`` is Python source
    that runs the command after adjusting settings (it receives the arguments)."""
    command = ["-c", launcher] if launcher else ["manage.py"]
    return subprocess.Popen(
        [
            sys.executable,
            *command,
            "db_worker",
            "--queue-name",
            "*",
            "--interval",
            "0.1",
            "--no-startup-delay",
            "--no-reload",
            "--worker-id",
            name,
            "-v",
            "0",
        ],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if k != "REDIS_URL"},
            "DJANGO_DEBUG": "1",
            "DATABASE_URL": test_database_url(),
            **env,
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def stop_db_worker(worker) -> str:
    """Stop a worker from :func:`start_db_worker` (SIGTERM, then SIGKILL after 15 s);
    what it wrote on stderr."""
    if worker.poll() is None:
        worker.terminate()
    try:
        return worker.communicate(timeout=15)[1]
    except subprocess.TimeoutExpired:
        worker.kill()
        return worker.communicate()[1]
