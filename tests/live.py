"""What the socket tests share: opening a reader's socket, reading its frames, and knowing it has
said all it will.

A socket has said all it will when the frame with the expected `seq` has arrived and nothing more
comes within a short window (QUIET) — never "some seconds of quiet means done". Every frame a test
reads comes through `receive_text`, so a check on the frames themselves belongs there.
"""

import json

from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from config.asgi import application
from tests import helpers
from tests.schemas import assert_live_frame

ORIGIN = (b"origin", b"http://127.0.0.1:8000")
FRAME_TIMEOUT = 5
# Long enough for a duplicate or a stray frame already on its way to show up; short enough that
# every socket test can afford to wait it out.
QUIET = 0.25

publish = sync_to_async(helpers.publish)
"""`helpers.publish` for async tests: it runs in asgiref's worker thread, as the services must."""


async def connect(slug: str, query: str = "", origin=ORIGIN):
    """A reader's socket on an event's live stream, through the whole ASGI application."""
    path = f"/ws/events/{slug}/" + (f"?{query}" if query else "")
    communicator = WebsocketCommunicator(application, path, headers=[origin] if origin else [])
    connected, code = await communicator.connect(timeout=FRAME_TIMEOUT)
    return communicator, connected, code


async def receive_text(communicator, timeout: float = FRAME_TIMEOUT, *, reader: bool = True) -> str:
    """The next frame exactly as the server sent it: a JSON object in a text frame. A reader's
    frames must match docs/live-protocol.schema.json (`reader=False` for the newsroom's socket)."""
    try:
        text = await communicator.receive_from(timeout=timeout)
    except TimeoutError:
        raise AssertionError(f"no frame arrived within {timeout}s") from None
    assert isinstance(text, str), f"expected a text frame, got {text!r}"
    assert isinstance(json.loads(text), dict), f"expected a JSON object, got {text!r}"
    if reader:
        assert_live_frame(text)
    return text


async def receive_frame(communicator, timeout: float = FRAME_TIMEOUT, *, reader: bool = True) -> dict:
    """The next frame, decoded."""
    return json.loads(await receive_text(communicator, timeout, reader=reader))


async def receive_until_seq(communicator, seq: int, timeout: float = FRAME_TIMEOUT) -> list[dict]:
    """Every frame up to and including the change numbered `seq`.

    Fails if a later number comes first, or if `seq` does not come within `timeout` of the frame
    before it. Follow it with `assert_no_more_frames` to prove nothing else was on its way.
    """
    frames = []
    while True:
        try:
            frame = await receive_frame(communicator, timeout)
        except AssertionError as silence:
            raise AssertionError(f"seq {seq} never arrived; got {frames}") from silence
        frames.append(frame)
        if frame.get("seq") == seq:
            return frames
        assert frame.get("seq", 0) < seq, f"seq {frame['seq']} arrived before {seq}: {frames}"


async def assert_no_more_frames(communicator, within: float = QUIET) -> None:
    # receive_nothing looks without consuming, and without cancelling the application on timeout.
    if not await communicator.receive_nothing(timeout=within):
        unexpected = await communicator.receive_output(timeout=FRAME_TIMEOUT)
        raise AssertionError(f"expected nothing more from the socket, got {unexpected}")


async def receive_close(communicator, timeout: float = FRAME_TIMEOUT) -> int:
    """The close code the server ended the socket with."""
    message = await communicator.receive_output(timeout=timeout)
    assert message["type"] == "websocket.close", f"expected the socket to close, got {message}"
    return message["code"]
