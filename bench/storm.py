"""Publish storm: readers' load while the desk publishes and corrects, against the same
load with nobody publishing.

    .venv/bin/python bench/storm.py [--duration 120] [--json storm.json]

Two runs, each on a fresh gunicorn (``bench.wsgi``, 2 sync workers, page cache on,
Redis flushed) warmed with one request to each address of the mix, then
``wrk -c64`` for ``--duration`` seconds over 5,000 addresses drawn as home 30%,
story 50% (2,000 stories), section 10%, author 5%, search 5% (``bench/targets.py``):

1. ``quiet``: nobody publishes;
2. ``storm``: a separate process (this file, ``publish``) publishes one of the drafts
   it prepared every ``--publish-every`` seconds (10) and corrects one of the stories
   readers are reading every ``--correct-every`` seconds (30), through the workflow
   (``workflow.transition(story, "publish")``, ``workflow.correct``), as the admin's
   buttons do. Once each change is acknowledged (the call returned: committed, and
   the invalidation delivered), it asks the server for the pages that must show it
   (the story; for a publication, home, its section and its first author) and counts
   any that does not: a stale page.

Drafts are made before the quiet run (slugs ``bench-storm-…``; an earlier run's are
deleted first) and published with the house rules off (``NEWSROOM_HOUSE_RULES=0``
in the publisher: they are whole stories, but the rules are the desk's business, not
the benchmark's). Every server and process it starts is stopped at the end.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import load  # noqa: E402

PREFIX = "bench-storm-"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the publisher (a process of its own) ----------------------------------------------


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()


def prepare(count: int) -> None:
    """Delete an earlier run's storm stories; make ``count`` drafts ready to publish."""
    _django()
    from django.db.models import Count

    from articles import workflow
    from articles.models import Author, BriefingLabel, BriefingSection, Byline, Section, Story, Tag

    for story in Story.objects.filter(slug__startswith=PREFIX):
        story.delete()
    sections = list(Section.objects.order_by("position", "pk"))
    # Authors whose pages readers load in the mix (the first 200 by id, targets.py).
    authors = list(Author.objects.order_by("pk")[:200])
    tags = list(Tag.objects.annotate(n=Count("stories")).order_by("-n", "pk")[:5])
    why = BriefingLabel.objects.filter(slug="why-it-matters").first()
    for n in range(count):
        story = Story.objects.create(
            headline=f"Storm story {n + 1}: harbour talks resume in Eastport",
            slug=f"{PREFIX}{n + 1}",
            lede="Port workers and the city council met again on Thursday, a move that "
            "will affect about 5,000 commuters.",
            section=sections[n % len(sections)],
        )
        Byline.objects.create(story=story, author=authors[n % len(authors)], position=0)
        BriefingSection.objects.create(
            story=story,
            position=0,
            label=why,
            body="<p>The harbour carries a third of the region's freight.</p>",
        )
        story.tags.set(tags[: 1 + n % 3])
        workflow.save_revision(story, None, "Storm draft")
    print(json.dumps({"drafts": count}))


def _fetch(base: str, path: str) -> dict:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(base + path, timeout=60) as response:
            body = response.read().decode()
            status, cache = response.status, response.headers.get("X-Cache", "")
    except urllib.error.HTTPError as error:
        body, status, cache = "", error.code, error.headers.get("X-Cache", "")
    return {
        "path": path,
        "status": status,
        "x_cache": cache,
        "ms": (time.perf_counter() - started) * 1000,
        "body": body,
    }


