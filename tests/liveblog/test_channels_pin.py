"""The Channels code the live consumer leans on is still the code it was written against.

LiveEventConsumer sets `channel_layer_alias = None` so that AsyncConsumer.__call__
takes no layer channel per socket (the fan-out hub subscribes once per event per
process), and it wraps AsyncConsumer.dispatch to take its turn. A Channels release
that changes either must be read before the pin in pyproject.toml moves.
"""

import hashlib
import inspect

import pytest
from asgiref.sync import sync_to_async
from channels.consumer import AsyncConsumer
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.db import connections

from config.asgi import application
from liveblog.broadcast import event_group
from liveblog.consumers import LiveEventConsumer
from liveblog.fanout import hub_for

# sha256 of inspect.getsource(...) in Channels 4.3.2.
PINNED = {
    "AsyncConsumer.__call__": (AsyncConsumer.__call__, "e52238720872dbc3f854519bc971aa7eb41553e63c8729081549ce42465ee419"),
    "AsyncConsumer.dispatch": (AsyncConsumer.dispatch, "39f34e7d4fb0f6552de4ade665b943fe78137379702af6b58c79a14c49a75520"),
    "get_channel_layer": (get_channel_layer, "3064602a661d3ccdbdd3f72731dc48f4dfa9635121d8d9460210f9e63ae10c85"),
}


@pytest.mark.parametrize("name", sorted(PINNED))
def test_channels_code_the_consumer_relies_on_is_unchanged(name):
    function, expected = PINNED[name]
    found = hashlib.sha256(inspect.getsource(function).encode()).hexdigest()
    assert found == expected, (
        f"Channels' {name} changed. liveblog/consumers.py relies on it: a consumer whose "
        "channel_layer_alias names no layer must get no layer channel, and dispatch must "
        "still call the handler for the message's type. Read the new code, adjust "
        "LiveEventConsumer if needed, then update the hash here and the channels pin in "
        "pyproject.toml."
    )


def test_the_consumer_takes_no_layer_channel_of_its_own():
    assert LiveEventConsumer.channel_layer_alias is None


@pytest.mark.django_db(transaction=True)
async def test_readers_share_one_subscription_and_hold_no_channel_each(event):
    readers = []
    for _ in range(3):
        reader = WebsocketCommunicator(
            application, f"/ws/events/{event.slug}/", headers=[(b"origin", b"http://127.0.0.1:8000")]
        )
        assert (await reader.connect(timeout=5))[0]
        readers.append(reader)

    layer = get_channel_layer()
    hub = hub_for(layer)
    assert len(hub.members[event_group(event.pk)]) == 3
    # The pub/sub layer's channels in this process: the hub's one, none per reader.
    assert len(layer._get_layer().channels) == 1

    for reader in readers:
        await reader.disconnect()
    assert event_group(event.pk) not in hub.members
    await sync_to_async(connections.close_all)()
