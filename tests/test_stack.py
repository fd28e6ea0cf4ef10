"""The production topology as `scripts/stack up` starts it, driven through Varnish as
readers and editors use it: two gunicorn app servers and a worker behind Varnish,
PgBouncer in transaction mode, a PostgreSQL primary with a streaming replica (the
stack's own clusters), Redis, S3 (moto_server) and nginx as the media host.

One test, because the stack takes half a minute to start: an editor publishes through
the admin and readers get the story from Varnish within a second (purged by the
app's hook); an image lands in the bucket and is served from the media host; reader
pages are read from the replica, an edit just saved is read back from the primary,
a replica that lags is left alone; a takedown is gone from Varnish within a second,
and stays gone while the app servers are down (no grace for a purged page); then
`scripts/stack down` leaves nothing running, whatever happened before.
"""

import contextlib
import http.server
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import boto3
import lxml.html
import psycopg
import pytest
from django.conf import settings
from PIL import Image

from articles import purge, storage
from articles.cache import deliver_invalidation, invalidate_pages
from articles.models import Invalidation
from tests.servers import Browser, collected_static, free_port, wait_for_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
STACK = ROOT / "scripts" / "stack"
#: What the issue asks of a publication and a takedown at the edge.
EDGE_SECONDS = 1.0
#: The replica's lag bound in the stack (seconds).
MAX_LAG = 1

COPY = """Harbour cranes return after a decade

The port's new electric cranes began unloading ships on Monday, ten years after the last ones were dismantled.

Why it matters

The cranes let the harbour take container ships again, bringing back about 300 jobs.

The big picture

Three other ports on the coast have electrified their cranes since 2020.

Lena Hartmann
"""
HEADLINE = "Harbour cranes return after a decade"
NEW_HEADLINE = "Harbour cranes return after ten years"


# --- helpers -------------------------------------------------------------------------------


def stack(command: str, folder: Path, *args: str, timeout: float = 240):
    env = {**os.environ, "NEWSROOM_STACK_DIR": str(folder)}
    return subprocess.run(
        [str(STACK), command, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def running(state: dict) -> list[str]:
    """What the stack started that still runs (zombies count as gone), or listens."""
    left = []
    for name, entry in state.get("processes", {}).items():
        try:
            stat = Path(f"/proc/{entry['pid']}/stat").read_text().rsplit(")", 1)[1].split()
            if stat[0] not in "ZX" and stat[19] == entry["started"]:
                left.append(f"{name} (pid {entry['pid']})")
        except OSError:
            pass
    for name, port in state.get("ports", {}).items():
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.3):
            left.append(f"port {port} ({name})")
    return left


def kill_everything(state: dict) -> None:
    """The last resort when `down` failed: each recorded process group, by id."""
    for entry in state.get("processes", {}).values():
        with contextlib.suppress(OSError):
            stat = Path(f"/proc/{entry['pid']}/stat").read_text().rsplit(")", 1)[1].split()
            if stat[19] == entry["started"]:
                os.killpg(entry["pid"], signal.SIGKILL)


def form_fields(html: str, xpath: str) -> tuple[str, list[tuple[str, str]]]:
    """The action of the first form ``xpath`` finds and what a browser would post."""
    form = lxml.html.fromstring(html).xpath(xpath)[0]
    fields = [(k, v) for k, v in form.form_values() if k != "csrfmiddlewaretoken"]
    return form.get("action"), fields


def multipart(fields: list[tuple[str, str]], files: dict) -> tuple[bytes, str]:
    boundary = os.urandom(12).hex()
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields
    ]
    for name, (filename, data, content_type) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
            + data
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def save_story(desk: Browser, story_id: int, changes: dict, files: dict | None = None):
    """Save the story's admin form as the page shows it, with ``changes``."""
    path = f"/admin/articles/story/{story_id}/change/"
    _, fields = form_fields(desk.get(path).text, "//form[@id='story_form']")
    fields = [(k, v) for k, v in fields if k not in changes] + list(changes.items())
    fields.append(("csrfmiddlewaretoken", desk.csrf_token()))
    body, content_type = multipart(fields, files or {})
    referer = desk.base.replace("http://", "https://") + path
    answer = desk.request(
        "POST", path, body, headers={"Content-Type": content_type, "Referer": referer}
    )
    assert answer.status == 302, answer.text[-3000:]
    return answer


