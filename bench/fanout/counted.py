"""The product as the benches serve it: config.asgi's application, plus a count of the SQL
statements each worker runs, written every 0.2 s to BENCH_QUERY_DIR/<pid> for the bench to add
up (exact, where PostgreSQL's own statistics reach pg_stat_database seconds late)."""

import itertools
import os
import threading
import time

from django.db.backends.utils import CursorWrapper

from config.asgi import application  # noqa: F401 - served by uvicorn

_statements = itertools.count()  # next() on it is atomic under the GIL: threads may share it
_seen = [0]


def _counting(method):
    def counted(self, *args, **kwargs):
        _seen[0] = next(_statements) + 1
        return method(self, *args, **kwargs)

    return counted


def _write_counts(directory: str) -> None:
    path = os.path.join(directory, str(os.getpid()))
    while True:
        with open(path, "w") as out:
            out.write(str(_seen[0]))
        time.sleep(0.2)


if os.environ.get("BENCH_QUERY_DIR"):
    CursorWrapper.execute = _counting(CursorWrapper.execute)
    CursorWrapper.executemany = _counting(CursorWrapper.executemany)
    threading.Thread(target=_write_counts, args=(os.environ["BENCH_QUERY_DIR"],), daemon=True).start()
