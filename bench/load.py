"""Load benchmark of the reading site, served the way production serves it.

    .venv/bin/python bench/load.py [--duration 10] [--json results.json]

Starts ``gunicorn --workers 2`` on 127.0.0.1 serving the site (``bench.wsgi``: the
site's WSGI application) with DJANGO_DEBUG=0, PostgreSQL (``DATABASE_URL``, default
the ``newsroom_bench`` database) and Redis (``BENCH_REDIS_URL``, default database 14,
flushed first), and beside it, under the same gunicorn settings, the ceiling: a
separate minimal Django app (``bench/ceiling_app.py``: one view returning a fixed
string, SecurityMiddleware and CommonMiddleware only). It drives both with wrk on
loopback only, and measures:

1. each page in three modes, on a fresh server each: ``cached`` (the page cache on),
   ``rendered`` (the page cache off, stored story renderings used) and ``uncached``
   (the page cache off and ``BENCH_RENDER_ONCE=0``: no cache of the project's at
   all). For each page, ``--rounds`` rounds of ``--duration`` seconds at 32
   connections alternate with as many rounds of the ceiling app, and the page's
   requests per second are given as a share of the ceiling's in those same rounds;
2. a mixed load: 60 seconds at 64 connections over thousands of URLs picked at
   random (bench/mixed.lua), counting every status and socket error;
3. worker memory (VmRSS of each gunicorn worker) after 1,000 and 10,000 requests
   (sent by a small threaded client: wrk cannot stop after a count), on a fresh
   server: of that mix with the cache on (as in production), then of story pages
   only with the cache off (every request renders).

Every server it starts is stopped at the end, whatever happens. Standard library only.
"""

import argparse
import http.client
import json
import os
import random
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/newsroom_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
WORKERS = 2
CACHE_ON = 600


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"No VmRSS for process {pid}")


# --- environment ---------------------------------------------------------------------


def environment(static_root: str, redis_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL),
        REDIS_URL=redis_url,
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SETTINGS_MODULE="bench.settings",
        BENCH_STATIC_ROOT=static_root,
        DJANGO_LOG_LEVEL="WARNING",
    )
    return env


def manage(env, *args) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


def flush_redis(redis_url: str) -> None:
    match = re.fullmatch(r"redis://([^:/]+):(\d+)/(\d+)", redis_url)
    if not match:
        sys.exit(f"BENCH_REDIS_URL must look like redis://HOST:PORT/DB, not {redis_url!r}")
    host, port, db = match.groups()
    subprocess.run(
        ["redis-cli", "-h", host, "-p", port, "-n", db, "FLUSHDB"],
        check=True,
        capture_output=True,
        timeout=10,
    )


def machine(database_url: str) -> dict:
    def run(*cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip()
        except OSError:
            return "unknown"

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown",
    )
    redis = re.search(r"redis_version:(\S+)", run("redis-cli", "INFO", "server"))
    return {
        "nproc": run("nproc"),
        "cpu": cpu,
        "memory": run("free", "-h"),
        "redis": redis.group(1) if redis else "unknown",
        "postgresql": run("psql", database_url, "-Atc", "SHOW server_version"),
        "wrk": run("wrk", "-v").splitlines()[0] if run("wrk", "-v") else "unknown",
    }


# --- the server ----------------------------------------------------------------------

#: What each mode turns on: the page cache's seconds, and the stored story renderings.
MODES = {
    "cached": {"NEWSROOM_PAGE_CACHE_SECONDS": str(CACHE_ON), "BENCH_RENDER_ONCE": "1"},
    "rendered": {"NEWSROOM_PAGE_CACHE_SECONDS": "0", "BENCH_RENDER_ONCE": "1"},
    "uncached": {"NEWSROOM_PAGE_CACHE_SECONDS": "0", "BENCH_RENDER_ONCE": "0"},
}


class Server:
    """gunicorn as in production: sync workers, bound to loopback.

    ``app`` is the WSGI application: the site (``bench.wsgi``) or the ceiling app.
    """

    def __init__(
        self,
        env: dict,
        cache_seconds: int,
        logdir: Path,
        name: str,
        *,
        app: str = "bench.wsgi:application",
        settings: str = "bench.settings",
        health: str = "/healthz",
        render_once: bool = True,
    ):
        self.env = {
            **env,
            "NEWSROOM_PAGE_CACHE_SECONDS": str(cache_seconds),
            "BENCH_RENDER_ONCE": "1" if render_once else "0",
            "DJANGO_SETTINGS_MODULE": settings,
        }
        self.app, self.settings, self.health = app, settings, health
        self.logfile = logdir / f"gunicorn-{name}.log"
        self.port = free_port()
        self.proc = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self.proc = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                self.app,
                "--workers",
                str(WORKERS),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--env",
                f"DJANGO_SETTINGS_MODULE={self.settings}",
            ],
            cwd=ROOT,
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
                if get(self.port, self.health)[0] == 200 and len(self.workers()) == WORKERS:
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        sys.exit(f"gunicorn did not start; its log:\n{self.logfile.read_text()[-3000:]}")

    def __exit__(self, *exc):
        self.stop()

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        return sorted(int(pid) for pid in children.split())