def transition(desk: Browser, story_id: int, name: str):
    page = desk.get(f"/admin/articles/story/{story_id}/change/").text
    action, fields = form_fields(page, f"//form[contains(@action, '/transition/{name}/')]")
    answer = desk.post(action, dict(fields))
    assert answer.status == 302
    return answer


def photo() -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise((1600, 1000), 40).convert("RGB").save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def until(check, seconds: float, step: float = 0.05):
    """Poll ``check`` until it returns something true; return it and the time it took."""
    start = time.monotonic()
    while True:
        result = check()
        if result or time.monotonic() - start > seconds:
            return result, time.monotonic() - start
        time.sleep(step)


def fetch(url: str, method: str = "GET", **headers) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


class Superuser:
    """psql-like access to one of the stack's clusters over its socket (as postgres)."""

    def __init__(self, state: dict, which: str):
        self.connection = psycopg.connect(
            host=state["socket_dir"],
            port=state["ports"][which],
            user="postgres",
            dbname=state["db_name"],
            autocommit=True,
        )

    def value(self, sql: str, *args):
        return self.connection.execute(sql, args).fetchone()[0]

    def close(self):
        self.connection.close()


def reads_on_replica(replica: Superuser) -> int:
    return replica.value(
        "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
    )


# --- the test --------------------------------------------------------------------------------


@pytest.mark.skipif(
    "newsroom.db_router.ReplicaRoutingMiddleware" not in settings.MIDDLEWARE
    or not hasattr(storage, "S3MediaStorage"),
    reason="needs the settings and articles.storage changes of issue 16 (replica, S3 media)",
)
def test_the_stack_serves_readers_from_varnish_and_the_replica():
    # Not under pytest's own temporary folder: PostgreSQL (the postgres user) may not enter it.
    folder = Path(tempfile.mkdtemp(prefix="newsroom-stack-"))
    state: dict = {}
    try:
        up = stack(
            "up",
            folder,
            "--static-root",
            str(collected_static()),
            "--max-lag",
            str(MAX_LAG),
            "--env",
            "NEWSROOM_DB_ROUTE_HEADER=1",
            # The test's story need not pass the house rules.
            "--env",
            "NEWSROOM_HOUSE_RULES=0",
        )
        state = json.loads((folder / "state.json").read_text())
        assert up.returncode == 0, up.stdout + up.stderr
        assert "site (Varnish)" in up.stdout
        status = stack("status", folder, timeout=30)
        assert status.returncode == 0, status.stdout
        drive(state)
    finally:
        down = stack("down", folder, timeout=120)
        time.sleep(0.3)
        left = running(state)
        if left:
            kill_everything(state)
    assert down.returncode == 0, down.stdout + down.stderr
    assert left == []
    assert stack("status", folder, timeout=30).returncode in (0, 3)
    shutil.rmtree(folder, ignore_errors=True)


def drive(state: dict) -> None:
    site = state["urls"]["site"].rstrip("/")
    media = state["urls"]["media"]
    apps = state["urls"]["app_servers"]
    replica = Superuser(state, "replica")
    try:
        check_varnish_caches_readers_and_refuses_strangers_purges(site)
        story_id, story_path = check_publish_with_an_image(state, site, media)
        check_reader_pages_come_from_the_replica(site, replica)
        check_writers_and_lag_read_the_primary(state, site, replica, story_id, story_path)
        check_takedown_at_the_edge(state, site, apps, story_id, story_path)
    finally:
        with contextlib.suppress(Exception):
            replica.value("SELECT pg_wal_replay_resume()")
        replica.close()


