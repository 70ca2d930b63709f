"""The product as the benches serve it: config.asgi's application, plus a count of the SQL
statements each worker runs and its garbage collector's latest full passes (when each ended, how
long it took), written every 0.2 s to BENCH_QUERY_DIR/<pid> for the bench to add up (exact, where
PostgreSQL's own statistics reach pg_stat_database seconds late)."""

import collections
import gc
import itertools
import os
import threading
import time

from django.db.backends.utils import CursorWrapper

from config.asgi import application  # noqa: F401 - served by uvicorn

_statements = itertools.count()  # next() on it is atomic under the GIL: threads may share it
_seen = [0]
_full_pass_started = [0.0]
_full_passes: collections.deque = collections.deque(maxlen=200)  # (ended at, seconds)


def _time_full_passes(phase: str, info: dict) -> None:
    if info["generation"] != 2:
        return
    if phase == "start":
        _full_pass_started[0] = time.perf_counter()
    else:
        _full_passes.append((time.time(), time.perf_counter() - _full_pass_started[0]))


def _counting(method):
    def counted(self, *args, **kwargs):
        _seen[0] = next(_statements) + 1
        return method(self, *args, **kwargs)

    return counted


def _write_counts(directory: str) -> None:
    path = os.path.join(directory, str(os.getpid()))
    while True:
        with open(path + ".new", "w") as out:
            passes = " ".join(f"{ended:.3f},{seconds:.4f}" for ended, seconds in list(_full_passes))
            out.write(f"{_seen[0]}\n{passes}\n")
        os.replace(path + ".new", path)  # the bench never reads half a file
        time.sleep(0.2)


if os.environ.get("BENCH_QUERY_DIR"):
    CursorWrapper.execute = _counting(CursorWrapper.execute)
    CursorWrapper.executemany = _counting(CursorWrapper.executemany)
    gc.callbacks.append(_time_full_passes)
    threading.Thread(target=_write_counts, args=(os.environ["BENCH_QUERY_DIR"],), daemon=True).start()
