"""Page-load bench: first loads of the live page and partner polls, with and without caches.

    python -m bench.pages [--duration 15] [--pollers 10000] [--poll-seconds 45]

One run, side by side on 127.0.0.1, at the production shape (2 uvicorn workers,
PostgreSQL, Redis):

1. wrk loads the live page and the posts API (gzip accepted, as browsers do)
   from the origin with RENDER_CACHE=0 (every request rendered), from the origin
   with the shared render cache, and through Varnish running deploy/varnish/liveblog.vcl.
2. `--pollers` clients each poll the `after` feed through Varnish every 10 s with
   If-None-Match while a writer publishes every 1.5 s. Measured: origin requests
   per second (Varnish's backend requests) and, for every answer, how long the
   newest change it lacks had been committed: no answer may be older than max-age.

Everything it starts it stops. Results: bench/results/pages-<stamp>.json; BENCHMARKS.md.
"""

import argparse
import asyncio
import json
import os
import random
import resource
import secrets
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.api.__main__ import ensure_wrk, load_data, measure, postgres_cpu
from bench.fanout.__main__ import Server, ensure_database, log, machine, percentile
from bench.varnish import Varnish

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"
ENVIRONMENT = {
    "DEBUG": "0",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DJANGO_SETTINGS_MODULE": "bench.settings",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/liveblog_bench_pages",
    "REDIS_URL": "redis://127.0.0.1:6379/7",
    "CACHE_URL": "redis://127.0.0.1:6379/8",
    "API_ANON_RATE": "100000000/min",
    "DATABASE_POOL_MAX_SIZE": "10",
}
POLL_INTERVAL = 10.0
PUBLISH_EVERY = 1.5


class ThroughVarnish:
    """What `measure` needs of a server: wrk aims at Varnish, CPU counts the origin and Varnish."""

    def __init__(self, origin: Server, varnish: Varnish):
        self.port, self.origin, self.varnish = varnish.port, origin, varnish

    def cpu(self) -> float:
        return self.origin.cpu() + self.varnish.cpu()


def page_scenarios(event) -> list[dict]:
    gzip = {"Accept-Encoding": "gzip, br"}
    return [
        {"name": "live page", "path": f"/live/{event.slug}/", "headers": gzip, "expect": 200, "body_bytes": 0},
        {"name": "posts API", "path": f"/api/v1/events/{event.slug}/posts/", "headers": gzip, "expect": 200,
         "body_bytes": 0},
    ]


def load_rounds(wrk: str, args, event) -> list[dict]:
    rows = []
    for label, render_cache, through_varnish in (
        ("origin, every request rendered", "0", False),
        ("origin, shared render cache", "1", False),
        ("Varnish in front, render cache", "1", True),
    ):
        os.environ["RENDER_CACHE"] = render_cache
        server = Server(args.port, [])
        varnish = Varnish(args.varnish_port, args.port) if through_varnish else None
        try:
            server.start()
            target = server
            if varnish is not None:
                varnish.start()
                target = ThroughVarnish(server, varnish)
            for scenario in page_scenarios(event):
                rows.append(dict(measure(wrk, args, target, scenario), round=label))
        finally:
            if varnish is not None:
                varnish.stop()
            server.stop()
    os.environ["RENDER_CACHE"] = "1"
    return rows


# Polling through Varnish ------------------------------------------------------------------------


async def poll(port: int, slug: str, start_seq: int, until: float, commits: dict, answers: list, errors: list):
    """One partner: GET the after feed every 10 s with If-None-Match, on a kept-alive connection
    (Varnish runs with timeout_idle above the interval here; a closed one is opened again)."""
    await asyncio.sleep(random.uniform(0, POLL_INTERVAL))  # noqa: S311 - spreading start times
    after, etag, connection = start_seq, None, None
    loop = asyncio.get_running_loop()
    while loop.time() < until:
        sent = time.time()
        try:
            if connection is None:
                connection = await asyncio.open_connection("127.0.0.1", port)
            status, headers, body = await _get(*connection, f"/api/v1/events/{slug}/posts/?after={after}", etag)
        except (OSError, asyncio.IncompleteReadError) as failure:
            errors.append(repr(failure))
            connection = None
            await asyncio.sleep(1.0)
            continue
        received = time.time()
        if status == 200:
            page = json.loads(body)
            after, etag = page["last_seq"], headers.get("etag")
        elif status != 304:
            errors.append(f"status {status}")
        # How long had the newest change this answer lacks been committed when we asked?
        lacking = [at for seq, at in list(commits.items()) if seq > after and at <= sent]
        answers.append((received, status, received - min(lacking) if lacking else 0.0))
        await asyncio.sleep(max(0.0, POLL_INTERVAL - (time.time() - sent)))
    if connection is not None:
        connection[1].close()