def story_paths(html: str) -> list[str]:
    return list(dict.fromkeys(re.findall(r'href="(/\d{4}/\d{2}/\d{2}/[^"/]+/)"', html)))


def check_varnish_caches_readers_and_refuses_strangers_purges(site: str) -> None:
    reader = Browser(site)
    home = reader.get("/")
    assert home.status == 200
    assert home.headers["X-Cache"] in ("MISS", "HIT")
    again = reader.get("/")
    assert again.headers["X-Cache"] == "HIT"
    assert "Surrogate-Key" not in again.headers and "xkey" not in again.headers
    # The admin and anyone signed in (or holding a form's token) pass.
    assert Browser(site).get("/admin/login/").headers["X-Cache"] == "PASS"
    for cookie in ("sessionid=x", "csrftoken=x", "newsroom_wrote=1"):
        passed = Browser(site).get("/", headers={"Cookie": cookie})
        assert passed.headers["X-Cache"] == "PASS"
    # Purging is for the app servers: another address (127.0.0.2) is refused.
    stranger = socket.create_connection(
        ("127.0.0.1", int(urlsplit(site).port)), 2, ("127.0.0.2", 0)
    )
    with stranger:
        stranger.sendall(
            b"PURGE / HTTP/1.1\r\nHost: 127.0.0.1\r\nxkey: all\r\nConnection: close\r\n\r\n"
        )
        assert stranger.recv(100).startswith(b"HTTP/1.1 403")
    assert reader.get("/").headers["X-Cache"] == "HIT"


def check_publish_with_an_image(state: dict, site: str, media: str) -> tuple[int, str]:
    desk = Browser(site)
    desk.sign_in("editor", "newsroom-editor")
    imported = desk.post("/admin/articles/story/import/", {"text": COPY, "headline": ""})
    assert imported.status == 302, imported.text[-2000:]
    story_id = int(re.search(r"/story/(\d+)/change/", imported.headers["Location"]).group(1))
    save_story(
        desk,
        story_id,
        {"lead_image_alt": "Electric cranes on the quay"},
        {"lead_image": ("cranes.jpg", photo(), "image/jpeg")},
    )
    # The upload is in the bucket, under the generated name.
    s3 = boto3.client(
        "s3",
        endpoint_url=state["urls"]["s3"],
        region_name="us-east-1",
        aws_access_key_id="stack",
        aws_secret_access_key="stack",
    )
    stored = [o["Key"] for o in s3.list_objects_v2(Bucket=state["bucket"]).get("Contents", [])]
    assert any(key.startswith("stories/") for key in stored), stored

    reader = Browser(site)
    assert reader.get("/").headers["X-Cache"] in ("HIT", "MISS")  # the home page is cached
    published_at = time.monotonic()
    transition(desk, story_id, "publish")
    home, took = until(
        lambda: HEADLINE in (page := reader.get("/")).text and page, EDGE_SECONDS + 2
    )
    assert home, "the published story never reached the home page at Varnish"
    print(f"publish → on the home page at Varnish in {time.monotonic() - published_at:.3f} s")
    assert took <= EDGE_SECONDS
    story_path = next(p for p in story_paths(home.text) if "harbour-cranes" in p)
    page = reader.get(story_path)
    assert page.status == 200 and HEADLINE in page.text

    # The worker makes the renditions, in the bucket; the page then shows them, from
    # the media host.
    def renditions_shown():
        page = reader.get(story_path).text
        urls = re.findall(r'(?:src|srcset)="([^" ]+)', page)
        return [u for u in urls if u.startswith(media) and "/renditions/" in u]

    shown, _ = until(renditions_shown, 30, step=0.5)
    assert shown, "no rendition of the lead image on the story page"
    status, headers, body = fetch(shown[0])
    assert status == 200 and headers["Content-Type"].startswith("image/")
    assert body[:3] == b"\xff\xd8\xff" or body[:4] == b"RIFF"
    assert "Set-Cookie" not in headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in headers["Content-Security-Policy"]
    assert "immutable" in headers["Cache-Control"]
    stored = [o["Key"] for o in s3.list_objects_v2(Bucket=state["bucket"]).get("Contents", [])]
    assert urlsplit(shown[0]).path.lstrip("/") in stored
    return story_id, story_path


