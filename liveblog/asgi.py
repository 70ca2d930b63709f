"""ASGI entry point: Django for HTTP; websockets are added by the live-stream work."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liveblog.settings")

from channels.routing import ProtocolTypeRouter  # noqa: E402
from django.core.asgi import get_asgi_application  # noqa: E402

django_http = get_asgi_application()

application = ProtocolTypeRouter({"http": django_http})
