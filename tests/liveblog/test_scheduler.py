"""The in-process scheduler (embedded default) publishes due posts and stops cleanly."""

import asyncio
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from liveblog import services
from liveblog.models import Post
from liveblog.scheduler import LifespanScheduler

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("close_worker_connections")]


@sync_to_async
def schedule_due_post(event, editor):
    draft = services.post_create_draft(event=event, by=editor, headline="On time")
    services.post_schedule(post=draft, by=editor, at=timezone.now() + timedelta(seconds=1))
    return draft


async def run_lifespan(app, until, timeout=10):
    inbox, outbox = asyncio.Queue(), asyncio.Queue()
    server = asyncio.ensure_future(app({"type": "lifespan"}, inbox.get, outbox.put))
    await inbox.put({"type": "lifespan.startup"})
    assert (await asyncio.wait_for(outbox.get(), 5))["type"] == "lifespan.startup.complete"
    try:
        await asyncio.wait_for(until(), timeout)
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        assert (await asyncio.wait_for(outbox.get(), 5))["type"] == "lifespan.shutdown.complete"
        await server


async def test_lifespan_scheduler_publishes_a_due_post(settings, editor, event):
    settings.LIVEBLOG_SCHEDULER_IN_PROCESS = True
    settings.LIVEBLOG_SCHEDULER_INTERVAL = 0.1
    draft = await schedule_due_post(event, editor)

    async def published():
        while await Post.objects.filter(pk=draft.pk, status=Post.Status.PUBLISHED).aexists() is False:
            await asyncio.sleep(0.1)

    await run_lifespan(LifespanScheduler(), published)
