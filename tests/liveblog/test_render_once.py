"""Fan-out cost: a change is rendered once however many readers watch, and
delivering it to them costs no database query."""

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from django.db.backends.utils import CursorWrapper
from django.test.signals import template_rendered

from liveblog import services
from tests.live import assert_no_more_frames, connect, publish, receive_text

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("close_worker_connections")]

READERS = 40


@pytest.fixture
def count_queries(monkeypatch):
    """Counts every query on every connection and thread, not just the test's own."""
    counted = []
    real_execute = CursorWrapper.execute

    def execute(self, sql, params=None):
        counted.append(sql)
        return real_execute(self, sql, params)

    monkeypatch.setattr(CursorWrapper, "execute", execute)
    return counted


@pytest.fixture
def post_renders():
    rendered = []

    def on_render(sender, template, context, **kwargs):
        if template.name == "liveblog/_post.html":
            rendered.append(context.get("post"))

    template_rendered.connect(on_render, dispatch_uid="count-post-renders")
    yield rendered
    template_rendered.disconnect(dispatch_uid="count-post-renders")


async def open_readers(event, count):
    readers = []
    for _ in range(count):
        reader, connected, _ = await connect(event.slug)
        assert connected
        readers.append(reader)
    return readers


async def test_a_post_is_rendered_once_for_all_readers(editor, event, post_renders):
    readers = await open_readers(event, READERS)

    post = await publish(event, editor, "Everyone sees this")
    frames = await asyncio.gather(*(receive_text(reader) for reader in readers))
    await asyncio.gather(*(assert_no_more_frames(reader) for reader in readers))

    assert len(post_renders) == 1
    assert {json.loads(frame)["post"]["id"] for frame in frames} == {post.pk}
    assert len(set(frames)) == 1  # the very same text went to every reader
    for reader in readers:
        await reader.disconnect()


async def test_delivering_a_change_to_readers_makes_no_query(editor, event, count_queries):
    readers = await open_readers(event, READERS)
    draft = await sync_to_async(services.post_create_draft)(event=event, by=editor, headline="No queries")
    publish_started = len(count_queries)
    await sync_to_async(services.post_publish)(post=draft, by=editor)
    publish_finished = len(count_queries)

    await asyncio.gather(*(receive_text(reader) for reader in readers))
    await asyncio.gather(*(assert_no_more_frames(reader) for reader in readers))

    assert publish_finished > publish_started  # the counter does see queries
    assert count_queries[publish_finished:] == []
    for reader in readers:
        await reader.disconnect()
