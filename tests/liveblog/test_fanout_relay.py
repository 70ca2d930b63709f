"""The fan-out hub keeps readers current from the change log when the layer fails them:
a change the layer never carried is relayed, a subscription whose receive raises is made
again, and members hear the log's seq in a heartbeat when no change has come for a while."""

import asyncio
import json

import pytest
from channels.layers import InMemoryChannelLayer

from liveblog import fanout
from liveblog.broadcast import event_group
from liveblog.fanout import hub_for
from tests.live import publish

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("close_worker_connections")]


class Member:
    def __init__(self):
        self.messages = []

    def hub_deliver(self, message):
        self.messages.append(message)

    def seqs(self, kind="live.change"):
        return [message["seq"] for message in self.messages if message["type"] == kind]


class ReceiveFailsOnce(InMemoryChannelLayer):
    """A layer whose first receive raises, as a dropped Redis connection does."""

    failed = False

    async def receive(self, channel):
        if not self.failed:
            self.failed = True
            raise ConnectionError("connection to the layer lost")
        return await super().receive(channel)


async def settle(condition, timeout=5.0):
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)


@pytest.fixture(autouse=True)
def quick_relay(monkeypatch):
    monkeypatch.setattr(fanout, "RELAY_SECONDS", 0.1)
    monkeypatch.setattr(fanout, "RESUBSCRIBE_FIRST_WAIT", 0.05)


async def test_a_change_the_layer_never_carried_is_relayed_from_the_log(event, editor):
    # The hub listens on a layer the services do not send to: only the log can bring the change.
    hub, member = hub_for(InMemoryChannelLayer()), Member()
    await hub.join(event_group(event.pk), member, event_id=event.pk)
    await settle(lambda: hub.last_seq[event_group(event.pk)] == 0)

    first = await publish(event, editor, "Sent while the layer was away")
    second = await publish(event, editor, "And another")
    await settle(lambda: member.seqs() == [first.seq, second.seq])

    texts = [json.loads(m["text"]) for m in member.messages if m["type"] == "live.change"]
    assert [t["post"]["headline"] for t in texts] == ["Sent while the layer was away", "And another"]
    hub.leave(event_group(event.pk), member)


async def test_a_failing_receive_is_logged_and_the_subscription_made_again(event, caplog):
    layer = ReceiveFailsOnce()
    hub, member, group = hub_for(layer), Member(), event_group(event.pk)
    await hub.join(group, member, event_id=event.pk)
    await settle(lambda: layer.failed)
    await settle(lambda: len(layer.groups.get(group, {})) == 1)  # subscribed again

    await layer.group_send(group, {"type": "live.change", "seq": 1, "text": "{}"})
    await settle(lambda: member.seqs() == [1])
    assert "Subscription to event-" in caplog.text and "subscribing again" in caplog.text
    hub.leave(group, member)


async def test_members_hear_the_logs_seq_in_a_heartbeat(event, editor, monkeypatch):
    monkeypatch.setattr(fanout, "HEARTBEAT_SECONDS", 0.2)
    post = await publish(event, editor, "Before anyone joined")
    hub, member = hub_for(InMemoryChannelLayer()), Member()
    await hub.join(event_group(event.pk), member, event_id=event.pk)

    await settle(lambda: member.seqs("live.heartbeat"))
    heartbeat = next(m for m in member.messages if m["type"] == "live.heartbeat")
    assert json.loads(heartbeat["text"]) == {"type": "heartbeat", "seq": post.seq}
    hub.leave(event_group(event.pk), member)


async def test_no_heartbeat_while_changes_flow_and_one_once_they_stop(event, monkeypatch):
    # While changes arrive each one carries the seq and proves the socket alive; a heartbeat
    # then would only be one more frame for every reader, on top of a post.
    monkeypatch.setattr(fanout, "HEARTBEAT_SECONDS", 0.5)
    layer = InMemoryChannelLayer()
    hub, member, group = hub_for(layer), Member(), event_group(event.pk)
    await hub.join(group, member, event_id=event.pk)

    for seq in range(1, 13):  # a change every 0.1 s for 1.2 s
        await layer.group_send(group, {"type": "live.change", "seq": seq, "text": "{}"})
        await asyncio.sleep(0.1)
    assert member.seqs() == list(range(1, 13))
    assert member.seqs("live.heartbeat") == []

    await settle(lambda: member.seqs("live.heartbeat"), timeout=2.0)
    hub.leave(group, member)
