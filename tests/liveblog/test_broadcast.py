"""A public change reaches the event's channel group through real Redis, only after COMMIT."""

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import connections, transaction

from liveblog import services
from liveblog.broadcast import event_group
from liveblog.models import Post
from tests.live import publish

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def listen(event):
    """A channel subscribed to the event's group, as a reader's consumer is."""
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(event_group(event.pk), channel)

    async def receive(timeout=5):
        return await asyncio.wait_for(layer.receive(channel), timeout)

    yield receive
    await layer.group_discard(event_group(event.pk), channel)
    # The services ran in asgiref's worker thread; close its connection so the test database can go.
    await sync_to_async(connections.close_all)()


def test_channel_layer_is_redis_pubsub_in_tests():
    assert type(get_channel_layer()).__name__ == "RedisPubSubChannelLayer"


@sync_to_async
def publish_then_fail(event, by):
    draft = services.post_create_draft(event=event, by=by, headline="Never")
    with pytest.raises(RuntimeError, match="the save failed after publishing"), transaction.atomic():
        services.post_publish(post=draft, by=by)
        raise RuntimeError("the save failed after publishing")
    draft.refresh_from_db()
    draft.event.refresh_from_db()
    assert (draft.status, draft.seq, draft.event.seq) == (Post.Status.DRAFT, None, 0)


async def test_published_post_reaches_the_event_group_as_ready_text(listen, editor, event):
    post = await publish(event, editor, "Live now")

    message = await listen()

    assert message["type"] == "live.change"
    payload = json.loads(message["text"])
    assert payload["seq"] == post.seq
    assert payload["post"]["headline"] == "Live now"


async def test_nothing_is_sent_when_the_transaction_rolls_back(listen, editor, event):
    await publish_then_fail(event, editor)
    await publish(event, editor, "Afterwards")

    payload = json.loads((await listen())["text"])

    assert payload["post"]["headline"] == "Afterwards"
    assert payload["seq"] == 1
