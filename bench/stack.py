"""Figures of the production topology (`scripts/stack`), on loopback only.

    .venv/bin/python bench/stack.py [--duration 10] [--connections 32] [--publishes 5]
                                    [--storm 40] [--desks 4] [--readers 4]
                                    [--dir DIR] [--json results.json]

1. A cached story through Varnish, requests/s with wrk, as a ratio of nginx serving
   the same HTML as a static file, in the same run (wrk and both servers share the
   machine's two cores, so the ratio is what compares).
2. Publish through the admin → the story on the home page at Varnish (purged by the
   app's hook, rendered fresh), and unpublish → 404 at Varnish: each timed from the
   moment the admin answered the editor's click, ``--publishes`` times.
3. A publish storm: ``--storm`` drafts published at once by ``--desks`` editors while
   ``--readers`` readers load the home page through Varnish; how fast the admin
   answers, how soon each story's page (a cached 404 before) is there at Varnish, and
   what readers got meanwhile.

Brings the stack up in DIR (a temporary folder by default) and down at the end,
unless DIR already holds a running stack (then it is left running). Every request
goes to 127.0.0.1 and every loop is bounded. Standard library only (and wrk).
"""

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STACK = ROOT / "scripts" / "stack"
NGINX_CONF = """worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {folder}/tmp;
    proxy_temp_path {folder}/tmp;
    fastcgi_temp_path {folder}/tmp;
    uwsgi_temp_path {folder}/tmp;
    scgi_temp_path {folder}/tmp;
    sendfile on;
    tcp_nopush on;
    open_file_cache max=100;
    server {{
        listen 127.0.0.1:{port};
        root {folder}/www;
        default_type text/html;
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Client:
    """Cookies, no redirects, behind the TLS proxy production has (X-Forwarded-Proto)."""

    def __init__(self, base: str):
        self.base = base.rstrip("/")
        self.jar = http.cookiejar.CookieJar(
            http.cookiejar.DefaultCookiePolicy(secure_protocols=("https", "http"))
        )

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect
        )

    def request(self, method: str, path: str, fields: dict | None = None):
        headers = {"X-Forwarded-Proto": "https"}
        body = None
        if fields is not None:
            token = next((c.value for c in self.jar if c.name == "csrftoken"), "")
            body = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": token}).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = self.base.replace("http://", "https://") + path
        request = urllib.request.Request(self.base + path, body, headers, method=method)
        try:
            with self.opener.open(request, timeout=30) as answer:
                return answer.status, answer.headers, answer.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode("utf-8", "replace")

    def sign_in(self, username: str, password: str) -> None:
        self.request("GET", "/admin/login/")
        status, _, _ = self.request(
            "POST", "/admin/login/?next=/admin/", {"username": username, "password": password}
        )
        if status != 302:
            raise SystemExit(f"could not sign in as {username}")


def wrk(url: str, duration: int, connections: int) -> float:
    done = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
        timeout=duration + 30,
    )
    found = re.search(r"Requests/sec:\s+([\d.]+)", done.stdout)
    if not found or "Non-2xx" in done.stdout:
        raise SystemExit(f"wrk: {done.stdout}")
    return float(found.group(1))


def version_of(client: Client, story_id: int, step: str) -> dict:
    _, _, page = client.request("GET", f"/admin/articles/story/{story_id}/change/")
    form = re.search(rf'<form[^>]*action="([^"]*/transition/{step}/)"(.*?)</form>', page, re.DOTALL)
    version = re.search(r'name="version" value="(\d+)"', form.group(2))
    return {"action": form.group(1), "version": version.group(1)}


def timed_publications(site: str, rounds: int) -> dict:
    desk = Client(site)
    # The administrator, who may publish despite the house rules (a bench story is short).
    desk.sign_in("admin", "newsroom-admin")
    reader = Client(site)
    publish, unpublish = [], []
    for n in range(rounds):
        headline = f"Bench story {n} {int(time.time())}"
        _status, headers, _ = desk.request(
            "POST",
            "/admin/articles/story/import/",
            {
                "text": f"{headline}\n\nA lede for the bench.\n\nWhy it matters\n\nTiming.\n\nBench Writer\n"
            },
        )
        story_id = int(re.search(r"/story/(\d+)/", headers["Location"]).group(1))
        reader.request("GET", "/")
        reader.request("GET", "/")  # cached at Varnish
        form = version_of(desk, story_id, "publish")
        desk.request(
            "POST", form["action"], {"version": form["version"], "override_reason": "Benchmark"}
        )
        clicked = time.monotonic()
        deadline = clicked + 10
        path = None
        while time.monotonic() < deadline:
            _, _, home = reader.request("GET", "/")
            if headline in home:
                publish.append(time.monotonic() - clicked)
                slug = re.sub(r"[^a-z0-9]+", "-", headline.lower())
                path = next(p for p in re.findall(r'href="([^"]+)"', home) if slug in p)
                break
            time.sleep(0.01)
        if path is None:
            raise SystemExit(f"{headline!r} never reached the home page at Varnish")
        story = path
        reader.request("GET", story)
        reader.request("GET", story)  # cached
        form = version_of(desk, story_id, "unpublish")
        desk.request("POST", form["action"], {"version": form["version"]})
        clicked = time.monotonic()
        while time.monotonic() < clicked + 10:
            if reader.request("GET", story)[0] == 404:
                unpublish.append(time.monotonic() - clicked)
                break
            time.sleep(0.01)
    return {
        "publish_to_fresh_at_varnish_s": {
            "median": statistics.median(publish),
            "max": max(publish),
            "all": publish,
        },
        "unpublish_to_404_at_varnish_s": {
            "median": statistics.median(unpublish),
            "max": max(unpublish),
            "all": unpublish,
        },
    }


def spread(values: list[float]) -> dict:
    ordered = sorted(values)
    return {
        "median": statistics.median(ordered),
        "p95": ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))],
        "max": ordered[-1],
    }


def publish_storm(site: str, stories: int, desks: int, readers: int) -> dict:
    """``stories`` drafts published at once by ``desks`` editors while ``readers`` load
    the home page through Varnish."""
    setup = Client(site)
    setup.sign_in("admin", "newsroom-admin")
    stamp = int(time.time())
    drafts = []
    for n in range(stories):
        headline = f"Storm story {n} {stamp}"
        _status, headers, _ = setup.request(
            "POST",
            "/admin/articles/story/import/",
            {
                "text": f"{headline}\n\nA lede for the storm.\n\nWhy it matters\n\nLoad.\n\nBench Writer\n"
            },
        )
        story_id = int(re.search(r"/story/(\d+)/", headers["Location"]).group(1))
        slug = re.sub(r"[^a-z0-9]+", "-", headline.lower()).strip("-")
        drafts.append((story_id, slug))
    today = datetime.now(UTC).strftime("/%Y/%m/%d/")
    paths = {story_id: f"{today}{slug}/" for story_id, slug in drafts}
    prime = Client(site)
    for path in paths.values():  # each story's address, a 404 cached at Varnish
        prime.request("GET", path)

    stop = threading.Event()
    reads: list[tuple[float, int, str]] = []

    def read() -> None:
        reader = Client(site)
        while not stop.is_set():
            started = time.monotonic()
            status, headers, _ = reader.request("GET", "/")
            reads.append((time.monotonic() - started, status, headers.get("X-Cache", "")))

    queue = list(drafts)
    lock = threading.Lock()
    answered: dict[int, float] = {}
    admin: list[float] = []
    failed: list[int] = []

    def publish() -> None:
        desk = Client(site)
        desk.sign_in("admin", "newsroom-admin")
        while True:
            with lock:
                if not queue:
                    return
                story_id, _slug = queue.pop()
            form = version_of(desk, story_id, "publish")
            started = time.monotonic()
            status, _, _ = desk.request(
                "POST", form["action"], {"version": form["version"], "override_reason": "Storm"}
            )
            done = time.monotonic()
            with lock:
                admin.append(done - started)
                answered[story_id] = done
                if status != 302:
                    failed.append(status)

    reading = [threading.Thread(target=read) for _ in range(readers)]
    for thread in reading:
        thread.start()
    time.sleep(1)
    began = time.monotonic()
    publishing = [threading.Thread(target=publish) for _ in range(desks)]
    for thread in publishing:
        thread.start()
    fresh: dict[int, float] = {}
    checker = Client(site)
    deadline = time.monotonic() + 120
    while len(fresh) < stories and time.monotonic() < deadline:
        for story_id, when in list(answered.items()):
            if story_id not in fresh and checker.request("GET", paths[story_id])[0] == 200:
                fresh[story_id] = time.monotonic() - when
        time.sleep(0.01)
    for thread in publishing:
        thread.join()
    storm_seconds = max(answered.values()) - began
    stop.set()
    for thread in reading:
        thread.join()
    if len(fresh) < stories:
        raise SystemExit(f"{stories - len(fresh)} storm stories never reached Varnish")
    return {
        "storm": {
            "stories": stories,
            "desks": desks,
            "readers": readers,
            "publish_failures": len(failed),
            "publishes_per_s": stories / storm_seconds,
            "admin_publish_s": spread(admin),
            "published_to_200_at_varnish_s": spread(list(fresh.values())),
            "reader_requests": len(reads),
            "reader_errors": sum(1 for _, status, _ in reads if status != 200),
            "reader_hit_ratio": sum(1 for *_, cache in reads if cache == "HIT") / len(reads),
            "reader_latency_s": spread([latency for latency, _, _ in reads]),
        }
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--publishes", type=int, default=5)
    parser.add_argument("--storm", type=int, default=40, help="stories published at once")
    parser.add_argument("--desks", type=int, default=4, help="editors publishing at once")
    parser.add_argument("--readers", type=int, default=4, help="readers during the storm")
    parser.add_argument("--dir", help="the stack's folder (a running stack is reused)")
    parser.add_argument("--json", help="write the figures here too")
    options = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y wrk")

    folder = Path(options.dir or tempfile.mkdtemp(prefix="newsroom-bench-stack-"))
    env = {**os.environ, "NEWSROOM_STACK_DIR": str(folder)}
    started = subprocess.run([str(STACK), "status"], env=env, capture_output=True).returncode != 0
    nginx = None
    static = None
    try:
        if started:
            log("Bringing the stack up…")
            subprocess.run([str(STACK), "up"], env=env, check=True, stdout=subprocess.DEVNULL)
        state = json.loads((folder / "state.json").read_text())
        site = state["urls"]["site"].rstrip("/")

        reader = Client(site)
        _, _, home = reader.request("GET", "/")
        story = re.findall(r'href="(/\d{4}/\d{2}/\d{2}/[^"/]+/)"', home)[0]
        for _ in range(3):
            _status, headers, html = reader.request("GET", story)
        assert headers["X-Cache"] == "HIT", headers

        static = Path(tempfile.mkdtemp(prefix="newsroom-bench-nginx-"))
        static.chmod(0o755)  # nginx's workers run as a user of their own
        (static / "www").mkdir()
        (static / "tmp").mkdir()
        (static / "www" / "story.html").write_text(html)
        port = free_port()
        (static / "nginx.conf").write_text(NGINX_CONF.format(folder=static, port=port))
        nginx = subprocess.Popen(
            [
                shutil.which("nginx") or "/usr/sbin/nginx",
                "-c",
                str(static / "nginx.conf"),
                "-p",
                str(static),
                "-e",
                str(static / "error.log"),
                "-g",
                "daemon off;",
            ],
            start_new_session=True,
        )
        time.sleep(0.5)

        log(f"wrk: {options.duration} s at {options.connections} connections, each…")
        varnish = wrk(site + story, options.duration, options.connections)
        static_rps = wrk(
            f"http://127.0.0.1:{port}/story.html", options.duration, options.connections
        )
        figures = {
            "story": story,
            "bytes": len(html.encode()),
            "varnish_cached_story_rps": varnish,
            "nginx_static_file_rps": static_rps,
            "ratio": varnish / static_rps,
            "loadavg": Path("/proc/loadavg").read_text().split()[:3],
        }
        log("Publishing and unpublishing through the admin…")
        figures |= timed_publications(site, options.publishes)
        log(f"A publish storm: {options.storm} stories by {options.desks} editors at once…")
        figures |= publish_storm(site, options.storm, options.desks, options.readers)
        print(json.dumps(figures, indent=2))
        if options.json:
            Path(options.json).write_text(json.dumps(figures, indent=2))
    finally:
        if nginx and nginx.poll() is None:
            nginx.terminate()
            nginx.wait(timeout=10)
        if static:
            shutil.rmtree(static, ignore_errors=True)
        if started:
            subprocess.run([str(STACK), "down"], env=env, stdout=subprocess.DEVNULL)
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
