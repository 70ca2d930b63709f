"""Production settings for the fan-out bench, with the bench's own channel-layer prefix.

Redis pub/sub channels ignore the database number in REDIS_URL: every client of
the server shares one namespace. Tests and a developer's `make run` name their
groups "event-<id>" too, and their event ids start at 1 like the bench's, so
the bench gives its groups another prefix; nothing else differs from
config.settings.
"""

from config.settings import *  # noqa: F403
from config.settings import CHANNEL_LAYERS

if "redis" in CHANNEL_LAYERS["default"]["BACKEND"].lower():
    CHANNEL_LAYERS["default"].setdefault("CONFIG", {})["prefix"] = "liveblog-bench"
