"""API bench: the partner API's reads under wrk, at the production shape, on 127.0.0.1.

    python -m bench.api [--duration 20] [--warmup 5] [--rounds 2] [--profile]

Starts uvicorn with 2 workers (as `make bench` does for the fan-out bench) over
PostgreSQL, loads the demo event plus `--extra-posts` posts published through
the services, then runs wrk against each scenario in turn: the first page of
posts, the same with limit=100, a page of the changes feed (?after=seq-50), the
304 answers to both with the ETag the server gave, and the event itself. For
each: requests/s, p50/p90/p99, status codes (every 304 checked), response
size, and the CPU of the server's workers, PostgreSQL and wrk. `--profile`
then runs py-spy on one worker under the 304 load and under the full page and
summarizes where the time goes. Everything it starts it stops; every wait has
a timeout. See BENCHMARKS.md.
"""

import argparse
import http.client
import json
import os
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import psutil

from bench.api import profile
from bench.fanout.__main__ import Server, django_setup, ensure_database, log, machine

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
RESULTS = ROOT / "bench" / "results"
PRODUCTION_ENV = {
    "DEBUG": "0",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DJANGO_SETTINGS_MODULE": "bench.settings",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/liveblog_bench_api",
    "REDIS_URL": "redis://127.0.0.1:6379/6",
    # One client address sends everything: the anonymous limit must not be what is measured.
    "API_ANON_RATE": "100000000/min",
}


# Setup -----------------------------------------------------------------------------------------


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    log("wrk is missing: installing Debian's package")
    quiet = {"stdout": subprocess.DEVNULL}
    subprocess.run(["apt-get", "update", "-qq"], check=True, timeout=300, **quiet)  # noqa: S607
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, timeout=300, **quiet)  # noqa: S607
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk could not be installed; apt-get install wrk, then run again")
    return found


def set_environment(args) -> None:
    for name, value in PRODUCTION_ENV.items():
        os.environ.setdefault(name, value)
    # Not docker-compose's 60: under ASGI every request runs in a thread of its own, so a kept
    # connection is never reused and piles up until PostgreSQL refuses more (BENCHMARKS.md).
    os.environ["DATABASE_CONN_MAX_AGE"] = str(args.conn_max_age)
    os.environ["DATABASE_POOL_MAX_SIZE"] = str(args.pool_max_size)
    if args.settings:
        os.environ["DJANGO_SETTINGS_MODULE"] = args.settings
    os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_hex(16))
    if os.environ.get("CACHE_URL"):
        log("note: CACHE_URL is set, so throttle counts go to that shared cache")


def load_data(extra_posts: int):
    """The demo event, topped up to `extra_posts` more posts published through the services."""
    from accounts.models import User
    from liveblog import demo, services
    from liveblog.models import Post, Speaker

    event, created = demo.demo_load()
    log(f"demo event {event.slug!r} {'created' if created else 'already there'}")
    authors = {u.username: u for u in User.objects.filter(username__in=[j.username for j in demo.JOURNALISTS])}
    speakers = {s.slug: s for s in Speaker.objects.all()}
    have = Post.objects.filter(event=event, status=Post.Status.PUBLISHED).count()
    wanted = len(demo.POSTS) + extra_posts
    for i in range(have, wanted):
        # The demo's own posts again, in turn: real headlines, bodies, bylines and quotes.
        item = demo.POSTS[i % len(demo.POSTS)]
        byline = [authors[name] for name in item.authors]
        quotes = [services.QuoteInput(speakers[q.speaker], q.text, context=q.context) for q in item.quotes]
        draft = services.post_create_draft(
            event=event, by=byline[0], headline=f"{item.headline} ({i + 1})", body=item.body,
            kind=item.kind, authors=byline, quotes=quotes,
        )
        services.post_publish(post=draft, by=byline[0])
    if wanted > have:
        log(f"published {wanted - have} posts through the services")
    event.refresh_from_db()
    return event


# Measuring -------------------------------------------------------------------------------------


