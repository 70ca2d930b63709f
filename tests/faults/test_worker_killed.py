"""kill -9 of one of two workers: its readers reconnect, resume and end with every committed change."""

import asyncio
import os
import signal

from tests.faults.reader import ProtocolReader, converged, feed_state

READERS = 40


async def publish(app, headline: str) -> tuple[int, str]:
    try:
        status, _ = await asyncio.to_thread(
            app.api, "POST", f"/api/v1/events/{app.slug}/posts/", token=app.token,
            body={"headline": headline, "body": "<p>Drill.</p>", "status": "published"},
        )
    except OSError:  # the connection died with the worker
        status = 0
    return status, headline


async def test_readers_of_a_killed_worker_reconnect_and_converge(production):
    readers = [ProtocolReader(base_url=production.base_url, slug=production.slug) for _ in range(READERS)]
    stop = asyncio.Event()
    following = [asyncio.create_task(reader.follow(stop)) for reader in readers]
    try:
        while sum(r.connects for r in readers) < READERS:
            await asyncio.sleep(0.05)
        statuses = [await publish(production, f"Before the crash {i}") for i in range(5)]

        victim = production.busiest_worker()
        os.kill(victim, signal.SIGKILL)
        # Writes go on while the victim's readers reconnect; one may hit the dying worker.
        for i in range(10):
            statuses.append(await publish(production, f"After the crash {i}"))
            await asyncio.sleep(0.1)

        took = await converged(production, readers, within=10)
        print(f"kill -9 of a worker: every reader current {took:.1f} s after the last write")
        _, posts = await asyncio.to_thread(feed_state, production, production.slug)
        # Every write the API acknowledged is on every page (one cut off by the kill may be too).
        acknowledged = [headline for status, headline in statuses if status == 201]
        assert len(acknowledged) >= 14, statuses
        assert set(acknowledged) <= {headline for _, headline in posts.values()}
        assert any(r.connects > 1 for r in readers), "no reader was on the killed worker"
    finally:
        stop.set()
        await asyncio.gather(*following)
