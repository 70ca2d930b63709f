"""Three hosts in network namespaces: A and B serve the app, C holds its PostgreSQL and Redis,
nginx balances readers over A and B. Posts written on one host reach readers on the other;
when host A's app dies, its readers reconnect through the proxy to B and nothing is lost."""

import asyncio
import os
import signal
import time

import pytest
import redis

from tests.faults.harness import _port_open, wait_until
from tests.faults.reader import ProtocolReader, converged, feed_state

READERS = 30


async def publish(site, cluster, headline: str) -> tuple[int, str]:
    try:
        status, _ = await asyncio.to_thread(
            site.api, "POST", f"/api/v1/events/{cluster.slug}/posts/", token=cluster.token,
            body={"headline": headline, "body": "<p>Cluster drill.</p>", "status": "published"},
        )
    except OSError:
        status = 0
    return status, headline


def pubsub_hosts(cluster) -> set[str]:
    """The addresses of the hosts subscribed to channel-layer groups on C's Redis."""
    with redis.Redis.from_url(cluster.redis.url(0)) as client:
        clients = client.client_list()
    return {client["addr"].rsplit(":", 1)[0] for client in clients if int(client["sub"]) or int(client["psub"])}


def kill_app(app) -> None:
    """SIGKILL uvicorn's supervisor first (it would start new workers), then its workers: the
    host is up but its app is gone, as after an out-of-memory kill or a crashed deploy."""
    workers = app.worker_pids()
    os.kill(app.process.pid, signal.SIGKILL)
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    app.process.wait(timeout=10)
    # The workers die a moment after the signal; until then the port still takes connections,
    # and a request sent into a dying worker is lost (the proxy does not resend a POST).
    wait_until(lambda: not _port_open(app.port, app.host), timeout=10, what="host A still listens")


@pytest.mark.timeout(300)
async def test_readers_follow_posts_across_hosts_and_fail_over_to_the_survivor(cluster):
    a, b, proxy = cluster.a, cluster.b, cluster.proxy
    readers = [ProtocolReader(base_url=proxy.base_url, slug=cluster.slug) for _ in range(READERS)]
    stop = asyncio.Event()
    following = [asyncio.create_task(reader.follow(stop)) for reader in readers]
    try:
        while sum(r.connects for r in readers) < READERS:
            await asyncio.sleep(0.05)
        # The proxy holds one connection to a host per reader; both hosts got some.
        await asyncio.to_thread(wait_until, lambda: a.open_connections() + b.open_connections() == READERS,
                                timeout=10, what="the hosts do not hold one connection per reader")
        on_a, on_b = a.open_connections(), b.open_connections()
        assert on_a > 0 and on_b > 0, f"the proxy did not balance: {on_a} readers on A, {on_b} on B"

        # Written on B, read everywhere: A's readers hear of it through C's Redis, where both
        # hosts hold their subscriptions.
        assert pubsub_hosts(cluster) == {a.host, b.host}
        statuses = [await publish(b, cluster, f"Written on B {i}") for i in range(5)]
        took = await converged(proxy, readers, within=10)
        print(f"{on_a} readers on A, {on_b} on B: all current {took:.1f} s after posts written on B")

        connects_before = [r.connects for r in readers]
        killed_at = time.monotonic()
        await asyncio.to_thread(kill_app, a)
        # Writes go on, on B directly and through the proxy (which must skip the dead host).
        for i in range(10):
            site = b if i % 2 else proxy
            statuses.append(await publish(site, cluster, f"After A died {i}"))
            await asyncio.sleep(0.1)

        took = await converged(proxy, readers, within=15)
        print(f"host A's app killed: every reader on B and current {time.monotonic() - killed_at:.1f} s after "
              f"the kill, {took:.1f} s after the last write")
        reconnected = sum(r.connects > before for r, before in zip(readers, connects_before, strict=True))
        assert reconnected == on_a, f"{reconnected} readers reconnected, {on_a} were on A"
        # (Waited for: the feed and page reads just made through the proxy may still be closing.)
        await asyncio.to_thread(wait_until, lambda: b.open_connections() == READERS, timeout=10,
                                what="not every reader is on B now")
        assert pubsub_hosts(cluster) == {b.host}

        # Nothing lost: every acknowledged write is in the feed, which every reader matches.
        _, posts = await asyncio.to_thread(feed_state, proxy, cluster.slug)
        assert [status for status, _ in statuses] == [201] * 15, statuses
        assert {headline for _, headline in statuses} == {headline for _, headline in posts.values()}
    finally:
        stop.set()
        await asyncio.gather(*following)