def get(port: int, path: str, timeout: float = 60) -> tuple[int, dict, int]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        return response.status, dict(response.getheaders()), len(body)
    finally:
        conn.close()


# --- wrk -----------------------------------------------------------------------------

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(value: str, unit: str) -> float:
    return float(value) * _UNITS[unit]


def wrk(url: str, *, duration: int, connections: int, threads: int = 2, script_args=()) -> dict:
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency"]
    cmd += ["--timeout", "30s"]
    if script_args:
        cmd += ["-s", str(BENCH / "mixed.lua"), url, "--", *map(str, script_args)]
    else:
        cmd.append(url)
    load = loadavg()
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 120).stdout
    return parse_wrk(out) | {"load": load}


def parse_wrk(out: str) -> dict:
    result = {"raw": out}
    if m := re.search(r"Requests/sec:\s+([\d.]+)", out):
        result["rps"] = float(m.group(1))
    if m := re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", out):
        result["requests"] = int(m.group(1))
        result["seconds"] = _ms(m.group(2), m.group(3)) / 1000
    for pct in ("50", "75", "90", "99"):
        if m := re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M):
            result[f"p{pct}"] = _ms(m.group(1), m.group(2))
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    result["non_2xx_3xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    result["socket_errors"] = dict(
        zip(
            ("connect", "read", "write", "timeout"),
            map(int, m.groups()) if m else (0,) * 4,
            strict=True,
        )
    )
    result["statuses"] = {
        int(code): int(n) for code, n in re.findall(r"^status (\d+) (\d+)$", out, re.M)
    }
    result["x_cache_counts"] = {
        kind: int(n) for kind, n in re.findall(r"^x-cache (\S+) (\d+)$", out, re.M)
    }
    return result


# --- phases --------------------------------------------------------------------------


def measure_pages(server: Server, ceiling: Server, pages: list[dict], args, cached: bool) -> dict:
    """Each page in ``args.rounds`` rounds, each right after a round of the ceiling app:
    the two share whatever else the machine was doing at the time."""
    results = {}
    for page in pages:
        # Two requests: the second of a cached page must be a hit.
        for _ in range(2 if cached else 1):
            status, headers, size = get(server.port, page["url"])
        result = {
            "url": page["url"],
            "status": status,
            "bytes": size,
            "x_cache": headers.get("X-Cache", "none"),
            "rounds": [],
            "ceiling_rounds": [],
        }
        if status != 200:
            log(f"  {page['name']}: {page['url']} answered {status}; measured anyway")
        for _ in range(args.rounds):
            log(f"  wrk ceiling, then {page['name']} {page['url']} (load {loadavg()})")
            top = wrk(ceiling.base + "/", duration=args.duration, connections=args.connections)
            drain(ceiling, "/")
            run = wrk(
                server.base + page["url"], duration=args.duration, connections=args.connections
            )
            drain(server)
            result["ceiling_rounds"].append(without_raw(top))
            result["rounds"].append(without_raw(run))
        result.update(combine(result["rounds"]))
        result["ceiling_rps"] = statistics.mean(r.get("rps", 0.0) for r in result["ceiling_rounds"])
        result["of_ceiling"] = result["rps"] / result["ceiling_rps"] if result["ceiling_rps"] else 0
        results[page["name"]] = result
    return results


def combine(rounds: list[dict]) -> dict:
    """One page's rounds as one figure: mean req/s, the worst p50 and p99, every error."""
    return {
        "rps": statistics.mean(r.get("rps", 0.0) for r in rounds),
        "p50": max(r.get("p50", 0.0) for r in rounds),
        "p99": max(r.get("p99", 0.0) for r in rounds),
        "non_2xx_3xx": sum(r.get("non_2xx_3xx", 0) for r in rounds),
        "socket_errors": {
            kind: sum(r["socket_errors"][kind] for r in rounds)
            for kind in ("connect", "read", "write", "timeout")
        },
        "load": rounds[0].get("load", ""),
    }


def drain(server: Server, path: str = "/healthz") -> None:
    """Wait until the workers have answered what wrk left queued when it stopped.

    A slow page leaves requests in the listen queue; they would steal the next
    measurement's time. The health check waits in the same queue.
    """
    started = time.monotonic()
    get(server.port, path, timeout=600)
    waited = time.monotonic() - started
    if waited > 2:
        log(f"  (waited {waited:.0f}s for the queue left behind to drain)")
    time.sleep(1)


