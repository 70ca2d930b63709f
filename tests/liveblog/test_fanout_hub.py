"""The process-local fan-out hub, and the consumer's writer fed by it."""

import asyncio

import pytest
from channels.layers import InMemoryChannelLayer

from liveblog.consumers import EAGER_TASKS, LiveEventConsumer
from liveblog.fanout import hub_for

GROUP = "event-1"


class Member:
    def __init__(self, fail=False):
        self.seen = []
        self.fail = fail

    def hub_deliver(self, message):
        if self.fail:
            raise RuntimeError("broken member")
        self.seen.append(message["seq"])


async def settle(condition, timeout=2.0):
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


async def test_one_layer_subscription_per_group_serves_every_member_in_order():
    layer = InMemoryChannelLayer()
    hub = hub_for(layer)
    first, second = Member(), Member()
    await hub.join(GROUP, first)
    await hub.join(GROUP, second)
    assert hub_for(layer) is hub
    assert len(layer.groups[GROUP]) == 1

    for seq in (1, 2, 3):
        await layer.group_send(GROUP, {"type": "live.change", "seq": seq, "text": "{}"})
    await settle(lambda: len(second.seen) == 3)

    assert first.seen == second.seen == [1, 2, 3]
    hub.leave(GROUP, first)
    hub.leave(GROUP, second)


async def test_the_last_member_to_leave_ends_the_subscription():
    layer = InMemoryChannelLayer()
    hub = hub_for(layer)
    member = Member()
    await hub.join(GROUP, member)
    hub.leave(GROUP, member)
    hub.leave(GROUP, member)  # twice is harmless

    await settle(lambda: not layer.groups.get(GROUP))
    assert hub.members == {}
    # A new reader subscribes again from scratch.
    await hub.join(GROUP, member)
    await layer.group_send(GROUP, {"type": "live.change", "seq": 1, "text": "{}"})
    await settle(lambda: member.seen == [1])
    hub.leave(GROUP, member)


async def test_a_failing_member_does_not_stop_the_others():
    layer = InMemoryChannelLayer()
    hub = hub_for(layer)
    broken, healthy = Member(fail=True), Member()
    await hub.join(GROUP, broken)
    await hub.join(GROUP, healthy)
    await layer.group_send(GROUP, {"type": "live.change", "seq": 1, "text": "{}"})
    await layer.group_send(GROUP, {"type": "live.change", "seq": 2, "text": "{}"})
    await settle(lambda: healthy.seen == [1, 2])
    hub.leave(GROUP, broken)
    hub.leave(GROUP, healthy)


async def consumer_with(send) -> LiveEventConsumer:
    """A reader's consumer at seq 0 whose frames go to `send`, fed by the hub of a fresh layer."""
    consumer = LiveEventConsumer()
    consumer.base_send = send
    consumer.event_id = 1
    consumer.last_seq = 0
    consumer.layer = InMemoryChannelLayer()
    consumer.hub = hub_for(consumer.layer)
    consumer.group = GROUP
    await consumer.hub.join(GROUP, consumer)
    return consumer


def recording_send():
    """A server send that keeps the text of every frame, and the list it keeps them in."""
    sent = []

    async def send(message):
        sent.append(message["text"])

    return sent, send


def change(seq):
    return {"type": "live.change", "seq": seq, "text": f'{{"seq":{seq}}}'}


async def test_the_writer_sends_changes_in_order_and_drops_duplicates():
    sent, send = recording_send()
    consumer = await consumer_with(send)
    for seq in (1, 2, 2, 3):
        await consumer.layer.group_send(GROUP, change(seq))
    await settle(lambda: len(sent) == 3 and not consumer.live_changes)

    assert sent == ['{"seq":1}', '{"seq":2}', '{"seq":3}']
    consumer.stop_live_changes()
    assert consumer.hub.members == {}


async def test_a_send_the_server_makes_wait_keeps_later_changes_behind_it():
    sent = []
    drained = asyncio.Event()

    async def send(message):
        if not sent and not drained.is_set():
            await drained.wait()  # back-pressure on the first frame
        sent.append(message["text"])

    consumer = await consumer_with(send)
    consumer.hub_deliver(change(1))
    consumer.hub_deliver(change(2))
    await asyncio.sleep(0.05)
    assert sent == []  # change 2 waits for change 1
    drained.set()
    await settle(lambda: len(sent) == 2)

    assert sent == ['{"seq":1}', '{"seq":2}']
    consumer.stop_live_changes()


async def test_live_changes_wait_while_the_consumer_handles_a_frame():
    sent, send = recording_send()
    consumer = await consumer_with(send)
    async with consumer.turn:  # e.g. answering a resume
        consumer.hub_deliver(change(1))
        consumer.hub_deliver(change(2))
        await asyncio.sleep(0.05)
        assert sent == []
    await settle(lambda: len(sent) == 2)

    assert sent == ['{"seq":1}', '{"seq":2}']
    consumer.stop_live_changes()


async def test_a_failed_send_closes_the_socket_so_the_reader_resumes():
    sent = []

    async def send(message):
        if message["type"] == "websocket.send":
            raise OSError("connection reset")
        sent.append(message)

    consumer = await consumer_with(send)
    consumer.hub_deliver(change(1))
    await settle(lambda: consumer.writer.done())

    assert sent == [{"type": "websocket.close"}]
    # The socket left the hub: later changes start no writer that would fail again.
    assert consumer.hub.members == {}
    consumer.hub_deliver(change(2))
    assert consumer.writer.done()
    consumer.stop_live_changes()


@pytest.mark.skipif(not EAGER_TASKS, reason="eager tasks need Python 3.12")
async def test_a_change_for_an_idle_socket_is_written_within_the_delivery():
    sent, send = recording_send()
    consumer = await consumer_with(send)
    consumer.hub_deliver(change(1))
    # No turn of the event loop in between: the frame is already out, and no task is left.
    assert sent == ['{"seq":1}']
    assert consumer.writer.done()
    consumer.hub_deliver(change(2))
    assert sent == ['{"seq":1}', '{"seq":2}']
    consumer.stop_live_changes()


async def test_the_writer_ends_when_its_queue_is_empty_and_the_next_change_starts_another():
    sent, send = recording_send()
    consumer = await consumer_with(send)
    consumer.hub_deliver(change(1))
    await settle(lambda: consumer.writer.done())
    first = consumer.writer
    consumer.hub_deliver(change(2))
    await settle(lambda: sent == ['{"seq":1}', '{"seq":2}'])
    assert consumer.writer is not first
    consumer.stop_live_changes()