def check_reader_pages_come_from_the_replica(site: str, replica: Superuser) -> None:
    reader = Browser(site)

    def from_replica(tag: str) -> bool:
        # A query string of its own: a miss at Varnish, rendered by an app server.
        answer = reader.get(f"/?{tag}={time.time_ns()}")
        assert answer.status == 200 and answer.headers["X-Cache"] == "MISS"
        return answer.headers["X-Newsroom-Database"] == "replica"

    # Right after the publication above, a server may find the replica a moment behind.
    assert until(lambda: from_replica("settle"), 10, step=0.2)[0]
    before = reads_on_replica(replica)
    assert all(from_replica("replica") for _ in range(6))
    # PostgreSQL's own count of transactions on the replica (flushed within seconds).
    grown, _ = until(lambda: reads_on_replica(replica) >= before + 6, 15, step=0.3)
    assert grown, "the replica served no reader transaction"


def check_writers_and_lag_read_the_primary(
    state: dict, site: str, replica: Superuser, story_id: int, story_path: str
) -> None:
    reader = Browser(site)
    replica.value("SELECT pg_wal_replay_pause()")
    desk = Browser(site)
    desk.sign_in("editor", "newsroom-editor")  # writes a session: WAL the replica holds back
    # A replica further behind than the bound is left alone: the primary answers.
    lagging, _ = until(
        lambda: reader.get(f"/?lag={time.time_ns()}").headers["X-Newsroom-Database"] == "primary",
        MAX_LAG + 4,
        step=0.2,
    )
    assert lagging, "a replica lagging beyond the bound still served readers"

    # An edit just saved and published is read back at once: by its writer (from the
    # primary, with the cookie that says so), and by every reader, although the paused
    # replica still has the old headline.
    save_story(desk, story_id, {"headline": NEW_HEADLINE})
    assert any(cookie.name == "newsroom_wrote" for cookie in desk.jar)
    transition(desk, story_id, "publish")
    assert replica.value("SELECT headline FROM articles_story WHERE id = %s", story_id) == HEADLINE
    mine = desk.get(story_path)
    assert NEW_HEADLINE in mine.text
    assert mine.headers["X-Newsroom-Database"] == "primary"
    assert mine.headers["X-Cache"] == "PASS"
    theirs = reader.get(story_path)
    assert NEW_HEADLINE in theirs.text
    assert theirs.headers["X-Newsroom-Database"] == "primary"

    replica.value("SELECT pg_wal_replay_resume()")
    caught_up, _ = until(
        lambda: reader.get(f"/?back={time.time_ns()}").headers["X-Newsroom-Database"] == "replica",
        10,
        step=0.2,
    )
    assert caught_up, "readers never went back to the replica once it caught up"


