"""Uncached story page: Newsroom against Wagtail 8, same machine, same gunicorn settings.

    bash bench/wagtail/build.sh                 # once: /tmp/newsroom-wagtail
    .venv/bin/python bench/wagtail/compare.py [--rounds 3] [--duration 8] [--json out.json]

Three gunicorn servers (``--workers 2``, sync, loopback), each started once:
Wagtail's project with a StoryPage of 2,000 (out of the box: no page cache, no
frontend cache), Newsroom with no cache of its own (``NEWSROOM_PAGE_CACHE_SECONDS=0``,
``BENCH_RENDER_ONCE=0``: every request renders the story's templates) and Newsroom
with stored renderings but no page cache. ``wrk -c32`` alternates between them,
round after round, on a story in the middle of each archive, so each figure shares
the machine's state with the others.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))

from bench import load  # noqa: E402

WAGTAIL_DIR = Path(os.environ.get("WAGTAIL_DIR", "/tmp/newsroom-wagtail"))
WAGTAIL_DATABASE_URL = os.environ.get(
    "WAGTAIL_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/newsroom_bench_wagtail"
)


class WagtailServer(load.Server):
    """Wagtail's project under the same gunicorn settings as ours."""

    def __enter__(self):
        self.proc = subprocess.Popen(
            [
                str(WAGTAIL_DIR / "venv" / "bin" / "gunicorn"),
                "benchsite.wsgi",
                "--workers",
                str(load.WORKERS),
                "--bind",
                f"127.0.0.1:{self.port}",
            ],
            cwd=WAGTAIL_DIR / "site",
            env=self.env,
            stdout=self.logfile.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                if load.get(self.port, self.health)[0] == 200 and len(self.workers()) == 2:
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        sys.exit(f"Wagtail did not start; its log:\n{self.logfile.read_text()[-3000:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--wagtail-page", default="/story-1000/")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if not (WAGTAIL_DIR / "venv" / "bin" / "gunicorn").exists():
        sys.exit(f"No Wagtail build in {WAGTAIL_DIR}: run bash bench/wagtail/build.sh first.")

    redis_url = os.environ.get("BENCH_REDIS_URL", load.DEFAULT_REDIS_URL)
    with tempfile.TemporaryDirectory(prefix="newsroom-wagtail-") as tmp:
        tmpdir = Path(tmp)
        env = load.environment(str(tmpdir / "static"), redis_url)
        load.manage(env, "collectstatic", "--noinput", "-v0")
        shell = "from bench.targets import print_json; print_json()"
        targets = json.loads(load.manage(env, "shell", "-c", shell).strip().splitlines()[-1])
        story = next(p["url"] for p in targets["pages"] if p["name"] == "story")
        wagtail_env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "NEWSROOM_", "DATABASE_URL", "REDIS_URL"))
        }
        wagtail_env.update(
            DJANGO_SETTINGS_MODULE="benchsite.settings.production",
            WAGTAIL_DATABASE_URL=WAGTAIL_DATABASE_URL,
            DJANGO_SECRET_KEY=env["DJANGO_SECRET_KEY"],
        )
        load.flush_redis(redis_url)
        servers = {
            "wagtail": (
                WagtailServer(
                    wagtail_env,
                    0,
                    tmpdir,
                    "wagtail",
                    settings="benchsite.settings.production",
                    health=args.wagtail_page,
                ),
                args.wagtail_page,
            ),
            "newsroom, uncached": (
                load.Server(env, 0, tmpdir, "uncached", render_once=False),
                story,
            ),
            "newsroom, renderings stored": (load.Server(env, 0, tmpdir, "rendered"), story),
        }
        results = {name: {"url": url, "rounds": []} for name, (_, url) in servers.items()}
        started = [server.__enter__() for server, _ in servers.values()]
        try:
            for name, (server, url) in servers.items():
                status, _, size = load.get(server.port, url)
                results[name].update(status=status, bytes=size)
            for n in range(args.rounds):
                for name, (server, url) in servers.items():
                    load.log(f"round {n + 1}: {name} {url} (load {load.loadavg()})")
                    run = load.wrk(
                        server.base + url, duration=args.duration, connections=args.connections
                    )
                    load.drain(server, url)
                    results[name]["rounds"].append(load.without_raw(run))
        finally:
            for server in started:
                server.stop()
    for result in results.values():
        result.update(load.combine(result["rounds"]))
    wagtail = results["wagtail"]["rps"]
    lines = [
        f"Story page, {args.rounds} alternating rounds of {args.duration} s at "
        f"{args.connections} connections; {targets['published']:,} Newsroom stories, "
        "2,000 Wagtail pages",
        "",
        "| server | page | req/s (rounds) | vs Wagtail | p50 ms | p99 ms | non-2xx | KiB |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in results.items():
        rounds = " / ".join(f"{x.get('rps', 0):,.0f}" for x in r["rounds"])
        lines.append(
            f"| {name} | `{r['url']}` | {r['rps']:,.0f} ({rounds}) | "
            f"{r['rps'] / wagtail if wagtail else 0:.1f}× | {r['p50']:.1f} | {r['p99']:.1f} "
            f"| {r['non_2xx_3xx']} | {r['bytes'] / 1024:.1f} |"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    print("\n".join(lines))
    print(
        f"(median of rounds, Wagtail: {statistics.median(x.get('rps', 0) for x in results['wagtail']['rounds']):,.0f} req/s)"
    )


if __name__ == "__main__":
    main()