def without_raw(run: dict) -> dict:
    return {k: v for k, v in run.items() if k != "raw"}


def measure_mixed(server: Server, urls_file: Path, args) -> dict:
    log(f"  wrk mixed: {args.mixed_duration}s at {args.mixed_connections} connections")
    run = wrk(
        server.base,
        duration=args.mixed_duration,
        connections=args.mixed_connections,
        script_args=[urls_file],
    )
    return without_raw(run)


def drive(port: int, paths: list[str], count: int, concurrency: int) -> dict:
    """Send exactly ``count`` GETs, ``concurrency`` at a time; count statuses and errors.

    wrk runs for a duration, not a number of requests, hence this small client.
    """
    rng = random.Random(count)
    queue = [rng.choice(paths) for _ in range(count)]
    lock = threading.Lock()
    statuses: dict[int, int] = {}
    errors = []

    def worker():
        while True:
            with lock:
                if not queue:
                    return
                path = queue.pop()
            try:
                status = get(port, path)[0]
            except OSError as error:
                with lock:
                    errors.append(repr(error))
                continue
            with lock:
                statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"statuses": statuses, "errors": len(errors)}


def measure_memory(server: Server, urls_file: Path, args) -> dict:
    workers = server.workers()
    paths = urls_file.read_text().split()
    points = []
    served = 0
    for target in args.memory_points:
        log(f"  {target - served:,} more requests, to {target:,} (load {loadavg()})")
        load = loadavg()
        run = drive(server.port, paths, target - served, args.memory_concurrency)
        served = target
        points.append(
            {
                "requests": served,
                "rss_kib": {pid: rss_kib(pid) for pid in workers},
                "statuses": run["statuses"],
                "errors": run["errors"],
                "load": load,
            }
        )
    if server.workers() != workers:
        log("  a worker was replaced during the memory run: figures are not comparable")
    first, last = points[0]["rss_kib"], points[-1]["rss_kib"]
    growth = {pid: (last[pid] - first[pid]) / first[pid] * 100 for pid in workers}
    return {"points": points, "growth_percent": growth}


# --- report --------------------------------------------------------------------------