def check_takedown_at_the_edge(
    state: dict, site: str, apps: list[str], story_id: int, story_path: str
) -> None:
    reader = Browser(site)
    home = reader.get("/")
    other = next(p for p in story_paths(home.text) if p != story_path)
    for path in (story_path, other):
        reader.get(path)
        assert reader.get(path).headers["X-Cache"] == "HIT"
    # Does the app tag its pages (Surrogate-Key)? Then only what shows the story is
    # purged; until it does, the purge is the whole site's.
    _status, headers, _ = fetch(apps[0].rstrip("/") + other, **{"X-Forwarded-Proto": "https"})
    tagged = "Surrogate-Key" in headers
    print(f"the app tags its pages: {tagged}")

    desk = Browser(site)
    desk.sign_in("editor", "newsroom-editor")
    started = time.monotonic()
    transition(desk, story_id, "unpublish")
    gone, took = until(lambda: reader.get(story_path).status == 404, EDGE_SECONDS + 2)
    print(f"unpublish → 404 at Varnish in {time.monotonic() - started:.3f} s")
    assert gone and took <= EDGE_SECONDS
    assert NEW_HEADLINE not in reader.get("/").text
    unrelated = reader.get(other).headers["X-Cache"]
    assert unrelated == ("HIT" if tagged else "MISS")

    # With every app server down, Varnish still serves what it holds; but a page purged
    # meanwhile is gone for good: an error, never the stale copy (a purge is not a
    # soft purge, so grace cannot bring it back).
    assert reader.get(other).headers["X-Cache"] == "HIT"
    processes = state["processes"]
    paused = [processes[name]["pid"] for name in ("app1", "app2")]
    for pid in paused:
        os.killpg(pid, signal.SIGSTOP)
    try:
        time.sleep(3.5)  # the probes (1 s apart, 2 of 3 failing) mark both sick
        assert reader.get(other).headers["X-Cache"] == "HIT"
        purged = fetch(site + "/", method="PURGE", xkey="all")
        assert purged[0] == 200
        after = reader.get(other, timeout=40)
        assert after.status == 503
        assert after.headers.get("X-Cache") != "HIT"
    finally:
        for pid in paused:
            os.killpg(pid, signal.SIGCONT)


# --- the edge alone: the VCL and the purge hook, with a backend of the test's own ------------


