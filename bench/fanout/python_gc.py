"""The product with Python's own garbage-collector settings put back (config/asgi.py tunes
them), to measure fan-out and reconnect storms with and without that tuning."""

import gc

from bench.fanout.counted import application  # noqa: F401 - served by uvicorn

gc.unfreeze()
gc.set_threshold(700, 10, 10)
