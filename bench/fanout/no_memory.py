"""The product with its resume memory turned off, for the reconnect-storm comparison only:
no recent changes kept by the fan-out hub and no slugs remembered, so every connect resolves
its slug and every resume reads the change log, as before the hub kept them."""

from bench.fanout.counted import application  # noqa: F401 - served by uvicorn
from liveblog import consumers, fanout

fanout.RECENT_CHANGES = 0
consumers.EVENT_ID_SECONDS = 0.0
