"""A live change's websocket frame, built once per process and written straight to each socket.

Through ASGI, every reader's copy of a change is framed anew: uvicorn (its sans-I/O
websockets protocol, the default) encodes the text, builds and serializes a frame and
joins the pieces, about 2 µs per reader per change on top of Channels' own send. A
frame from server to client is not masked (RFC 6455, section 5.1), so its bytes are
the same for every reader: `text_frame` builds them once, and `direct_frame_writer`
writes them to a socket's transport while the connection is open and ready. Under
any other server, or any other state, a change goes through the ASGI send as before.
"""

from collections.abc import Callable

try:
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
    from websockets.protocol import State
except ImportError:  # pragma: no cover - uvicorn[standard] brings both
    WebSocketsSansIOProtocol = None

FIN_TEXT = 0x81  # FIN bit and opcode 1: a whole text message in one frame

# The text framed last: every reader of a process receives the same str object of a change.
_last: tuple[str, bytes] | None = None


def text_frame(text: str) -> bytes:
    """The unmasked, unfragmented websocket frame carrying `text`."""
    global _last
    last = _last
    if last is not None and last[0] is text:
        return last[1]
    payload = text.encode()
    size = len(payload)
    if size < 126:
        header = bytes((FIN_TEXT, size))
    elif size < 1 << 16:
        header = bytes((FIN_TEXT, 126)) + size.to_bytes(2, "big")
    else:
        header = bytes((FIN_TEXT, 127)) + size.to_bytes(8, "big")
    frame = header + payload
    _last = (text, frame)
    return frame


def direct_frame_writer(send) -> Callable[[bytes], bool] | None:
    """For an ASGI `send` of uvicorn's sans-I/O websocket protocol, a function that writes a
    ready frame to the socket and says whether it did; None for any other server (tests'
    communicators, other protocols), whose sends all go through ASGI."""
    protocol = getattr(send, "__self__", None)
    if WebSocketsSansIOProtocol is None or not isinstance(protocol, WebSocketsSansIOProtocol):
        return None
    connection = protocol.conn

    def write(frame: bytes) -> bool:
        # Only what uvicorn's own send would write at once: an open, accepted socket with no
        # close under way, no extension that would transform frames, and room in its buffer
        # (when the reader is slow, the ASGI send waits for that room; so must every later change).
        if (
            not protocol.handshake_complete
            or protocol.close_sent
            or protocol.disconnected
            or protocol.initial_response is not None
            or not protocol.writable.is_set()
            or connection.state is not State.OPEN
            or connection.extensions
            or protocol.transport.is_closing()
        ):
            return False
        protocol.transport.write(frame)
        return True

    return write
