"""The delivering runs in the scheduler's worker: inside the web process on the embedded default
(`make run`), as the in-process scheduler does, and in `manage.py run_scheduler` in production."""

import asyncio

import pytest
from asgiref.sync import sync_to_async

from liveblog.scheduler import LifespanScheduler
from tests.helpers import publish
from tests.liveblog.test_scheduler import run_lifespan
from webhooks.services import webhook_create

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("close_worker_connections")]


async def test_the_web_process_delivers_webhooks_when_it_runs_the_scheduler(
    settings, editor, event, partner, receiver
):
    settings.LIVEBLOG_SCHEDULER_IN_PROCESS = True
    settings.LIVEBLOG_SCHEDULER_INTERVAL = 0.1
    await sync_to_async(webhook_create)(partner_key=partner, url=receiver.url, events=[event])
    await sync_to_async(publish)(event, editor, "Summit opens")

    async def delivered():
        while not receiver.requests:
            await asyncio.sleep(0.1)

    await run_lifespan(LifespanScheduler(), delivered)

    assert receiver.requests[0].headers["Liveblog-Seq"] == "1"