async def _get(reader, writer, path: str, etag: str | None) -> tuple[int, dict, bytes]:
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    if etag:
        request += f"If-None-Match: {etag}\r\n"
    writer.write((request + "\r\n").encode())
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    else:  # chunked
        body = b""
        while size := int((await reader.readuntil(b"\r\n")).strip(), 16):
            body += (await reader.readexactly(size + 2))[:size]
        await reader.readuntil(b"\r\n")
    return int(lines[0].split()[1]), headers, body


def publish_loop(event, editor, until: float, commits: dict) -> None:
    from liveblog import services

    n = 0
    while time.time() < until:
        n += 1
        post = services.post_create_draft(event=event, by=editor, headline=f"Poll bench update {n}")
        post = services.post_publish(post=post, by=editor)
        commits[post.seq] = time.time()
        time.sleep(PUBLISH_EVERY)


async def polling_round(args, event, editor) -> dict:
    os.environ["RENDER_CACHE"] = "1"
    server = Server(args.port, [])
    # Partners poll every 10 s on kept-alive connections: Varnish must not close them at its 5 s default.
    varnish = Varnish(args.varnish_port, args.port, parameters={"timeout_idle": "20"})
    try:
        server.start()
        varnish.start()
        commits: dict[int, float] = {}
        answers: list = []
        errors: list = []
        loop = asyncio.get_running_loop()
        until = loop.time() + args.poll_seconds
        wall_until = time.time() + args.poll_seconds
        # Counting starts once every poller has made its first request (one interval in).
        pollers = [
            asyncio.create_task(poll(varnish.port, event.slug, event.seq, until, commits, answers, errors))
            for _ in range(args.pollers)
        ]
        writer = loop.run_in_executor(None, publish_loop, event, editor, wall_until, commits)
        await asyncio.sleep(POLL_INTERVAL)
        counters0, cpu0, pg0, t0 = varnish.counters(), server.cpu(), postgres_cpu(), time.time()
        load0 = os.getloadavg()
        await asyncio.gather(*pollers)
        await writer
        counters1, cpu1, pg1, t1 = varnish.counters(), server.cpu(), postgres_cpu(), time.time()
        seconds = t1 - t0
        staleness = sorted(s for at, _, s in answers if at >= t0)
        counted = [a for a in answers if a[0] >= t0]
        return {
            "pollers": args.pollers,
            "poll_interval_s": POLL_INTERVAL,
            "changes_published": len(commits),
            "client_requests_per_s": len(counted) / seconds,
            "origin_requests_per_s": (counters1["MAIN.backend_req"] - counters0["MAIN.backend_req"]) / seconds,
            "varnish_hits": counters1["MAIN.cache_hit"] - counters0["MAIN.cache_hit"],
            "varnish_misses": counters1["MAIN.cache_miss"] - counters0["MAIN.cache_miss"],
            "statuses": {str(s): sum(1 for a in counted if a[1] == s) for s in {a[1] for a in counted}},
            "origin_cpu_cores": (cpu1 - cpu0) / seconds,
            "postgres_cpu_cores": sum(t - pg0.get(pid, 0.0) for pid, t in pg1.items()) / seconds,
            "staleness_p50_s": percentile(staleness, 0.50),
            "staleness_p99_s": percentile(staleness, 0.99),
            "staleness_max_s": staleness[-1] if staleness else None,
            "max_age_s": 5,
            "errors": errors[:20],
            "error_count": len(errors),
            "loadavg_before": load0,
        }
    finally:
        varnish.stop()
        server.stop()


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=15)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--port", type=int, default=8431)
    parser.add_argument("--varnish-port", type=int, default=8432)
    parser.add_argument("--extra-posts", type=int, default=40)
    parser.add_argument("--pollers", type=int, default=10000)
    parser.add_argument("--poll-seconds", type=float, default=45)
    parser.add_argument("--skip-load", action="store_true", help="only the polling round")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    for name, value in ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_hex(16))
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 1 << 20), hard))
    ensure_database(os.environ["DATABASE_URL"])
    from bench.fanout.__main__ import django_setup

    editor = django_setup()
    event = load_data(args.extra_posts)
    wrk = ensure_wrk()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    result = {"machine": machine(), "started": stamp, "load": [], "polling": None}
    if not args.skip_load:
        result["load"] = [{k: v for k, v in row.items() if k != "wrk_output"} for row in load_rounds(wrk, args, event)]
    event.refresh_from_db()  # the pollers start from the event's current seq
    result["polling"] = asyncio.run(polling_round(args, event, editor))
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"pages-{stamp}.json"
    out.write_text(json.dumps(result, indent=2, default=str))
    for row in result["load"]:
        log(f"{row['round']:32} {row['name']:10} {row['rps']:8,.0f} req/s  p99 {row['p99_ms']:7.1f} ms  "
            f"{row['transfer_bytes_per_request']:8,.0f} B/req  origin+cache CPU {row['server_cpu_cores']:.2f}")
    log("polling: " + json.dumps({k: v for k, v in result["polling"].items() if k != "errors"}))
    log(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
