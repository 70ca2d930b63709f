"""ASGI entry point: Django for HTTP, the live-event consumer for websockets, and the
in-process scheduler on the embedded default (lifespan)."""

import gc
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

django_http = get_asgi_application()  # set Django up before importing consumers and models

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from config.origin import AdmitEmbedOrigins, RefuseMalformedOrigin  # noqa: E402
from config.routing import websocket_urlpatterns  # noqa: E402
from liveblog.api.fastpath import NotModifiedFastPath  # noqa: E402
from liveblog.scheduler import LifespanScheduler  # noqa: E402

application = ProtocolTypeRouter(
    {
        # Unchanged polls of an event's posts get their 304 before Django's stack (fastpath.py).
        "http": NotModifiedFastPath(django_http),
        # Browsers send Origin; a page on another site cannot open our socket, unless a partner
        # key lists that site as one the live blog is embedded on.
        "websocket": RefuseMalformedOrigin(
            AdmitEmbedOrigins(URLRouter(websocket_urlpatterns),
                              checked=AllowedHostsOriginValidator(URLRouter(websocket_urlpatterns)))
        ),
        "lifespan": LifespanScheduler(),
    }
)

# A web process holds thousands of sockets of a few hundred objects each, living for minutes.
# With Python's default thresholds the collector makes a full pass over all of them (0.4-0.9 s
# at 5,000-10,000 sockets) each time the heap grows by a quarter: several per reconnect storm,
# each a pause for every reader of the process. So the start-up objects (Django, the URLconf,
# the code) are frozen out of those passes, and a full pass waits for about a million new
# objects (several thousand sockets) instead of 70,000. BENCHMARKS.md has the figures.
gc.freeze()
gc.set_threshold(5000, 10, 20)
