"""Fan-out bench: N websocket readers of one event, posts published through the services.

    python -m bench.fanout [--readers 1000,5000,10000] [--posts 20]

For each N it starts the production shape on 127.0.0.1 (uvicorn, 2 workers,
Redis pub/sub, PostgreSQL), opens N readers from load-generator processes
(spread over several 127.0.0.x source addresses), publishes `--posts` posts
one a second through services.post_create_draft + post_publish, and reports
per-post publish-to-receive latency, the share delivered, connect time, CPU
of server and load generator, and server memory per connection. Everything
it starts it stops; every wait has a timeout.

The environment (DATABASE_URL, REDIS_URL, ...) is set by `make bench`; see
BENCHMARKS.md for what the figures mean.
"""

import argparse
import contextlib
import itertools
import json
import os
import platform
import queue
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable
UVICORN_FLAGS = [
    "--workers",
    "2",
    "--ws-max-size",
    "16384",
    "--ws-per-message-deflate",
    "false",
    "--no-access-log",
    "--lifespan",
    "off",
    "--log-level",
    "warning",
    # uvicorn's supervisor kills a worker that does not answer its health check within 5 s:
    # on this shared machine, under a load average of 20-30, a worker busy with 5,000
    # handshakes missed it and was killed mid-run (a storm of its own). Production is not
    # expected to run that overloaded; BENCHMARKS.md.
    "--timeout-worker-healthcheck",
    "30",
]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentile(sorted_values: list[float], share: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(share * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


# Setup -----------------------------------------------------------------------------------------


def ensure_database(url: str) -> None:
    """Create the bench database if it does not exist (the server migrates nothing)."""
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def django_setup():
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", "--noinput", verbosity=0)

    from accounts.models import Role, User
    from accounts.services import user_set_role

    editor = User.objects.filter(username="bench-editor").first()
    if editor is None:
        editor = User.objects.create_user(
            username="bench-editor", password=os.urandom(16).hex(), display_name="Bench Editor"
        )
        user_set_role(user=editor, role=Role("editor"), by=None)
        editor = User.objects.get(pk=editor.pk)
    return editor


# Processes -------------------------------------------------------------------------------------


# The ASGI applications a bench can serve: the product, and what it is compared with.
# Each counts the SQL statements its workers run (bench/fanout/counted.py).
APPS = {
    "ours": "bench.fanout.counted:application",
    # The design of today's Channels-based live blogs: group_add and a layer channel per socket.
    "stock": "bench.fanout.stock:application",
    # Ours with no recent changes in memory and no slug memory: every resume reads the log.
    "no-memory": "bench.fanout.no_memory:application",
    # Ours with Python's default garbage-collector thresholds and nothing frozen.
    "python-gc": "bench.fanout.python_gc:application",
}


class Server:
    def __init__(self, port: int, extra_flags: list[str], app: str = APPS["ours"]):
        self.port = port
        self.extra_flags = extra_flags
        self.app = app
        self.process: subprocess.Popen | None = None
        self.workers: list[psutil.Process] = []
        self.query_dir = tempfile.mkdtemp(prefix="bench-queries-")

    def start(self, timeout: float = 30.0) -> None:
        command = [
            PY,
            "-m",
            "uvicorn",
            self.app,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            *UVICORN_FLAGS,
            *self.extra_flags,
        ]
        log("server: " + " ".join(command[2:]))
        self.process = subprocess.Popen(  # noqa: S603 - our own fixed command
            command,
            cwd=ROOT,
            start_new_session=True,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "BENCH_QUERY_DIR": self.query_dir},
        )
        deadline = time.monotonic() + timeout
        master = psutil.Process(self.process.pid)
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"uvicorn exited with {self.process.returncode}")
            self.workers = [
                child
                for child in master.children()
                if any("spawn_main" in part for part in child.cmdline())
            ]
            if len(self.workers) == 2 and self._answers():
                time.sleep(1.0)  # let the second worker reach accept() too
                return
            time.sleep(0.2)
        raise RuntimeError("uvicorn did not start in time")

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(
                    b"GET /no-such-page/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                )
                return sock.recv(16).startswith(b"HTTP/1.1")
        except OSError:
            return False

    def find_workers(self) -> None:
        """The worker processes now (uvicorn starts a new one for any that dies)."""
        workers = []
        for child in psutil.Process(self.process.pid).children():
            with contextlib.suppress(psutil.Error):  # a worker that just died
                if any("spawn_main" in part for part in child.cmdline()):
                    workers.append(child)
        self.workers = workers

    def statements(self) -> int:
        """SQL statements run by every worker so far, a worker that died included."""
        return sum(int(lines[0]) for lines in self._counts() if lines and lines[0])

    def full_gc_passes(self, since: float) -> list[float]:
        """How long each full garbage-collector pass took that any worker ended after `since`
        (time.time())."""
        pauses = []
        for lines in self._counts():
            for entry in (lines[1].split() if len(lines) > 1 else []):
                ended, seconds = entry.split(",")
                if float(ended) >= since:
                    pauses.append(float(seconds))
        return pauses

    def _counts(self) -> list[list[str]]:
        """Each worker's lines from bench/fanout/counted.py: its statements, then its latest full
        GC passes as `ended,seconds` pairs."""
        found = []
        for name in os.listdir(self.query_dir):
            if name.endswith(".new"):
                continue
            with contextlib.suppress(OSError):
                found.append(Path(self.query_dir, name).read_text().split("\n"))
        return found

    def cpu(self) -> float:
        return sum(self.cpu_by_worker().values())

    def cpu_by_worker(self) -> dict[int, float]:
        """user+sys CPU seconds of each worker now, by pid (a worker that died is left out)."""
        seconds = {}
        for worker in self.workers:
            with contextlib.suppress(psutil.Error):
                times = worker.cpu_times()
                seconds[worker.pid] = times.user + times.system
        return seconds

    def rss(self) -> list[int]:
        return [worker.memory_info().rss for worker in self.workers]

    def sockets_per_worker(self) -> list[int]:
        counts = []
        for worker in self.workers:
            try:
                counts.append(
                    sum(1 for c in worker.net_connections("tcp") if c.status == "ESTABLISHED")
                )
            except psutil.Error:
                counts.append(-1)
        return counts

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            shutil.rmtree(self.query_dir, ignore_errors=True)
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
        except ProcessLookupError:
            pass
        finally:
            shutil.rmtree(self.query_dir, ignore_errors=True)


class LoadGenerator:
    def __init__(
        self,
        index: int,
        readers: int,
        sources: list[str],
        port: int,
        path: str,
        expect: int,
        extra: tuple[str, ...] = (),
    ):
        self.out = Path(tempfile.mkstemp(prefix=f"fanout-loadgen{index}-", suffix=".json")[1])
        command = [
            PY,
            "-m",
            "bench.fanout.loadgen",
            "--port",
            str(port),
            "--path",
            path,
            "--readers",
            str(readers),
            "--sources",
            ",".join(sources),
            "--expect",
            str(expect),
            "--out",
            str(self.out),
            *extra,
        ]
        self.process = subprocess.Popen(  # noqa: S603 - our own fixed command
            command,
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self.ps = psutil.Process(self.process.pid)
        self.events: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.events.put(json.loads(line))
        self.events.put({"event": "exited"})

    def wait_for(self, name: str, timeout: float) -> dict | None:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                event = self.events.get(timeout=left)
            except queue.Empty:
                return None
            if event["event"] == name:
                return event
            if event["event"] == "exited":
                raise RuntimeError("a load generator exited early")
        return None

    def cpu(self) -> float:
        times = self.ps.cpu_times()
        return times.user + times.system

    def command(self, line: str) -> None:
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

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


# One run -----------------------------------------------------------------------------------------


def publish_posts(
    event, editor, posts: int, interval: float
) -> tuple[dict[int, float], list[float]]:
    """Publish through the services one post every `interval` s: {seq: time before the calls}, call times."""
    from liveblog import services

    sent: dict[int, float] = {}
    calls: list[float] = []
    start = time.monotonic()
    for i in range(posts):
        t0 = time.time()
        draft = services.post_create_draft(
            event=event,
            by=editor,
            headline=f"Update {i + 1}",
            body="<p>The talks go on; no statement yet.</p>",
        )
        post = services.post_publish(post=draft, by=editor)
        # On return the change is committed and handed to Redis (on_commit).
        calls.append(time.time() - t0)
        sent[post.seq] = t0
        time.sleep(max(0.0, start + (i + 1) * interval - time.monotonic()))
    return sent, calls


def warm_up_publisher(editor) -> None:
    """One post to an event nobody reads, before the measured ones: the bench process's first
    transaction and first Redis publish cost about 200 ms more than later ones, a cold start of
    the publisher (once per web process in production), which the first measured post would
    otherwise carry into every reader's latency."""
    from liveblog import services

    event = services.event_create(title=f"Bench warm-up {time.time():.0f}", by=editor, status="live")
    draft = services.post_create_draft(event=event, by=editor, headline="Warm-up", body="<p>Warm-up.</p>")
    services.post_publish(post=draft, by=editor)


def run_one(readers: int, args, editor, consumer: str = "ours", nap_ms: float = 0.0) -> dict:
    from liveblog import services
    from liveblog.models import EventChange

    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    event = services.event_create(title=f"Bench {readers} {stamp}", by=editor, status="live")
    path = f"/ws/events/{event.slug}/"
    server = Server(args.port, args.uvicorn_flag, APPS[consumer])
    generators: list[LoadGenerator] = []
    try:
        server.start()
        time.sleep(1.0)
        rss_before = server.rss()
        sources = [f"127.0.0.{i}" for i in range(1, args.sources + 1)]
        share = [
            readers // args.loadgens + (1 if i < readers % args.loadgens else 0)
            for i in range(args.loadgens)
        ]
        connect_start = time.monotonic()
        for i, count in enumerate(share):
            generators.append(
                LoadGenerator(
                    i,
                    count,
                    sources[i :: args.loadgens] or sources,
                    args.port,
                    path,
                    args.posts,
                    ("--nap-ms", str(nap_ms)) if nap_ms else (),
                )
            )
        connected = [g.wait_for("connected", args.connect_timeout) for g in generators]
        connect_seconds = time.monotonic() - connect_start
        if any(c is None for c in connected):
            raise RuntimeError("readers did not connect in time")
        opened = sum(c["ok"] for c in connected)
        failed = sum(c["failed"] for c in connected)
        log(f"N={readers}: {opened} open, {failed} failed, in {connect_seconds:.1f} s")
        time.sleep(2.0)  # settle: the last handshakes' group_add, GC
        rss_after = server.rss()
        per_worker = server.sockets_per_worker()

        if args.profile:
            profilers = start_profilers(server, readers, args)
        warm_up_publisher(editor)
        server_cpu0, gen_cpu0 = server.cpu(), sum(g.cpu() for g in generators)
        window_start, window_wall_start = time.monotonic(), time.time()
        sent, calls = publish_posts(event, editor, args.posts, args.interval)
        for g in generators:
            g.wait_for("complete", args.drain_timeout)
        window = time.monotonic() - window_start
        server_cpu = server.cpu() - server_cpu0
        time.sleep(0.3)  # the workers' counts are written every 0.2 s
        full_gc_pauses = server.full_gc_passes(window_wall_start)
        gen_cpu = sum(g.cpu() for g in generators) - gen_cpu0
        if args.profile:
            for p in profilers:
                p.wait(timeout=120)
        results = [g.finish() for g in generators]
        frame_bytes = len(EventChange.objects.get(event=event, seq=1).message.encode())
    finally:
        for g in generators:
            g.kill()
        server.stop()

    return summarize(
        readers=readers,
        consumer=consumer,
        nap_ms=nap_ms,
        args=args,
        sent=sent,
        results=results,
        opened=opened,
        failed=failed,
        connect_seconds=connect_seconds,
        window=window,
        server_cpu=server_cpu,
        gen_cpu=gen_cpu,
        full_gc_pauses=full_gc_pauses,
        rss_before=rss_before,
        rss_after=rss_after,
        per_worker=per_worker,
        frame_bytes=frame_bytes,
        calls=calls,
        load=os.getloadavg(),
    )


def start_profilers(server: Server, readers: int, args) -> list[subprocess.Popen]:
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    spy = Path(PY).with_name("py-spy")
    procs = []
    for i, worker in enumerate(server.workers):
        target = out / f"profile-{args.label}-{readers}-worker{i}.{args.profile}"
        fmt = {"svg": "flamegraph", "txt": "raw"}.get(args.profile, "speedscope")
        command = [
            str(spy),
            "record",
            "--pid",
            str(worker.pid),
            "--duration",
            str(int(args.posts * args.interval) + 2),
            "--rate",
            "200",
            "--format",
            fmt,
            "--nonblocking",
            "-o",
            str(target),
        ]
        spy_process = subprocess.Popen(  # noqa: S603 - our own fixed command
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        procs.append(spy_process)
    time.sleep(1.0)
    return procs


def summarize(
    *,
    readers,
    consumer,
    nap_ms,
    args,
    sent,
    results,
    opened,
    failed,
    connect_seconds,
    window,
    server_cpu,
    gen_cpu,
    full_gc_pauses,
    rss_before,
    rss_after,
    per_worker,
    frame_bytes,
    calls,
    load,
) -> dict:
    per_post = []
    everything: list[float] = []
    delivered = 0
    for seq, t0 in sorted(sent.items()):
        latencies = sorted(t - t0 for r in results for t in r["received"].get(str(seq), []))
        delivered += len(latencies)
        everything.extend(latencies)
        per_post.append(
            {
                "seq": seq,
                "received": len(latencies),
                "p50": percentile(latencies, 0.50),
                "p99": percentile(latencies, 0.99),
                "max": latencies[-1] if latencies else float("nan"),
            }
        )
    everything.sort()
    expected = readers * len(sent)
    return {
        "readers": readers,
        "consumer": consumer,
        "loadgen_nap_ms": nap_ms,
        "opened": opened,
        "failed": failed,
        "connect_seconds": connect_seconds,
        "posts": len(sent),
        "frame_bytes": frame_bytes,
        "publish_call_p50": statistics.median(calls),
        "publish_call_max": max(calls),
        "loadavg_after": load,
        "delivered": delivered,
        "delivered_share": delivered / expected if expected else 0.0,
        "p50": percentile(everything, 0.50),
        "p99": percentile(everything, 0.99),
        "max": everything[-1] if everything else float("nan"),
        "worst_post_p99": max((p["p99"] for p in per_post), default=float("nan")),
        "worst_post_p50": max((p["p50"] for p in per_post), default=float("nan")),
        "per_post": per_post,
        "window_seconds": window,
        "server_cpu_seconds": server_cpu,
        "server_cpu_us_per_delivery": server_cpu / delivered * 1e6 if delivered else float("nan"),
        "loadgen_cpu_seconds": gen_cpu,
        "full_gc_passes_window": len(full_gc_pauses),
        "full_gc_longest_window": max(full_gc_pauses, default=0.0),
        "rss_per_connection_kib": (sum(rss_after) - sum(rss_before)) / max(opened, 1) / 1024,
        "rss_after_mib": [round(r / 2**20, 1) for r in rss_after],
        "sockets_per_worker": per_worker,
        "duplicates": sum(r["duplicates"] for r in results),
        "out_of_order": sum(r["out_of_order"] for r in results),
        "lost_connections": sum(r["lost_connections"] for r in results),
        "closed_by_server": sum(r["closed_by_server"] for r in results),
    }


# Report ----------------------------------------------------------------------------------------


def machine() -> str:
    import channels
    import django
    import uvicorn

    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    ram = psutil.virtual_memory().total / 2**30
    return (
        f"{model}, {psutil.cpu_count()} cores, {ram:.0f} GiB RAM; Python {platform.python_version()}, "
        f"Django {django.__version__}, Channels {channels.__version__}, uvicorn {uvicorn.__version__}; "
        f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}"
    )


def table(rows: list[dict]) -> str:
    lines = [
        "| consumer | loadgen nap | readers | connect | delivered | p50 | p99 | max | worst post p99 | publish call p50 | server CPU (window) | CPU/delivery | loadgen CPU | full GC passes in window (longest) | server RSS/conn | sockets per worker | load avg after |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in rows:
        ms = lambda s: f"{s * 1000:.0f} ms"  # noqa: E731
        lines.append(
            f"| {r['consumer']} | {r['loadgen_nap_ms']:g} ms | {r['readers']:,} | {r['connect_seconds']:.1f} s | {r['delivered_share'] * 100:.2f}% "
            f"| {ms(r['p50'])} | {ms(r['p99'])} | {ms(r['max'])} | {ms(r['worst_post_p99'])} | {ms(r['publish_call_p50'])} "
            f"| {r['server_cpu_seconds']:.1f} s ({r['window_seconds']:.0f} s) "
            f"| {r['server_cpu_us_per_delivery']:.0f} µs | {r['loadgen_cpu_seconds']:.1f} s "
            f"| {r['full_gc_passes_window']} ({ms(r['full_gc_longest_window'])}) "
            f"| {r['rss_per_connection_kib']:.1f} KiB | {'/'.join(str(c) for c in r['sockets_per_worker'])} "
            f"| {' '.join(f'{x:.1f}' for x in r['loadavg_after'])} |"
        )
    return "\n".join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--readers", default="1000,5000,10000", help="comma-separated reader counts"
    )
    parser.add_argument("--posts", type=int, default=20)
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between posts")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--sources", type=int, default=8, help="source addresses 127.0.0.1..N")
    parser.add_argument("--loadgens", type=int, default=2, help="load-generator processes")
    parser.add_argument("--connect-timeout", type=float, default=120.0)
    parser.add_argument(
        "--drain-timeout", type=float, default=60.0, help="wait after the last post"
    )
    parser.add_argument(
        "--uvicorn-flag", action="append", default=[], help="extra uvicorn flag (repeatable)"
    )
    parser.add_argument(
        "--profile", choices=["svg", "txt", "speedscope"], help="py-spy each worker"
    )
    parser.add_argument("--label", default="run", help="names the results files")
    parser.add_argument(
        "--loadgen-naps",
        default="0",
        help="comma-separated ms the load generators nap between reads (0: wait in epoll; see loadgen.py)",
    )
    parser.add_argument(
        "--consumers",
        default="ours",
        help="comma-separated: ours, stock (a stock Channels consumer), python-gc (ours with Python's GC defaults), one after the other per N",
    )
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    # Each reader is one file descriptor in a load generator and one in a worker.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    counts = [int(n) for n in args.readers.split(",")]
    if max(counts) // args.loadgens + 100 > hard:
        log(
            f"the open-file limit ({hard}) is too low for {max(counts)} readers over {args.loadgens} processes"
        )
        return 2
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    ensure_database(os.environ["DATABASE_URL"])
    editor = django_setup()
    rows = []
    for readers in counts:
        for consumer, nap_ms in itertools.product(
            args.consumers.split(","), [float(n) for n in args.loadgen_naps.split(",")]
        ):
            row = run_one(readers, args, editor, consumer, nap_ms)
            rows.append(row)
            log(json.dumps({k: v for k, v in row.items() if k != "per_post"}, default=str))
    report = f"Machine: {machine()}\nLabel: {args.label}; uvicorn flags: {' '.join(UVICORN_FLAGS + args.uvicorn_flag)}\n\n{table(rows)}\n"
    print(report)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    (out / f"fanout-{args.label}-{stamp}.json").write_text(json.dumps(rows, indent=1, default=str))
    (out / f"fanout-{args.label}-{stamp}.md").write_text(report)
    return 0 if all(r["delivered_share"] == 1.0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
