"""Server-side render time and SQL queries per page, measured in-process and warm.

    .venv/bin/python bench/render.py [--repeat 30] [--json results.json]

Runs the site's own middleware and views through Django's test client, with the
production settings (DJANGO_DEBUG=0, PostgreSQL from ``DATABASE_URL``, default the
``newsroom_bench`` database, and Redis from ``BENCH_REDIS_URL``, default database 14),
so the figures leave out only the HTTP server and the network. For each page: the
median and 90th percentile of ``--repeat`` requests after three warm-up requests, and
the SQL queries of one warm request, three times: with no cache of the project's at
all (the page cache off, and the stored story renderings ignored: every request
renders the article and cards from their templates), with the page cache off but the
stored renderings used (a page after a publication, when it misses), and with the page
cache on. Then the admin's story list for a superuser.
"""

import argparse
import contextlib
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/newsroom_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
ADMIN_USERNAME = "bench-admin"


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def configure(static_root: str) -> None:
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.update(
        REDIS_URL=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL),
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="testserver",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SETTINGS_MODULE="bench.settings",
        BENCH_STATIC_ROOT=static_root,
        DJANGO_LOG_LEVEL="WARNING",
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)


def measure(client, url: str, repeat: int) -> dict:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        client.cookies.pop("csrftoken", None)
        client.get(url)
    client.cookies.pop("csrftoken", None)
    # Each request empties the query log when it starts; so must the count.
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    # Read now: captured_queries is a view of the log, which the next request empties.
    captured = list(queries.captured_queries)
    load = loadavg()
    times = []
    for _ in range(repeat):
        # A reader has no cookies; one set by a page (CSRF) would bypass the page cache.
        client.cookies.pop("csrftoken", None)
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    slowest = max(captured, key=lambda q: float(q["time"]), default=None)
    return {
        "url": url,
        "status": response.status_code,
        "x_cache": response.get("X-Cache", "none"),
        "median_ms": statistics.median(times) if times else None,
        "p90_ms": statistics.quantiles(times, n=10)[-1] if len(times) > 1 else None,
        "min_ms": min(times, default=None),
        "queries": len(captured),
        "sql": [{"ms": float(q["time"]) * 1000, "sql": q["sql"]} for q in captured],
        "slowest_query": (
            {"ms": float(slowest["time"]) * 1000, "sql": slowest["sql"]} if slowest else None
        ),
        "load": load,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=30, help="Timed requests per page.")
    parser.add_argument("--admin-repeat", type=int, default=10)
    parser.add_argument("--json", type=Path, help="Also write every figure to this file.")
    parser.add_argument("--sql", action="store_true", help="Print each page's slowest query.")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="newsroom-render-") as tmp:
        configure(str(Path(tmp) / "static"))
        data = run(args)
    if args.json:
        args.json.write_text(json.dumps(data, indent=2))
    print(report(data, sql=args.sql))


#: Nothing cached; the page cache off with stored renderings (a page rendered after a
#: publication, when it misses); whole pages cached. (page cache seconds, renderings)
MODES = {
    "uncached": (0, False),
    "rendered": (0, True),
    "cached": (600, True),
}


@contextlib.contextmanager
def renderings(used: bool):
    """Stored story renderings used, or not: every request renders, nothing is kept
    (as ``BENCH_RENDER_ONCE=0`` does in ``bench/wsgi.py``)."""
    from articles import rendering

    if used:
        yield
        return
    fresh, store = rendering.is_fresh, rendering._store
    rendering.is_fresh = lambda story, stored: False
    rendering._store = lambda made: [made_rendering for made_rendering, _ in made]
    try:
        yield
    finally:
        rendering.is_fresh, rendering._store = fresh, store


def run(args) -> dict:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.test import Client
    from django.test.utils import override_settings

    from bench.targets import pick

    targets = pick()
    pages = targets["pages"]
    data = {
        "load": loadavg(),
        "targets": {k: v for k, v in targets.items() if k not in ("mixed", "storm", "stories")},
    }
    client = Client()
    cache.clear()
    for mode, (seconds, used) in MODES.items():
        data[mode] = {}
        page_cache = {**settings.NEWSROOM, "PAGE_CACHE_SECONDS": seconds}
        with override_settings(NEWSROOM=page_cache), renderings(used):
            for page in pages:
                print(f"{mode}: {page['name']} {page['url']}", file=sys.stderr, flush=True)
                data[mode][page["name"]] = measure(client, page["url"], args.repeat)
            if mode == "uncached":
                data["alternates"] = {
                    name: measure(client, url, 0) for name, url in targets["alternates"].items()
                }

    admin, _ = get_user_model().objects.get_or_create(
        username=ADMIN_USERNAME, defaults={"is_staff": True, "is_superuser": True}
    )
    staff = Client()
    staff.force_login(admin)
    data["admin"] = {}
    for name, url in (
        ("story list", "/admin/articles/story/"),
        ("story list, page 100", "/admin/articles/story/?p=100"),
        ("story list, search", "/admin/articles/story/?q=ferry+timetable"),
    ):
        print(f"admin: {url}", file=sys.stderr, flush=True)
        data["admin"][name] = measure(staff, url, args.admin_repeat)
    return data


def report(data: dict, sql: bool = False) -> str:
    lines = [
        f"Published stories: {data['targets']['published']:,}; load before: {data['load']}",
        "",
        "| page | uncached median ms | p90 ms | SQL queries | renderings stored median ms "
        "| p90 ms | cached median ms | SQL queries | status | load |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for name, off in data["uncached"].items():
        cards, on = data["rendered"][name], data["cached"][name]
        lines.append(
            f"| {name} `{off['url']}` | {off['median_ms']:.1f} | {off['p90_ms']:.1f} "
            f"| {off['queries']} | {cards['median_ms']:.1f} | {cards['p90_ms']:.1f} "
            f"| {on['median_ms']:.2f} ({on['x_cache']}) | {on['queries']} "
            f"| {off['status']} | {off['load']} |"
        )
    lines += ["", "| same kind, another page | SQL queries | status |", "|---|---:|---|"]
    for name, page in data["alternates"].items():
        lines.append(f"| {name} `{page['url']}` | {page['queries']} | {page['status']} |")
    lines += ["", "| admin page | median ms | p90 ms | SQL queries | status |"]
    lines.append("|---|---:|---:|---:|---|")
    for name, page in data["admin"].items():
        lines.append(
            f"| {name} `{page['url']}` | {page['median_ms']:.1f} | {page['p90_ms']:.1f} "
            f"| {page['queries']} | {page['status']} |"
        )
    if sql:
        lines.append("")
        for group in ("uncached", "admin"):
            for name, page in data[group].items():
                slow = page["slowest_query"]
                if slow:
                    lines.append(
                        f"{group} {name}: slowest query {slow['ms']:.1f} ms\n  {slow['sql']}"
                    )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
