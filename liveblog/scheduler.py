"""Publishes scheduled posts when their time comes, and delivers partners' webhooks.

In production it runs as its own process (`manage.py run_scheduler`, the
`scheduler` service of docker-compose.yml). On the embedded default the
channel layer lives in the web process's memory, so a separate process could
not reach readers' sockets: there the ASGI app runs the same loop as a
background task (see `LifespanScheduler`).
"""

import asyncio
import logging
import time

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections

from liveblog.services import posts_publish_due

logger = logging.getLogger(__name__)


def scheduler_tick() -> int:
    """Publish what is due now; returns how many posts went out."""
    return len(posts_publish_due())


def scheduler_tick_between_connections() -> int:
    """A tick for a long-running loop: a dropped or stale database connection is
    replaced before it is used, and not kept idle between ticks."""
    close_old_connections()
    try:
        return scheduler_tick()
    finally:
        close_old_connections()


# After failures in a row (PostgreSQL away, say) each wait is longer, up to this, so a long
# outage is not hammered and posts due meanwhile go out soon after it ends.
MAX_WAIT_AFTER_FAILURE = 30.0


def _tick_logged(failures: int) -> int:
    """One tick of a long-running loop, which must never die of an error: returns the
    number of failed ticks in a row."""
    try:
        published = scheduler_tick_between_connections()
    except Exception:
        logger.exception("Scheduler tick failed (%d in a row); trying again", failures + 1)
        failures += 1
    else:
        failures = 0
        if published:
            logger.info("Scheduler published %d post(s)", published)
    # After publishing, so a scheduled post reaches partners in the same tick. Its errors are
    # its own: a failing webhook never stops posts from being published, nor the other way round.
    _webhooks_logged()
    return failures


def _webhooks_logged() -> None:
    try:
        # Imported on first use: the API serializers it needs do not delay the first publishing tick.
        from webhooks.delivery import webhooks_deliver_between_connections

        delivered = webhooks_deliver_between_connections()
    except Exception:
        logger.exception("Webhook deliveries failed; trying again next tick")
        return
    if delivered:
        logger.info("Delivered %d change(s) to webhooks", delivered)


def _wait(*, failures: int, interval: float) -> float:
    return min(interval * 2**failures, MAX_WAIT_AFTER_FAILURE) if failures else interval


def scheduler_run(*, interval: float) -> None:
    """The production loop (`manage.py run_scheduler`): it logs, waits and retries, until stopped."""
    failures = 0
    while True:
        failures = _tick_logged(failures)
        time.sleep(_wait(failures=failures, interval=interval))


async def scheduler_loop(*, interval: float) -> None:
    """The same loop inside the web process, on the embedded default."""
    failures = 0
    while True:
        failures = await sync_to_async(_tick_logged, thread_sensitive=False)(failures)
        await asyncio.sleep(_wait(failures=failures, interval=interval))


class LifespanScheduler:
    """ASGI lifespan handler: starts the in-process scheduler when settings ask for it."""

    async def __call__(self, scope, receive, send):
        task = None
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                if settings.LIVEBLOG_SCHEDULER_IN_PROCESS:
                    task = asyncio.ensure_future(scheduler_loop(interval=settings.LIVEBLOG_SCHEDULER_INTERVAL))
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if task is not None:
                    task.cancel()
                await send({"type": "lifespan.shutdown.complete"})
                return