def publish(base: str, duration: float, every: float, correct_every: float, hot: list[str]):
    """Publish a draft every ``every`` seconds and correct a hot story every
    ``correct_every`` seconds for ``duration`` seconds; check each change is on the pages
    that show it as soon as it is acknowledged. One JSON line per change."""
    _django()
    from django.utils.html import escape

    from articles import workflow
    from articles.models import Story

    drafts = list(
        Story.objects.filter(slug__startswith=PREFIX, live_revision__isnull=True)
        .select_related("section")
        .order_by("pk")
    )
    slugs = [path.rstrip("/").rsplit("/", 1)[-1] for path in hot]
    started = time.monotonic()
    plan = [(t, "publish") for t in _times(every, duration)]
    plan += [(t, "correct") for t in _times(correct_every, duration)]
    plan.sort()
    for n, (at, kind) in enumerate(plan):
        time.sleep(max(0.0, started + at - time.monotonic()))
        t0 = time.perf_counter()
        if kind == "publish":
            if not drafts:
                continue
            story = drafts.pop(0)
            workflow.transition(story, "publish", None)
            story.refresh_from_db()
            expect = escape(story.headline)
            author = story.bylines.select_related("author").first().author
            paths = [
                story.get_absolute_url(),
                "/",
                story.section.get_absolute_url(),
                author.get_absolute_url(),
            ]
        else:
            story = Story.objects.get(slug=slugs[n % len(slugs)])
            expect = f"Storm correction {n}: an earlier version misstated the date."
            workflow.correct(story, "correction", expect, None)
            expect = escape(expect)
            paths = [story.get_absolute_url()]
        acknowledged_ms = (time.perf_counter() - t0) * 1000
        probes = []
        for path in paths:
            probe = _fetch(base, path)
            probe["fresh"] = probe["status"] == 200 and expect in probe.pop("body")
            probes.append(probe)
        print(
            json.dumps(
                {
                    "t": round(time.monotonic() - started, 2),
                    "kind": kind,
                    "story": story.pk,
                    "acknowledged_ms": round(acknowledged_ms, 1),
                    "probes": probes,
                }
            ),
            flush=True,
        )


def _times(every: float, duration: float) -> list[float]:
    times, t = [], every / 2
    while t < duration:
        times.append(t)
        t += every
    return times


# --- the runs ----------------------------------------------------------------------------


def warm(port: int, paths: list[str], concurrency: int = 8) -> dict:
    """One request to each address: the runs measure a warm site, not a cold start."""
    todo = sorted(set(paths))
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def worker():
        while True:
            with lock:
                if not todo:
                    return
                path = todo.pop()
            status = load.get(port, path)[0]
            with lock:
                statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"addresses": len(set(paths)), "statuses": statuses}


def run_once(env, tmpdir: Path, name: str, urls_file: Path, paths: list[str], args, storm: bool):
    load.flush_redis(os.environ.get("BENCH_REDIS_URL", load.DEFAULT_REDIS_URL))
    log(f"{name}: starting gunicorn")
    with load.Server(env, load.CACHE_ON, tmpdir, name) as server:
        log(f"{name}: warming {len(set(paths)):,} addresses")
        warmed = warm(server.port, paths)
        time.sleep(2)
        publisher, events = None, []
        if storm:
            hot = [p for p in paths if p.count("/") == 5][:50]  # story addresses
            publisher = subprocess.Popen(
                [
                    sys.executable,
                    __file__,
                    "publish",
                    "--base",
                    server.base,
                    "--duration",
                    str(args.duration),
                    "--publish-every",
                    str(args.publish_every),
                    "--correct-every",
                    str(args.correct_every),
                    "--hot",
                    ",".join(hot),
                ],
                cwd=ROOT,
                env={**env, "NEWSROOM_HOUSE_RULES": "0"},
                stdout=subprocess.PIPE,
                stderr=(tmpdir / "publisher.log").open("w"),
                text=True,
            )
            reader = threading.Thread(
                target=lambda: events.extend(json.loads(line) for line in publisher.stdout),
                daemon=True,
            )
            reader.start()
        log(
            f"{name}: wrk {args.duration}s at {args.connections} connections (load {load.loadavg()})"
        )
        try:
            result = load.wrk(
                server.base,
                duration=args.duration,
                connections=args.connections,
                script_args=[urls_file],
            )
        finally:
            if publisher is not None:
                try:
                    publisher.wait(timeout=120)
                except subprocess.TimeoutExpired:
                    publisher.kill()
                    publisher.wait()
                reader.join(timeout=10)
        if publisher is not None and publisher.returncode:
            log(f"publisher failed:\n{(tmpdir / 'publisher.log').read_text()[-3000:]}")
    result = load.without_raw(result)
    result["warm"] = warmed
    if storm:
        result["events"] = events
    return result


def summary(run: dict) -> dict:
    counts = run.get("x_cache_counts", {})
    served = sum(counts.values()) or 1
    out = {
        "requests": run.get("requests", 0),
        "rps": run.get("rps", 0.0),
        "p50": run.get("p50", 0.0),
        "p99": run.get("p99", 0.0),
        "non_2xx_3xx": run.get("non_2xx_3xx", 0),
        "socket_errors": sum(run.get("socket_errors", {}).values()),
        "statuses": run.get("statuses", {}),
        "hit_ratio": counts.get("hit", 0) / served,
        "x_cache": counts,
        "load": run.get("load", ""),
    }
    events = run.get("events")
    if events is not None:
        probes = [p for e in events for p in e["probes"]]
        out["publications"] = sum(e["kind"] == "publish" for e in events)
        out["corrections"] = sum(e["kind"] == "correct" for e in events)
        out["probes"] = len(probes)
        out["stale"] = sum(not p["fresh"] for p in probes)
        out["acknowledged_ms_median"] = (
            statistics.median(e["acknowledged_ms"] for e in events) if events else 0
        )
        out["probe_ms_median"] = statistics.median(p["ms"] for p in probes) if probes else 0
    return out


