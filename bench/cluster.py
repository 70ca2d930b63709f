"""Cluster bench: what one change costs Redis and PostgreSQL when several hosts serve readers.

    python -m bench.cluster [--readers 200] [--posts 20] [--idle 20]   (as root: ip netns)

Builds the three hosts of tests/cluster (A and B run the production-shape workers, C runs
PostgreSQL with pg_stat_statements and Redis, nginx balances readers over A and B), connects
`--readers` protocol readers through the proxy, then measures two windows: `--idle` seconds
with no change (what live readers cost at rest), and `--posts` posts published through B's API,
one every half second, until every reader has them. For each window: PostgreSQL statements
(pg_stat_statements, every host's), Redis commands by name (INFO commandstats), and pub/sub
messages Redis delivered. Everything it starts it stops. See docs/scaling.md.
"""

import argparse
import asyncio
import os
import platform
import shutil
import time
from datetime import UTC, datetime

import psycopg
import redis

from tests.cluster.network import Network, netns_unavailable
from tests.cluster.proxy import Proxy
from tests.faults.conftest import SETUP
from tests.faults.harness import (
    OwnPostgres,
    OwnRedis,
    ProductionShape,
    collect_static,
    temporary_directory,
)
from tests.faults.reader import ProtocolReader


def statements(postgres: OwnPostgres) -> dict[str, int]:
    """Calls per statement so far, leaving out the bench's own reading of the counters."""
    with psycopg.connect(postgres.url.replace("postgres://", "postgresql://"), autocommit=True) as db:
        rows = db.execute("SELECT query, calls FROM pg_stat_statements").fetchall()
    return {query: calls for query, calls in rows if "pg_stat_statements" not in query}


def redis_commands(client: redis.Redis) -> dict[str, int]:
    return {name.removeprefix("cmdstat_"): stats["calls"] for name, stats in client.info("commandstats").items()}


