"""Push against polling at equal readers: N websockets against N clients polling every 10 s.

    python -m bench.polling [--readers 2000] [--posts 6] [--interval 5]

In one run, against the same production shape on 127.0.0.1 (uvicorn, 2 workers,
Redis, PostgreSQL): first N websocket readers (bench/fanout/loadgen.py), then N
polling clients (bench/polling/poller.py: the changes feed with If-None-Match every
`--poll-every` seconds, the interval of Automattic's and Sourcefabric's live blogs).
For each, `--posts` posts are published through the services, one every
`--interval` s, and it reports publish-to-screen latency (the reader's receive time
minus the time before the publish call), the share delivered, and the CPU of the
server's workers over the same window: from the first publish until every client
has the last post, or `--drain` s after it.
"""

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import psutil

from bench.fanout.__main__ import (
    APPS,
    PY,
    ROOT,
    LoadGenerator,
    Server,
    django_setup,
    ensure_database,
    log,
    machine,
    percentile,
    publish_posts,
)


class Pollers:
    """A polling load-generator process, driven like bench.fanout's LoadGenerator."""

    def __init__(self, index: int, clients: int, sources: list[str], port: int, path: str, args):
        self.out = Path(tempfile.mkstemp(prefix=f"pollers{index}-", suffix=".json")[1])
        command = [
            PY, "-m", "bench.polling.poller", "--port", str(port), "--path", path,
            "--clients", str(clients), "--interval", str(args.poll_every),
            "--sources", ",".join(sources), "--expect", str(args.posts), "--out", str(self.out),
        ]  # fmt: skip
        self.process = subprocess.Popen(  # noqa: S603 - our own fixed command
            command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            start_new_session=True,
        )  # fmt: skip
        self.ps = psutil.Process(self.process.pid)

    def wait_for(self, name: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        os.set_blocking(self.process.stdout.fileno(), False)
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if line and json.loads(line)["event"] == name:
                return True
            if self.process.poll() is not None:
                raise RuntimeError("a polling generator exited early")
            if not line:
                time.sleep(0.05)
        return False

    def cpu(self) -> float:
        times = self.ps.cpu_times()
        return times.user + times.system

    def finish(self) -> dict:
        self.process.stdin.write("stop\n")
        self.process.stdin.flush()
        self.wait_for("done", 60)
        self.process.wait(timeout=30)
        result = json.loads(self.out.read_text())
        self.out.unlink()
        return result

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=5)
        self.out.unlink(missing_ok=True)


def run_mode(mode: str, args, editor) -> dict:
    from liveblog import services

    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    event = services.event_create(title=f"Polling {mode} {stamp}", by=editor, status="live")
    server = Server(args.port, [], APPS["ours"])
    sources = [f"127.0.0.{i}" for i in range(1, args.sources + 1)]
    share = [args.readers // 2 + (1 if i < args.readers % 2 else 0) for i in range(2)]
    clients = []
    try:
        server.start()
        if mode == "push":
            path = f"/ws/events/{event.slug}/"
            clients = [
                LoadGenerator(i, n, sources[i::2], args.port, path, args.posts)
                for i, n in enumerate(share)
            ]
            if any(c.wait_for("connected", 120) is None for c in clients):
                raise RuntimeError("readers did not connect in time")
        else:
            path = f"/api/v1/events/{event.slug}/posts/"
            clients = [Pollers(i, n, sources[i::2], args.port, path, args) for i, n in enumerate(share)]
            if not all(c.wait_for("started", args.poll_every + 60) for c in clients):
                raise RuntimeError("pollers did not start in time")
        time.sleep(2.0)
        server_cpu0, client_cpu0 = server.cpu(), sum(c.cpu() for c in clients)
        statements0 = server.statements()
        window_start = time.monotonic()
        sent, _ = publish_posts(event, editor, args.posts, args.interval)
        drain = args.drain if mode == "poll" else 30.0
        for c in clients:
            c.wait_for("complete", drain)
        window = time.monotonic() - window_start
        server_cpu = server.cpu() - server_cpu0
        client_cpu = sum(c.cpu() for c in clients) - client_cpu0
        time.sleep(0.5)
        statements = server.statements() - statements0
        results = [c.finish() for c in clients]
    finally:
        for c in clients:
            c.kill()
        server.stop()

    latencies = sorted(
        t - sent[int(seq)] for r in results for seq, times in r["received"].items()
        for t in times if int(seq) in sent
    )  # fmt: skip
    status: dict[str, int] = {}
    for r in results:
        for code, count in r.get("status", {}).items():
            status[code] = status.get(code, 0) + count
    return {
        "mode": mode,
        "readers": args.readers,
        "delivered_share": len(latencies) / (args.readers * args.posts),
        "p50": percentile(latencies, 0.50),
        "p99": percentile(latencies, 0.99),
        "max": latencies[-1] if latencies else float("nan"),
        "window_seconds": window,
        "server_cpu_seconds": server_cpu,
        "server_cpu_share": server_cpu / window,
        "client_cpu_seconds": client_cpu,
        "statements": statements,
        "http_status": status,
        "loadavg_after": os.getloadavg(),
    }


def table(rows: list[dict]) -> str:
    lines = [
        "| design | readers | delivered | publish-to-screen p50 | p99 | max | window | server CPU (cores) | SQL statements | client CPU | HTTP answers | load avg after |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in rows:
        design = "push (websocket)" if r["mode"] == "push" else f"poll every {ARGS.poll_every:.0f} s"
        answers = ", ".join(f"{code}: {n:,}" for code, n in sorted(r["http_status"].items())) or "–"
        lines.append(
            f"| {design} | {r['readers']:,} | {r['delivered_share'] * 100:.2f}% | {r['p50'] * 1000:,.0f} ms "
            f"| {r['p99'] * 1000:,.0f} ms | {r['max'] * 1000:,.0f} ms | {r['window_seconds']:.0f} s "
            f"| {r['server_cpu_seconds']:.1f} s ({r['server_cpu_share']:.2f}) | {r['statements']:,} "
            f"| {r['client_cpu_seconds']:.1f} s | {answers} | {' '.join(f'{x:.1f}' for x in r['loadavg_after'])} |"
        )
    return "\n".join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", type=int, default=2000)
    parser.add_argument("--posts", type=int, default=6)
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between posts")
    parser.add_argument("--poll-every", type=float, default=10.0)
    parser.add_argument("--drain", type=float, default=40.0, help="wait after the last post")
    parser.add_argument("--modes", default="push,poll")
    parser.add_argument("--port", type=int, default=8767)
    parser.add_argument("--sources", type=int, default=8)
    parser.add_argument("--label", default="run")
    return parser.parse_args(argv)


ARGS = None


def main(argv=None) -> int:
    global ARGS
    ARGS = args = parse_args(argv)
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    # Every poller shares a few client addresses: the anonymous rate limit must not be what is measured.
    os.environ["API_ANON_RATE"] = "100000000/min"
    ensure_database(os.environ["DATABASE_URL"])
    editor = django_setup()
    rows = []
    for mode in args.modes.split(","):
        row = run_mode(mode, args, editor)
        rows.append(row)
        log(json.dumps(row, default=str))
    report = f"Machine: {machine()}\nLabel: {args.label}\n\n{table(rows)}\n"
    print(report)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    (out / f"polling-{args.label}-{stamp}.json").write_text(json.dumps(rows, indent=1, default=str))
    (out / f"polling-{args.label}-{stamp}.md").write_text(report)
    return 0 if all(r["delivered_share"] == 1.0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
