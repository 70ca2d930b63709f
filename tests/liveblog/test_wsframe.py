"""Live changes written straight to uvicorn's sockets: the same bytes uvicorn would write,
only when it would write them at once, and in order with everything sent through ASGI."""

import asyncio

import pytest
from uvicorn.config import Config
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from uvicorn.server import ServerState

from liveblog.wsframe import direct_frame_writer, text_frame
from tests.liveblog.test_fanout_hub import consumer_with, settle

HANDSHAKE = (
    b"GET /ws/events/summit/ HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nUpgrade: websocket\r\n"
    b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
)


class RecordingTransport(asyncio.Transport):
    """The socket under uvicorn's protocol: keeps every byte written to it."""

    def __init__(self):
        super().__init__()
        self.written = bytearray()
        self.closing = False

    def write(self, data):
        self.written += data

    def is_closing(self):
        return self.closing

    def close(self):
        self.closing = True

    def get_extra_info(self, name, default=None):
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8000)}.get(name, default)

    def pause_reading(self):
        pass

    def resume_reading(self):
        pass

    def take(self) -> bytes:
        data, self.written = bytes(self.written), bytearray()
        return data


async def open_uvicorn_socket():
    """uvicorn's websocket protocol through its handshake, serving an app that accepts:
    (the protocol, its transport, the ASGI send the app was given)."""
    handed = asyncio.get_running_loop().create_future()

    async def app(scope, receive, send):
        assert (await receive())["type"] == "websocket.connect"
        await send({"type": "websocket.accept"})
        handed.set_result(send)
        while (await receive())["type"] != "websocket.disconnect":
            pass

    config = Config(app, ws_per_message_deflate=False, lifespan="off", log_config=None)
    config.load()
    state = ServerState()
    protocol = WebSocketsSansIOProtocol(config, state, {}, _loop=asyncio.get_running_loop())
    transport = RecordingTransport()
    protocol.connection_made(transport)
    protocol.data_received(HANDSHAKE)
    async with asyncio.timeout(2):
        send = await handed
    assert transport.take().startswith(b"HTTP/1.1 101")
    return protocol, transport, send


async def disconnect(protocol) -> None:
    """The reader goes away; the app sees the disconnect and ends."""
    protocol.connection_lost(None)
    async with asyncio.timeout(2):
        await asyncio.gather(*protocol.tasks)


async def uvicorn_writes(transport, send, text) -> bytes:
    await send({"type": "websocket.send", "text": text})
    return transport.take()


@pytest.mark.parametrize("size", [5, 125, 126, 4000, 65535, 70000])
async def test_a_frame_built_once_is_the_frame_uvicorn_writes(size):
    protocol, transport, send = await open_uvicorn_socket()
    # JSON text with non-ASCII in it: the length is counted in UTF-8 bytes.
    text = ('{"seq":1,"headline":"Élysée: ' + "x" * size)[:size] + '"}'

    assert text_frame(text) == await uvicorn_writes(transport, send, text)
    assert direct_frame_writer(send)(text_frame(text)) is True
    assert transport.take() == await uvicorn_writes(transport, send, text)
    await disconnect(protocol)


async def test_the_frame_of_a_change_is_built_once_for_all_its_readers():
    text = '{"seq":7,"type":"post_published"}'
    assert text_frame(text) is text_frame(text)
    other = '{"seq":8,"type":"post_published"}'
    assert text_frame(other) != text_frame(text)


async def test_nothing_is_written_directly_to_a_socket_that_is_not_ready():
    protocol, transport, send = await open_uvicorn_socket()
    write = direct_frame_writer(send)
    frame = text_frame('{"seq":1}')

    protocol.pause_writing()  # the reader is slow: its buffer is full
    assert write(frame) is False
    protocol.resume_writing()
    assert write(frame) is True
    assert transport.take() == frame

    await send({"type": "websocket.close", "code": 1000})
    transport.take()
    assert write(frame) is False  # closing
    await disconnect(protocol)
    assert write(frame) is False
    assert transport.take() == b""


async def test_other_servers_sends_go_through_asgi():
    async def send(message):
        pass

    assert direct_frame_writer(send) is None


def frames_of(*seqs) -> bytes:
    return b"".join(text_frame(f'{{"seq":{seq}}}') for seq in seqs)


def change(seq):
    return {"type": "live.change", "seq": seq, "text": f'{{"seq":{seq}}}'}


async def test_a_reader_behind_a_full_buffer_gets_every_change_in_order():
    protocol, transport, send = await open_uvicorn_socket()
    consumer = await consumer_with(send)
    consumer.write_frame = direct_frame_writer(send)

    consumer.hub_deliver(change(1))
    assert transport.take() == frames_of(1)  # written within the delivery
    protocol.pause_writing()
    consumer.hub_deliver(change(2))
    consumer.hub_deliver(change(3))
    await asyncio.sleep(0.05)
    assert transport.written == b""  # waiting for room, behind the first
    protocol.resume_writing()
    await settle(lambda: consumer.writer.done())
    consumer.hub_deliver(change(3))  # a duplicate
    consumer.hub_deliver(change(4))
    await settle(lambda: consumer.writer.done())

    assert transport.take() == frames_of(2, 3, 4)
    consumer.stop_live_changes()
    await disconnect(protocol)


async def test_changes_during_a_resume_follow_it_and_nothing_is_sent_twice():
    protocol, transport, send = await open_uvicorn_socket()
    consumer = await consumer_with(send)
    consumer.write_frame = direct_frame_writer(send)

    async with consumer.turn:  # answering the reader's resume
        consumer.hub_deliver(change(1))
        consumer.hub_deliver(change(2))
        await consumer.forward(1, '{"seq":1}')  # the resume's own copy of change 1
        assert transport.take() == frames_of(1)
    await settle(lambda: consumer.writer.done())
    consumer.hub_deliver(change(3))

    assert transport.take() == frames_of(2, 3)
    # A gap (change 4 lost on the way) is the writer's: it fills it from the log first.
    assert consumer.write_now(change(5)) is False
    assert transport.written == b""
    consumer.stop_live_changes()
    await disconnect(protocol)
