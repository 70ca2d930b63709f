"""Reconnect-storm bench: N readers of one event lose their sockets at once, reconnect and resume.

    python -m bench.storm [--readers 10000] [--scenarios cut,worker-restart,cut:no-memory,cut:python-gc]

For each scenario it starts the production shape on 127.0.0.1 (uvicorn, 2 workers,
Redis pub/sub, PostgreSQL) and opens N readers from two load-generator processes
(bench/fanout/loadgen.py with --reconnect: a lost socket is made again as live.js
does, after a random wait of up to 1 s, and resumes with `?after=` its last seq).
Readers first get `--before` posts live; then every socket drops at once and,
while they come back, `--during` more posts are published. It reports how long
until every reader holds the last seq (converged), with no gap and no duplicate,
and how many SQL statements the server's workers ran meanwhile (counted in each
worker by bench/fanout/counted.py; the publisher, in this process, is not counted).

Scenarios: `cut` drops every socket from the readers' side (a network blip);
`worker-restart` kills one of the two workers (SIGKILL; uvicorn starts a new one,
which begins with nothing in memory); `:no-memory` serves the product with its
resume memory turned off (bench/fanout/no_memory.py), and `:python-gc` with Python's
default garbage-collector settings (bench/fanout/python_gc.py), for comparison. The
environment is set by `make bench`; BENCHMARKS.md explains the figures.
"""

import argparse
import json
import os
import resource
import signal
import sys
import time
from datetime import UTC, datetime

from bench.fanout.__main__ import (
    APPS,
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

# Each worker writes its statement count every 0.2 s.
COUNT_SETTLE_SECONDS = 0.5


def run_storm(scenario: str, args, editor) -> dict:
    from liveblog import services

    drop, _, variant = scenario.partition(":")
    variant = variant or "ours"
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    event = services.event_create(title=f"Storm {scenario} {stamp}", by=editor, status="live")
    path = f"/ws/events/{event.slug}/"
    last_seq = args.before + args.during
    server = Server(args.port, [], APPS[variant])
    generators: list[LoadGenerator] = []
    try:
        server.start()
        sources = [f"127.0.0.{i}" for i in range(1, args.sources + 1)]
        share = [args.readers // 2 + (1 if i < args.readers % 2 else 0) for i in range(2)]
        for i, count in enumerate(share):
            generators.append(
                LoadGenerator(i, count, sources[i::2], args.port, path, last_seq, ("--reconnect",))
            )
        connected = [g.wait_for("connected", args.connect_timeout) for g in generators]
        if any(c is None for c in connected):
            raise RuntimeError("readers did not connect in time")
        opened = sum(c["ok"] for c in connected)
        log(f"{scenario}: {opened} readers open")
        time.sleep(2.0)

        # Readers are current: they got the posts before the storm live.
        publish_posts(event, editor, args.before, 0.5)
        time.sleep(2.0)

        server.find_workers()
        workers_before = {w.pid for w in server.workers}
        statements0 = server.statements()
        cpu0 = server.cpu_by_worker()
        dropped_at = time.time()
        if drop == "cut":
            for g in generators:
                g.command("cut")
        else:
            os.kill(server.workers[0].pid, signal.SIGKILL)
        sent, _ = publish_posts(event, editor, args.during, 0.5)
        last_publish = sent[last_seq]
        complete = [g.wait_for("complete", args.converge_timeout) for g in generators]
        settled_at = time.time()
        time.sleep(COUNT_SETTLE_SECONDS)
        storm_statements = server.statements() - statements0
        server.find_workers()
        workers_replaced = len(workers_before - {w.pid for w in server.workers})
        # The killed worker's CPU is not known after its death: only the survivor's and the new one's.
        server_cpu = sum(seconds - cpu0.get(pid, 0.0) for pid, seconds in server.cpu_by_worker().items())
        results = [g.finish() for g in generators]
    finally:
        for g in generators:
            g.kill()
        server.stop()

    finals = sorted(t for r in results for t in r["received"].get(str(last_seq), []))
    from_drop = [t - dropped_at for t in finals]
    return {
        "scenario": scenario,
        "readers": args.readers,
        "opened": opened,
        "converged": len(finals),
        "all_converged": all(c is not None for c in complete) and len(finals) == opened,
        "converged_within_10s": sum(1 for t in from_drop if t <= 10.0),
        "p50_from_drop": percentile(from_drop, 0.50),
        "p99_from_drop": percentile(from_drop, 0.99),
        "last_from_drop": from_drop[-1] if from_drop else float("nan"),
        "last_after_last_publish": finals[-1] - last_publish if finals else float("nan"),
        "reconnects": sum(r["reconnects"] for r in results),
        "reconnect_failures": sum(r["reconnect_failures"] for r in results),
        "reloads": sum(r["reloads"] for r in results),
        "duplicates": sum(r["duplicates"] for r in results),
        "out_of_order": sum(r["out_of_order"] for r in results),
        "behind": sum(1 for r in results for seq in r["last_seqs"] if seq != last_seq),
        "storm_statements": storm_statements,
        "workers_replaced": workers_replaced,
        "storm_seconds": settled_at - dropped_at,
        "server_cpu_seconds": server_cpu,
        "loadavg_after": os.getloadavg(),
    }


def table(rows: list[dict]) -> str:
    lines = [
        "| scenario | readers | converged | within 10 s of the drop | p50 / p99 / last from the drop | last after the last post | reconnects (failed) | reloads, gaps, duplicates | SQL statements by the server | workers replaced | server CPU | load avg after |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['scenario']} | {r['readers']:,} | {r['converged']:,} of {r['opened']:,} "
            f"| {r['converged_within_10s']:,} | {r['p50_from_drop']:.1f} / {r['p99_from_drop']:.1f} / {r['last_from_drop']:.1f} s "
            f"| {r['last_after_last_publish']:.1f} s | {r['reconnects']:,} ({r['reconnect_failures']:,}) "
            f"| {r['reloads']}, {r['out_of_order']}, {r['duplicates']} "
            f"| {r['storm_statements']:,} | {r['workers_replaced']} | {r['server_cpu_seconds']:.1f} s "
            f"| {' '.join(f'{x:.1f}' for x in r['loadavg_after'])} |"
        )
    return "\n".join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", type=int, default=10000)
    parser.add_argument("--scenarios", default="cut,worker-restart,cut:no-memory,cut:python-gc")
    parser.add_argument("--before", type=int, default=5, help="posts readers get live first")
    parser.add_argument("--during", type=int, default=5, help="posts published during the storm")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--sources", type=int, default=8)
    parser.add_argument("--connect-timeout", type=float, default=120.0)
    parser.add_argument("--converge-timeout", type=float, default=120.0)
    parser.add_argument("--label", default="run")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if args.readers // 2 + 100 > hard:
        log(f"the open-file limit ({hard}) is too low for {args.readers} readers over 2 processes")
        return 2
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    ensure_database(os.environ["DATABASE_URL"])
    editor = django_setup()
    rows = []
    for scenario in args.scenarios.split(","):
        row = run_storm(scenario, args, editor)
        rows.append(row)
        log(json.dumps(row, default=str))
    report = f"Machine: {machine()}\nLabel: {args.label}\n\n{table(rows)}\n"
    print(report)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    (out / f"storm-{args.label}-{stamp}.json").write_text(json.dumps(rows, indent=1, default=str))
    (out / f"storm-{args.label}-{stamp}.md").write_text(report)
    return 0 if all(r["all_converged"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