def report(data: dict) -> str:
    quiet, storm = summary(data["quiet"]), summary(data["storm"])
    ratio = storm["rps"] / quiet["rps"] if quiet["rps"] else 0
    lines = [
        f"Published stories: {data['published']:,}; {data['connections']} connections, "
        f"{data['duration']} s each",
        "",
        "| run | requests | req/s | p50 ms | p99 ms | non-2xx/3xx | socket errors "
        "| hit ratio | load before |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, s in (("no publishing", quiet), ("publish storm", storm)):
        lines.append(
            f"| {name} | {s['requests']:,} | {s['rps']:,.0f} | {s['p50']:.1f} | {s['p99']:.1f} "
            f"| {s['non_2xx_3xx']} | {s['socket_errors']} | {s['hit_ratio']:.1%} | {s['load']} |"
        )
    lines += [
        "",
        f"- Storm throughput: {ratio:.0%} of the run without publishing.",
        f"- {storm['publications']} publications and {storm['corrections']} corrections; "
        f"median time to acknowledge {storm['acknowledged_ms_median']:.0f} ms.",
        f"- Pages checked right after each acknowledgement: {storm['probes']}, stale: "
        f"**{storm['stale']}** (median answer {storm['probe_ms_median']:.0f} ms, under load).",
        f"- Statuses: quiet {quiet['statuses']}, storm {storm['statuses']}.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command")
    pub = sub.add_parser("publish", help="(internal) the publishing process")
    pub.add_argument("--base", required=True)
    pub.add_argument("--duration", type=float, required=True)
    pub.add_argument("--publish-every", type=float, required=True)
    pub.add_argument("--correct-every", type=float, required=True)
    pub.add_argument("--hot", required=True)
    prep = sub.add_parser("prepare", help="(internal) make the drafts")
    prep.add_argument("--count", type=int, required=True)
    parser.add_argument("--duration", type=int, default=120)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--publish-every", type=float, default=10)
    parser.add_argument("--correct-every", type=float, default=30)
    parser.add_argument("--json", type=Path, help="Also write every figure to this file.")
    args = parser.parse_args()

    if args.command == "publish":
        publish(
            args.base, args.duration, args.publish_every, args.correct_every, args.hot.split(",")
        )
        return
    if args.command == "prepare":
        prepare(args.count)
        return

    redis_url = os.environ.get("BENCH_REDIS_URL", load.DEFAULT_REDIS_URL)
    with tempfile.TemporaryDirectory(prefix="newsroom-storm-") as tmp:
        tmpdir = Path(tmp)
        env = load.environment(str(tmpdir / "static"), redis_url)
        log("collectstatic into a temporary STATIC_ROOT…")
        load.manage(env, "collectstatic", "--noinput", "-v0")
        drafts = int(args.duration // args.publish_every) + 2
        log(f"preparing {drafts} drafts…")
        subprocess.run(
            [sys.executable, __file__, "prepare", "--count", str(drafts)],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=600,
        )
        log("choosing addresses…")
        shell = "from bench.targets import print_json; print_json()"
        targets = json.loads(load.manage(env, "shell", "-c", shell).strip().splitlines()[-1])
        urls_file = tmpdir / "storm.txt"
        urls_file.write_text("\n".join(targets["storm"]) + "\n")
        data = {
            "machine": load.machine(env["DATABASE_URL"]),
            "published": targets["published"],
            "duration": args.duration,
            "connections": args.connections,
        }
        data["quiet"] = run_once(env, tmpdir, "quiet", urls_file, targets["storm"], args, False)
        data["storm"] = run_once(env, tmpdir, "storm", urls_file, targets["storm"], args, True)
        data["summary"] = {"quiet": summary(data["quiet"]), "storm": summary(data["storm"])}
    if args.json:
        args.json.write_text(json.dumps(data, indent=2, default=str))
    print(report(data))


if __name__ == "__main__":
    main()