def delta(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {key: after[key] - before.get(key, 0) for key in after if after[key] - before.get(key, 0)}


def report(title: str, seconds: float, changes: int, pg: dict[str, int], commands: dict[str, int],
           hosts: int) -> None:
    total_statements = sum(pg.values())
    print(f"\n## {title}: {seconds:.1f} s, {changes} changes")
    print(f"PostgreSQL statements: {total_statements} ({total_statements / seconds:.1f}/s, "
          f"{total_statements / seconds / hosts:.1f}/s per host)"
          + (f", {total_statements / changes:.1f} per change" if changes else ""))
    for query, calls in sorted(pg.items(), key=lambda item: -item[1])[:12]:
        print(f"  {calls:6d}  {' '.join(query.split())[:110]}")
    print(f"Redis commands: {sum(commands.values())} ({sum(commands.values()) / seconds:.1f}/s): "
          + ", ".join(f"{name} {calls}" for name, calls in sorted(commands.items(), key=lambda item: -item[1])))
    if changes:
        print(f"Redis commands per change: {sum(commands.values()) / changes:.1f}, "
              f"of them PUBLISH {commands.get('publish', 0) / changes:.1f}")


async def measure(args, cluster) -> None:
    a, b, proxy, postgres, client = cluster["a"], cluster["b"], cluster["proxy"], cluster["postgres"], cluster["redis"]
    readers = [ProtocolReader(base_url=proxy.base_url, slug="fault-drill") for _ in range(args.readers)]
    stop = asyncio.Event()
    following = [asyncio.create_task(reader.follow(stop)) for reader in readers]
    try:
        started = time.monotonic()
        while sum(r.connects for r in readers) < args.readers:
            await asyncio.sleep(0.1)
        print(f"{args.readers} readers connected in {time.monotonic() - started:.1f} s "
              f"({a.open_connections()} on A, {b.open_connections()} on B)")
        await asyncio.sleep(3)  # subscriptions settle

        def snapshot():
            return statements(postgres), redis_commands(client)

        before, t0 = await asyncio.to_thread(snapshot), time.monotonic()
        await asyncio.sleep(args.idle)
        after, t1 = await asyncio.to_thread(snapshot), time.monotonic()
        idle = (delta(after[0], before[0]), delta(after[1], before[1]))

        before, t0 = after, time.monotonic()
        seq_before = max(r.last_seq for r in readers)
        for i in range(args.posts):
            status, _ = await asyncio.to_thread(
                b.api, "POST", "/api/v1/events/fault-drill/posts/", token=cluster["token"],
                body={"headline": f"Bench {i}", "body": "<p>Bench.</p>", "status": "published"})
            assert status == 201, status
            await asyncio.sleep(0.5)
        while min(r.last_seq for r in readers) < seq_before + args.posts:
            await asyncio.sleep(0.05)
        after, t1 = await asyncio.to_thread(snapshot), time.monotonic()
        busy = (delta(after[0], before[0]), delta(after[1], before[1]))

        report("Idle (live readers, no change)", args.idle, 0, *idle, hosts=2)
        report("Publishing (API POST on B, readers on A and B)", t1 - t0, args.posts, *busy, hosts=2)
        # Each subscriber of a channel gets every PUBLISH to it: per host, one per worker process.
        print("\nChannels subscribed on C (subscribers each):")
        for channel, subscribers in client.pubsub_numsub(*client.pubsub_channels()):
            print(f"  {subscribers}  {channel.decode()}")
    finally:
        stop.set()
        await asyncio.gather(*following)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", type=int, default=200)
    parser.add_argument("--posts", type=int, default=20)
    parser.add_argument("--idle", type=float, default=20)
    parser.add_argument("--skip-collectstatic", action="store_true",
                        help="serve the static files already collected (never while tests collect them)")
    args = parser.parse_args()
    unavailable = netns_unavailable()
    if unavailable:
        raise SystemExit(f"bench.cluster builds hosts in network namespaces; {unavailable}")
    print(f"# bench.cluster {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()}, "
          f"{os.cpu_count()} cores, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if not args.skip_collectstatic:
        collect_static()
    directory, network, started = temporary_directory(), Network(), []
    try:
        network.create()
        host_a, host_b, host_c = (network.add_host(letter) for letter in "abc")
        postgres = OwnPostgres(directory, host=host_c.address, clients=network.cidr, run_in=host_c.run_in)
        postgres.extra_options = "-c shared_preload_libraries=pg_stat_statements"
        own_redis = OwnRedis(directory, host=host_c.address, run_in=host_c.run_in)
        started += [postgres.close, own_redis.stop]
        postgres.init()
        own_redis.start()
        settings = {"SECRET_KEY": os.urandom(16).hex(), "FORWARDED_ALLOW_IPS": network.gateway,
                    "ALLOWED_HOSTS": ",".join([network.gateway, host_a.address, host_b.address])}
        a, b = (ProductionShape(postgres=postgres, redis=own_redis, directory=directory, host=host.address,
                                run_in=host.run_in, env=settings) for host in (host_a, host_b))
        a.manage("migrate", "--noinput")
        with psycopg.connect(postgres.url.replace("postgres://", "postgresql://"), autocommit=True) as db:
            db.execute("CREATE EXTENSION pg_stat_statements")
        token = a.manage("shell", "-c", SETUP).strip().splitlines()[-1]
        for app in (a, b):
            started.append(app.stop)
            app.start()
        proxy = Proxy(address=network.gateway, upstreams=[f"{a.host}:{a.port}", f"{b.host}:{b.port}"],
                      directory=directory)
        started.append(proxy.stop)
        proxy.start()
        asyncio.run(measure(args, {"a": a, "b": b, "proxy": proxy, "postgres": postgres, "token": token,
                                   "redis": redis.Redis.from_url(own_redis.url(0))}))
    finally:
        for stop in reversed(started):
            try:
                stop()
            except Exception as failure:  # noqa: BLE001 - stop the rest whatever one part did
                print(f"clean-up: {stop.__qualname__} failed: {failure}")
        network.remove()
        shutil.rmtree(directory, ignore_errors=True)
        print(f"done; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