class Pages(http.server.BaseHTTPRequestHandler):
    """A backend that tags its pages as the app does (``Surrogate-Key``)."""

    tags = {
        "/a/": ["story-1", "home"],
        "/b/": ["story-2", "section-world"],
        "/c/": ["tag-جهان"],  # a Persian slug: percent-encoded in headers
    }

    def do_GET(self):
        body = f"{self.path} {time.time_ns()}".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        if self.path == "/private/":
            self.send_header("Cache-Control", "private")
        else:
            self.send_header("Cache-Control", "public, max-age=0, s-maxage=60")
        if self.path == "/cookie/":
            self.send_header("Set-Cookie", "sessionid=x; HttpOnly")
        if self.path in self.tags:
            self.send_header("Surrogate-Key", purge.surrogate_key_header(self.tags[self.path]))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def edge():
    """Varnish with deploy/varnish/newsroom.vcl in front of :class:`Pages`."""
    backend = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Pages)
    threading.Thread(target=backend.serve_forever, daemon=True).start()
    folder = Path(tempfile.mkdtemp(prefix="newsroom-edge-"))
    folder.chmod(0o755)  # Varnish's worker process runs as a user of its own
    port = free_port()
    (folder / "site.vcl").write_text(
        'probe healthz { .url = "/healthz/"; .interval = 0.5s; .window = 2; .threshold = 1;'
        " .initial = 1; }\n"
        f'backend app1 {{ .host = "127.0.0.1"; .port = "{backend.server_address[1]}";'
        " .probe = healthz; }\n"
        "sub vcl_init { new app = directors.round_robin(); app.add_backend(app1); }\n"
        'acl purgers { "127.0.0.1"; }\n'
    )
    varnish = subprocess.Popen(
        [
            shutil.which("varnishd") or "/usr/sbin/varnishd",
            "-F",
            "-a",
            f"127.0.0.1:{port}",
            "-n",
            str(folder / "work"),
            "-f",
            str(ROOT / "deploy" / "varnish" / "newsroom.vcl"),
            "-p",
            f"vcl_path={folder}:{ROOT / 'deploy' / 'varnish'}",
            "-s",
            "malloc,32m",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_port(port, timeout=30)
        yield f"http://127.0.0.1:{port}", backend
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(varnish.pid, signal.SIGTERM)
        varnish.wait(timeout=20)
        backend.shutdown()
        backend.server_close()
        shutil.rmtree(folder, ignore_errors=True)


def verdict(site: str, path: str) -> str:
    return fetch(site + path)[1]["X-Cache"]


def cached(site: str, *paths: str) -> None:
    for path in paths:
        fetch(site + path)
        assert verdict(site, path) == "HIT", path


def test_a_purge_by_key_drops_only_what_shows_it(edge, settings):
    site, _ = edge
    settings.NEWSROOM = {**settings.NEWSROOM, "VARNISH_URLS": [site]}
    cached(site, "/a/", "/b/", "/c/")
    purge.purge(["story-1"])
    assert [verdict(site, p) for p in ("/a/", "/b/", "/c/")] == ["MISS", "HIT", "HIT"]
    purge.purge(["tag-جهان", "section-world"])
    assert [verdict(site, p) for p in ("/b/", "/c/")] == ["MISS", "MISS"]


@pytest.mark.parametrize("everything", [[], ["*"], None, ["story-1", "*"]])
def test_no_keys_or_a_star_purge_the_whole_site(edge, settings, everything):
    site, _ = edge
    settings.NEWSROOM = {**settings.NEWSROOM, "VARNISH_URLS": [site]}
    cached(site, "/a/", "/b/", "/untagged/")
    purge.purge(everything)
    assert [verdict(site, p) for p in ("/a/", "/b/", "/untagged/")] == ["MISS"] * 3


def test_private_answers_and_cookies_are_never_cached(edge):
    site, _ = edge
    for path in ("/private/", "/cookie/"):
        fetch(site + path)
        assert verdict(site, path) != "HIT", path
    fetch(site + "/a/")
    assert fetch(site + "/a/", Cookie="sessionid=abc")[1]["X-Cache"] == "PASS"
    assert fetch(site + "/a/", Authorization="Bearer nrk_x")[1]["X-Cache"] == "PASS"
    assert fetch(site + "/a/", Cookie="_ga=1")[1]["X-Cache"] == "HIT"  # others are ignored


def test_a_purge_no_varnish_took_raises_so_the_outbox_retries(edge, settings):
    site, backend = edge
    closed = f"http://127.0.0.1:{free_port()}"
    not_varnish = f"http://127.0.0.1:{backend.server_address[1]}"  # answers PURGE with 501
    for varnishes in ([closed], [site, closed], [not_varnish]):
        settings.NEWSROOM = {**settings.NEWSROOM, "VARNISH_URLS": varnishes}
        with pytest.raises(purge.PurgeFailed):
            purge.purge(["story-1"])
    settings.NEWSROOM = {**settings.NEWSROOM, "VARNISH_URLS": []}
    purge.purge(["story-1"])  # no Varnish: nothing to do


def test_with_the_backends_down_a_kept_page_is_served_but_never_a_purged_one(edge, settings):
    site, backend = edge
    settings.NEWSROOM = {**settings.NEWSROOM, "VARNISH_URLS": [site]}
    cached(site, "/a/", "/b/")
    backend.shutdown()
    backend.server_close()
    time.sleep(1.5)  # the probe marks it sick
    assert verdict(site, "/a/") == "HIT"
    purge.purge(["story-1"])
    status, headers, _ = fetch(site + "/a/")
    assert status == 503 and headers["X-Cache"] != "HIT"
    assert verdict(site, "/b/") == "HIT"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_purge_that_failed_is_delivered_by_the_outbox_once_varnish_answers(edge, settings):
    site, _ = edge
    hook = "articles.purge.purge"
    settings.NEWSROOM = {**settings.NEWSROOM, "PURGE_HOOK": hook, "VARNISH_URLS": [site]}
    cached(site, "/a/")
    settings.NEWSROOM = {**settings.NEWSROOM, "VARNISH_URLS": [f"http://127.0.0.1:{free_port()}"]}
    invalidate_pages("a takedown while Varnish is unreachable")  # commits; the hook fails
    change = Invalidation.objects.latest("pk")
    assert change.delivered_at is None
    assert verdict(site, "/a/") == "HIT"
    settings.NEWSROOM = {**settings.NEWSROOM, "VARNISH_URLS": [site]}
    assert deliver_invalidation.call(change.pk) is True
    change.refresh_from_db()
    assert change.delivered_at is not None
    assert verdict(site, "/a/") == "MISS"
