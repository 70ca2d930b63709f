"""A partner's receiver, for real: an HTTP server in a thread on a free local port, which
records every request it gets and answers with the statuses a test tells it to."""

import threading
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from rest_framework.test import APIClient

from accounts.services import api_key_create
from tests.conftest import make_user


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    """`answers` holds the statuses to give, in turn; once it is empty every request gets 200."""

    def __init__(self):
        self.requests: list[Received] = []
        self.answers: deque[int | tuple[int, dict]] = deque()
        self.before_answer = lambda: None  # e.g. wait for something, like a slow partner
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append(Received(self.path, dict(self.headers.items()), body))
                receiver.before_answer()
                answer = receiver.answers.popleft() if receiver.answers else 200
                status, headers = answer if isinstance(answer, tuple) else (answer, {})
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/liveblog"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


@pytest.fixture
def second_receiver():
    with Receiver() as running:
        yield running


@pytest.fixture
def key_admin(db):
    return make_user("keys", None, is_superuser=True, is_staff=True)


@pytest.fixture
def partner(key_admin):
    """A partner's key, as the PartnerApiKey and as the raw key the partner sends."""
    key, raw_key = api_key_create(name="Partner Daily", by=key_admin, rate_limit_per_minute=1000)
    key.raw = raw_key
    return key


@pytest.fixture
def clock():
    """The worker's time, moved on by the test: `clock.now`, `clock.advance(seconds=…)`."""

    class Clock:
        now = datetime(2026, 3, 15, 9, 30, tzinfo=UTC)

        def advance(self, **delta):
            self.now += timedelta(**delta)
            return self.now

    return Clock()
