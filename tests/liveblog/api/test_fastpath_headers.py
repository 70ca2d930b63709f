"""The fast path's 304 carries exactly the headers Django's own 304 would for the same request.

Each request goes once through the fast path (which must answer it without
Django) and once straight to Django's full stack, the fast path standing aside.
"""

import pytest
from asgiref.sync import sync_to_async
from asgiref.testing import ApplicationCommunicator
from django.core.asgi import get_asgi_application
from django.db import connections

from config.redis import sync_client
from liveblog import seqcache, services
from liveblog.api.fastpath import NotModifiedFastPath

pytestmark = pytest.mark.django_db(transaction=True)

# Headers whose value is the time of answering.
DATE_LIKE = {b"date", b"expires"}


@pytest.fixture(autouse=True)
async def close_worker_connections():
    yield
    await sync_to_async(connections.close_all)()


@pytest.fixture(autouse=True)
def fresh_seq_entry(event):
    """An entry left in Redis by an earlier run (same slug, id and seq) would carry its old time."""
    sync_client().delete(seqcache._key(event.slug))


class Counting:
    """Django's ASGI app, built now (so its middleware reads this test's settings), counting calls."""

    def __init__(self):
        self.calls = 0
        self.django = get_asgi_application()

    async def __call__(self, scope, receive, send):
        self.calls += 1
        await self.django(scope, receive, send)


async def answer(app, path, headers, query=b"", method="GET", scheme="http"):
    scope = {
        "type": "http", "method": method, "path": path, "raw_path": path.encode(), "root_path": "",
        "query_string": query, "scheme": scheme, "http_version": "1.1",
        "headers": [(b"host", b"testserver"), *headers], "client": ("127.0.0.1", 5000),
    }
    communicator = ApplicationCommunicator(app, scope)
    await communicator.send_input({"type": "http.request", "body": b""})
    start = await communicator.receive_output(5)
    while (await communicator.receive_output(5)).get("more_body"):
        pass
    headers = sorted((name.lower(), value) for name, value in start["headers"] if name.lower() not in DATE_LIKE)
    return start["status"], headers


@sync_to_async
def publish(event, by):
    draft = services.post_create_draft(event=event, by=by, headline="First")
    return services.post_publish(post=draft, by=by)


async def both_answers(path, headers, **request):
    """(fast path's status and headers, Django's status and headers) for one request."""
    django = Counting()
    fast = await answer(NotModifiedFastPath(django), path, headers, **request)
    assert django.calls == 0, "the fast path handed this request to Django"
    return fast, await answer(Counting(), path, headers, **request)


async def etag_of(path, headers=(), **request):
    status, answered = await answer(Counting(), path, list(headers), **request)
    assert status == 200
    return dict(answered)[b"etag"]


@pytest.mark.parametrize(
    ("query", "method"),
    [(b"", "GET"), (b"after=1&limit=10", "GET"), (b"", "HEAD")],
    ids=["posts", "changes-feed", "head"],
)
async def test_a_fast_304_has_the_headers_of_djangos_304(editor, event, query, method):
    await publish(event, editor)
    path = f"/api/v1/events/{event.slug}/posts/"
    etag = await etag_of(path, query=query)

    fast, django = await both_answers(path, [(b"if-none-match", etag)], query=query, method=method)

    assert fast == django
    assert fast[0] == 304


async def test_behind_an_https_proxy_a_fast_304_has_djangos_security_headers(editor, event, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 3600
    await publish(event, editor)
    path = f"/api/v1/events/{event.slug}/posts/"
    proxy = (b"x-forwarded-proto", b"https")
    etag = await etag_of(path, [proxy])

    fast, django = await both_answers(path, [(b"if-none-match", etag), proxy])

    assert fast == django
    assert (b"strict-transport-security", b"max-age=3600") in fast[1]


async def test_with_ssl_redirect_a_plain_http_poll_goes_to_django(editor, event, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    await publish(event, editor)
    path = f"/api/v1/events/{event.slug}/posts/"
    etag = await etag_of(path)
    settings.SECURE_SSL_REDIRECT = True
    django = Counting()

    status, headers = await answer(NotModifiedFastPath(django), path, [(b"if-none-match", etag)])

    assert (status, django.calls) == (301, 1)
    assert dict(headers)[b"location"] == f"https://testserver{path}".encode()


async def test_the_fast_last_modified_is_the_logged_time_of_the_change(editor, event):
    """Django's Last-Modified is read from the change log; the fast path's must be the same instant,
    not the time of COMMIT, which may fall in the next second."""
    from liveblog.models import EventChange

    await publish(event, editor)
    logged = await EventChange.objects.filter(event=event, seq=1).values_list("created_at", flat=True).aget()

    assert (await seqcache.seq_lookup(event.slug))[2] == logged.timestamp()