def report(data: dict) -> str:
    m = data["machine"]
    lines = [
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), PostgreSQL {m['postgresql']}, "
        f"Redis {m['redis']}, {m['wrk']}",
        f"Published stories: {data['targets']['published']:,}; load {data['load']}",
    ]
    for mode in MODES:
        pages = data.get(mode)
        if not pages:
            continue
        switches = ", ".join(f"{k}={v}" for k, v in MODES[mode].items())
        lines.append("")
        lines.append(f"### {mode} ({switches})")
        lines.append("")
        lines.append(
            "| page | req/s (rounds) | ceiling app req/s (rounds) | of ceiling | p50 ms "
            "| p99 ms | non-2xx/3xx | socket errors | X-Cache | KiB | load |"
        )
        lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---|")
        for name, page in pages.items():
            errors = sum(page.get("socket_errors", {}).values())
            rps = f"{page['rps']:,.0f} ({' / '.join(f'{r.get("rps", 0):,.0f}' for r in page['rounds'])})"
            top = f"{page['ceiling_rps']:,.0f} ({' / '.join(f'{r.get("rps", 0):,.0f}' for r in page['ceiling_rounds'])})"
            lines.append(
                f"| {name} `{page['url']}` | {rps} | {top} | {page['of_ceiling']:.0%} "
                f"| {page.get('p50', 0):.1f} | {page.get('p99', 0):.1f} "
                f"| {page.get('non_2xx_3xx', 0)} | {errors} | {page['x_cache']} "
                f"| {page['bytes'] / 1024:.1f} | {page.get('load', '')} |"
            )
    mixed = data.get("mixed")
    if mixed:
        lines.append("")
        lines.append(
            f"### Mixed load: {mixed.get('requests', 0):,} requests in "
            f"{mixed.get('seconds', 0):.0f}s, {mixed.get('rps', 0):,.0f} req/s, "
            f"p50 {mixed.get('p50', 0):.1f} ms, p99 {mixed.get('p99', 0):.1f} ms"
        )
        lines.append("")
        lines.append(f"- Non-2xx or 3xx responses: {mixed['non_2xx_3xx']}")
        lines.append(f"- Socket errors: {mixed['socket_errors']}")
        lines.append(f"- Statuses: {dict(sorted(mixed['statuses'].items()))}")
        lines.append(f"- X-Cache: {mixed['x_cache_counts']}")
        lines.append(f"- Load average before: {mixed['load']}")
    for label, memory in data.get("memory", {}).items():
        lines.append("")
        lines.append(f"### Worker memory (VmRSS): {label}")
        lines.append("")
        first, last = memory["points"]
        lines.append(
            f"| worker | after {first['requests']:,} requests "
            f"| after {last['requests']:,} requests | growth |"
        )
        lines.append("|---|---:|---:|---:|")
        for pid, growth in memory["growth_percent"].items():
            lines.append(
                f"| {pid} | {first['rss_kib'][pid] / 1024:.1f} MiB "
                f"| {last['rss_kib'][pid] / 1024:.1f} MiB | {growth:+.1f}% |"
            )
        lines.append("")
        statuses: dict = {}
        for point in memory["points"]:
            for code, n in point["statuses"].items():
                statuses[code] = statuses.get(code, 0) + n
        lines.append(
            f"Statuses: {dict(sorted(statuses.items()))}; connection errors "
            f"{sum(p['errors'] for p in memory['points'])}; "
            f"load before each: {first['load']} / {last['load']}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=8, help="Seconds per round.")
    parser.add_argument(
        "--rounds", type=int, default=2, help="Rounds per page and mode, each after the ceiling's."
    )
    parser.add_argument(
        "--modes", nargs="+", choices=list(MODES), default=list(MODES), help="Modes to measure."
    )
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--mixed-duration", type=int, default=60)
    parser.add_argument("--mixed-connections", type=int, default=64)
    parser.add_argument("--pages", nargs="+", metavar="NAME", help="Only these pages.")
    parser.add_argument("--skip-mixed", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument(
        "--memory-points",
        type=int,
        nargs=2,
        default=(1000, 10000),
        metavar=("FIRST", "LAST"),
        help="Request counts at which worker memory is read.",
    )
    parser.add_argument(
        "--memory-concurrency", type=int, default=8, help="Parallel requests for memory runs."
    )
    parser.add_argument("--json", type=Path, help="Also write every figure to this file.")
    args = parser.parse_args()

    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    with tempfile.TemporaryDirectory(prefix="newsroom-bench-") as tmp:
        tmpdir = Path(tmp)
        env = environment(str(tmpdir / "static"), redis_url)
        log("collectstatic into a temporary STATIC_ROOT…")
        manage(env, "collectstatic", "--noinput", "-v0")
        log("choosing pages…")
        shell = "from bench.targets import print_json; print_json()"
        targets = json.loads(manage(env, "shell", "-c", shell).strip().splitlines()[-1])
        if args.pages:
            targets["pages"] = [p for p in targets["pages"] if p["name"] in args.pages]
        urls_file = tmpdir / "urls.txt"
        urls_file.write_text("\n".join(targets["mixed"]) + "\n")

        data = {
            "machine": machine(env["DATABASE_URL"]),
            "load": loadavg(),
            "targets": without_mixed(targets),
        }
        data["database"] = env["DATABASE_URL"]
        log("ceiling app: starting gunicorn")
        ceiling_env = {**env, "DJANGO_SETTINGS_MODULE": "bench.ceiling_app"}
        with Server(
            ceiling_env,
            0,
            tmpdir,
            "ceiling",
            app="bench.ceiling_app:application",
            settings="bench.ceiling_app",
            health="/",
        ) as ceiling:
            for mode in args.modes:
                flush_redis(redis_url)
                log(f"{mode}: starting gunicorn")
                seconds = int(MODES[mode]["NEWSROOM_PAGE_CACHE_SECONDS"])
                render_once = MODES[mode]["BENCH_RENDER_ONCE"] == "1"
                with Server(env, seconds, tmpdir, mode, render_once=render_once) as server:
                    data[mode] = measure_pages(
                        server, ceiling, targets["pages"], args, mode == "cached"
                    )
        if not args.skip_mixed:
            flush_redis(redis_url)
            log("mixed load: fresh gunicorn, cache on and empty")
            with Server(env, CACHE_ON, tmpdir, "mixed") as server:
                data["mixed"] = measure_mixed(server, urls_file, args)
        if not args.skip_memory:
            data["memory"] = {}
            stories_file = tmpdir / "stories.txt"
            stories_file.write_text("\n".join(targets["stories"]) + "\n")
            flush_redis(redis_url)
            for label, seconds, urls in (
                ("mixed, cache on", CACHE_ON, urls_file),
                ("story pages, cache off", 0, stories_file),
            ):
                log(f"memory ({label}): fresh gunicorn")
                with Server(env, seconds, tmpdir, f"memory-{seconds}") as server:
                    data["memory"][label] = measure_memory(server, urls, args)
    if args.json:
        args.json.write_text(json.dumps(data, indent=2, default=str))
    print(report(data))


def without_mixed(targets: dict) -> dict:
    return {k: v for k, v in targets.items() if k not in ("mixed", "storm", "stories")}


if __name__ == "__main__":
    main()
