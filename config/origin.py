"""Websocket handshakes whose Origin header cannot be parsed are refused like foreign ones.

Channels' origin check parses the header with urlparse and catches only decoding errors,
so `Origin: http://[127.0.0.1]` (an IPv6 bracket around an IPv4 address) or a port past
65535 raise ValueError and end the handshake in a 500.
"""

from urllib.parse import urlparse

from channels.security.websocket import WebsocketDenier


def _unparseable(origin: bytes) -> bool:
    try:
        parsed = urlparse(origin.decode("latin1"))
        parsed.hostname, parsed.port  # noqa: B018 - both raise ValueError on a malformed origin
    except ValueError:
        return True
    return False


class RefuseMalformedOrigin:
    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if any(name == b"origin" and _unparseable(value) for name, value in scope.get("headers", [])):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)


READER_STREAM_PATH = "/ws/events/"


class AdmitEmbedOrigins:
    """Sockets from a site a partner key may embed on go straight in; all others meet `checked`
    (an OriginValidator: our own hosts).

    The embed's iframe is on our own origin, so its socket passes the host check and never
    asks for the partner list; this is for a partner page that opens the stream itself, from
    an origin its key lists (accounts.services.embed_origins_allowed, cached).
    """

    def __init__(self, application, *, checked):
        self.application = application
        self.checked = checked

    async def __call__(self, scope, receive, send):
        origin = next((value for name, value in scope.get("headers", []) if name == b"origin"), None)
        # Only the public stream: the newsroom socket carries a journalist's session.
        is_reader_stream = scope.get("path", "").startswith(READER_STREAM_PATH)
        if is_reader_stream and origin is not None:
            text = origin.decode("latin1")
            if not self.checked.valid_origin(urlparse(text)) and text.lower() in await _embed_origins():
                return await self.application(scope, receive, send)
        return await self.checked(scope, receive, send)


async def _embed_origins() -> frozenset[str]:
    from channels.db import database_sync_to_async

    from accounts.services import embed_origins_allowed

    return await database_sync_to_async(embed_origins_allowed)()