def fetch(port: int, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def scenarios(port: int, event) -> list[dict]:
    """The URLs to load, each checked once by hand first: status, size, and the ETag for the 304s."""
    base = f"/api/v1/events/{event.slug}"
    after = max(event.seq - 50, 0)
    plan = [
        ("posts", f"{base}/posts/", False),
        ("posts 304", f"{base}/posts/", True),
        ("posts limit=100", f"{base}/posts/?limit=100", False),
        ("after feed", f"{base}/posts/?after={after}", False),
        ("after feed 304", f"{base}/posts/?after={after}", True),
        ("event", f"{base}/", False),
    ]
    out = []
    for name, path, conditional in plan:
        status, headers, body = fetch(port, path)
        if status != 200 or "etag" not in headers:
            raise RuntimeError(f"{path}: {status} {body[:200]!r}")
        row = {"name": name, "path": path, "headers": {}, "expect": 200, "body_bytes": len(body)}
        if name.startswith("posts") and not conditional:
            row["items"] = len(json.loads(body)["results"])
        if name == "after feed":
            row["items"] = len(json.loads(body)["changes"])
        if conditional:
            row["headers"] = {"If-None-Match": headers["etag"]}
            row["expect"] = 304
            status, _, body = fetch(port, path, row["headers"])
            if status != 304 or body:
                raise RuntimeError(f"{path} with If-None-Match: {status}, {len(body)} bytes")
            row["body_bytes"] = 0
        out.append(row)
    return out


def wrk_command(wrk: str, args, port: int, scenario: dict, seconds: float) -> list[str]:
    command = [
        wrk, f"-t{args.threads}", f"-c{args.connections}", f"-d{seconds:g}s", "--latency", "--timeout", "5s",
        "-s", str((HERE / "status.lua").relative_to(ROOT)),
    ]
    for name, value in scenario["headers"].items():
        command += ["-H", f"{name}: {value}"]
    return [*command, f"http://127.0.0.1:{port}{scenario['path']}"]


def shell_line(command: list[str]) -> str:
    import shlex

    return " ".join(["wrk", *(shlex.quote(part) for part in command[1:])])


def postgres_cpu() -> dict[int, float]:
    """CPU seconds of every PostgreSQL process (server-wide: other users' queries count too).

    The postmaster's children_* times hold the backends that have exited, such as
    the one-request connections, which are gone before the second reading.
    """
    times = {}
    for process in psutil.process_iter(["name", "cpu_times"]):
        cpu = process.info["cpu_times"]
        if process.info["name"] == "postgres" and cpu is not None:
            times[process.pid] = cpu.user + cpu.system + cpu.children_user + cpu.children_system
    return times


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_wrk(command: list[str], timeout: float) -> tuple[dict, str]:
    done = subprocess.run(  # noqa: S603 - our own fixed command
        command, cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip()}")
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH_API ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary:\n{done.stdout}")
    return json.loads(line.removeprefix("BENCH_API ")), done.stdout


def measure(wrk: str, args, server: Server, scenario: dict) -> dict:
    if args.warmup > 0:
        run_wrk(wrk_command(wrk, args, server.port, scenario, args.warmup), args.warmup + 30)
    command = wrk_command(wrk, args, server.port, scenario, args.duration)
    server0, pg0, wrk0, load0 = server.cpu(), postgres_cpu(), children_cpu(), os.getloadavg()[0]
    result, text = run_wrk(command, args.duration + 30)
    server_cpu, wrk_cpu = server.cpu() - server0, children_cpu() - wrk0
    pg1 = postgres_cpu()
    pg_cpu = sum(t - pg0.get(pid, 0.0) for pid, t in pg1.items())
    seconds = result["duration_us"] / 1e6
    requests = result["requests"]
    statuses = {int(k): v for k, v in result["statuses"].items()}
    unexpected = requests - statuses.get(scenario["expect"], 0)
    row = {
        "name": scenario["name"],
        "path": scenario["path"],
        "command": shell_line(command),
        "expect": scenario["expect"],
        "body_bytes": scenario["body_bytes"],
        "items": scenario.get("items"),
        "requests": requests,
        "rps": requests / seconds,
        "p50_ms": result["p50_us"] / 1000,
        "p90_ms": result["p90_us"] / 1000,
        "p99_ms": result["p99_us"] / 1000,
        "max_ms": result["max_us"] / 1000,
        "non_2xx_3xx": result["errors"]["status"],
        "socket_errors": sum(v for k, v in result["errors"].items() if k != "status"),
        "statuses": statuses,
        "unexpected_status": unexpected,
        "transfer_bytes_per_request": result["bytes"] / max(requests, 1),
        "server_cpu_cores": server_cpu / seconds,
        "server_cpu_us_per_request": server_cpu / max(requests, 1) * 1e6,
        "postgres_cpu_cores": pg_cpu / seconds,
        "wrk_cpu_cores": wrk_cpu / seconds,
        "loadavg_before": load0,
        "wrk_output": text,
    }
    log(
        f"{row['name']}: {row['rps']:,.0f} req/s, p50 {row['p50_ms']:.1f} ms, p99 {row['p99_ms']:.1f} ms, "
        f"statuses {statuses}, server {row['server_cpu_cores']:.2f} cores"
    )
    if unexpected or row["socket_errors"]:
        log(f"  ! {unexpected} responses were not {scenario['expect']}, {row['socket_errors']} socket errors")
    return row


def run_round(wrk: str, args, event, label: str) -> list[dict]:
    server = Server(args.port, [])
    try:
        server.start()
        plan = scenarios(args.port, event)
        return [dict(measure(wrk, args, server, s), round=label) for s in plan if s["name"] in args.only]
    finally:
        server.stop()


def run_profiles(wrk: str, args, event, stamp: str) -> list[dict]:
    """py-spy on worker 0 while wrk loads one scenario, for the 304 path and the full page."""
    spy = Path(sys.executable).with_name("py-spy")
    server = Server(args.port, [])
    out = []
    try:
        server.start()
        plan = {s["name"]: s for s in scenarios(args.port, event)}
        for name in ("posts 304", "posts"):
            seconds = args.profile_seconds
            load = subprocess.Popen(  # noqa: S603 - our own fixed command
                wrk_command(wrk, args, args.port, plan[name], seconds + args.warmup + 3),
                cwd=ROOT, stdout=subprocess.DEVNULL,
            )
            try:
                time.sleep(args.warmup)
                target = RESULTS / f"api-profile-{name.replace(' ', '-')}-{stamp}.txt"
                subprocess.run(  # noqa: S603 - our own fixed command
                    [str(spy), "record", "--pid", str(server.workers[0].pid), "--duration", str(seconds),
                     "--rate", "200", "--format", "raw", "--nonblocking", "-o", str(target)],
                    check=True, timeout=seconds + 60, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                )
            finally:
                load.wait(timeout=seconds + args.warmup + 60)
            summary = profile.summarize(target.read_text())
            summary.update(name=name, file=str(target.relative_to(ROOT)))
            log(f"profile of {name!r} -> {summary['file']}")
            print(profile.report(summary))
            out.append(summary)
    finally:
        server.stop()
    return out


# Report ----------------------------------------------------------------------------------------


def table(rows: list[dict]) -> str:
    lines = [
        "| round | scenario | status | body | req/s | p50 | p90 | p99 | max | non-2xx/3xx | other status | "
        "server CPU | server CPU/req | PostgreSQL CPU | wrk CPU |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        items = f" ({r['items']} items)" if r.get("items") is not None else ""
        lines.append(
            f"| {r['round']} | {r['name']}{items} | {r['expect']} | {r['body_bytes']:,} B | {r['rps']:,.0f} "
            f"| {r['p50_ms']:.1f} ms | {r['p90_ms']:.1f} ms | {r['p99_ms']:.1f} ms | {r['max_ms']:.0f} ms "
            f"| {r['non_2xx_3xx']} | {r['unexpected_status']} | {r['server_cpu_cores']:.2f} "
            f"| {r['server_cpu_us_per_request']:,.0f} µs | {r['postgres_cpu_cores']:.2f} | {r['wrk_cpu_cores']:.2f} |"
        )
    return "\n".join(lines)


def ratios(rows: list[dict]) -> str:
    lines = []
    for label in dict.fromkeys(r["round"] for r in rows):
        by = {r["name"]: r for r in rows if r["round"] == label}
        for full, cond in (("posts", "posts 304"), ("after feed", "after feed 304")):
            if full in by and cond in by:
                lines.append(
                    f"- {label}: {cond} / {full} = {by[cond]['rps'] / by[full]['rps']:.1f}× req/s, "
                    f"{by[full]['server_cpu_us_per_request'] / by[cond]['server_cpu_us_per_request']:.1f}× "
                    "less server CPU per request"
                )
    return "\n".join(lines)


def parse_args(argv=None):
    names = ["posts", "posts 304", "posts limit=100", "after feed", "after feed 304", "event"]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=20.0, help="seconds measured per scenario")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of load before each measurement")
    parser.add_argument("--rounds", type=int, default=2, help="each round restarts the server")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--extra-posts", type=int, default=100, help="posts published on top of the demo's")
    parser.add_argument("--only", default=",".join(names), help=f"comma-separated, of: {', '.join(names)}")
    parser.add_argument("--profile", action="store_true", help="then py-spy one worker (304 and full page)")
    parser.add_argument("--profile-seconds", type=int, default=15)
    parser.add_argument("--conn-max-age", type=int, default=0, help="DATABASE_CONN_MAX_AGE for the server")
    parser.add_argument("--settings", help="another DJANGO_SETTINGS_MODULE (default bench.settings)")
    parser.add_argument(
        "--pool-max-size", type=int, default=10,
        help="DATABASE_POOL_MAX_SIZE for the server (docker-compose uses 10; 0 = a connection per request)",
    )
    parser.add_argument("--label", default="run", help="names the results files")
    args = parser.parse_args(argv)
    args.only = [name.strip() for name in args.only.split(",")]
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    wrk = ensure_wrk()
    set_environment(args)
    ensure_database(os.environ["DATABASE_URL"])
    django_setup()
    event = load_data(args.extra_posts)
    log(f"event {event.slug!r} at seq {event.seq}; API_ANON_RATE={os.environ['API_ANON_RATE']}, "
        f"cache: {'CACHE_URL' if os.environ.get('CACHE_URL') else 'per-process locmem (default)'}, "
        f"DATABASE_CONN_MAX_AGE={os.environ['DATABASE_CONN_MAX_AGE']}, "
        f"DATABASE_POOL_MAX_SIZE={os.environ['DATABASE_POOL_MAX_SIZE']}, settings {os.environ['DJANGO_SETTINGS_MODULE']}")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    rows = []
    for i in range(args.rounds):
        rows += run_round(wrk, args, event, "run" if i == 0 else f"re-run {i}")
    profiles = run_profiles(wrk, args, event, stamp) if args.profile else []
    commands = "\n".join(dict.fromkeys(r["command"] for r in rows))
    version = subprocess.run([wrk, "-v"], capture_output=True, text=True).stdout.split("\n")[0]  # noqa: S603
    report = (
        f"Machine: {machine()}\nwrk: {version}\n"
        f"Label: {args.label}; event seq {event.seq}; {args.warmup:g} s warm-up, {args.duration:g} s measured; "
        f"DATABASE_CONN_MAX_AGE={os.environ['DATABASE_CONN_MAX_AGE']}; "
        f"DATABASE_POOL_MAX_SIZE={os.environ['DATABASE_POOL_MAX_SIZE']}; settings {os.environ['DJANGO_SETTINGS_MODULE']}; "
        f"API_ANON_RATE={os.environ['API_ANON_RATE']}; CACHE_URL={os.environ.get('CACHE_URL') or '(unset: locmem)'}\n\n"
        f"{table(rows)}\n\n{ratios(rows)}\n\nCommands:\n\n{commands}\n"
    )
    print(report)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"api-{args.label}-{stamp}.json").write_text(
        json.dumps({"rows": rows, "profiles": profiles}, indent=1, default=str)
    )
    (RESULTS / f"api-{args.label}-{stamp}.md").write_text(report)
    return 0 if all(r["unexpected_status"] == 0 and r["socket_errors"] == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
