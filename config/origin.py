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
