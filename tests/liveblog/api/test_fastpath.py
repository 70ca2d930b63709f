"""The 304 fast path: unchanged polls answered before Django, and nothing else."""

import pytest
from asgiref.sync import sync_to_async
from asgiref.testing import ApplicationCommunicator
from django.db.backends.utils import CursorWrapper

from config import redis as redis_clients
from liveblog import seqcache
from liveblog.api.fastpath import NotModifiedFastPath
from tests.live import publish

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("close_worker_connections")]


class Django:
    """Stands in for Django behind the fast path and records what reaches it."""

    def __init__(self):
        self.calls = 0

    async def __call__(self, scope, receive, send):
        self.calls += 1
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"from django"})


@pytest.fixture
def django_app():
    return Django()


async def get(app, path, headers=(), query=b"", method="GET"):
    scope = {
        "type": "http", "method": method, "path": path, "raw_path": path.encode(), "root_path": "",
        "query_string": query, "scheme": "http", "http_version": "1.1",
        "headers": [(b"host", b"testserver"), *headers],
    }
    communicator = ApplicationCommunicator(app, scope)
    await communicator.send_input({"type": "http.request", "body": b""})
    start = await communicator.receive_output(5)
    body = await communicator.receive_output(5)
    return start["status"], dict(start["headers"]), body.get("body", b"")


@sync_to_async
def etag_from_django(client, path, query=""):
    response = client.get(path + (f"?{query}" if query else ""))
    assert response.status_code == 200
    return response.headers["ETag"]


async def test_unchanged_poll_gets_304_without_django_or_the_database(client, editor, event, django_app, monkeypatch):
    await publish(event, editor, "First")
    path = f"/api/v1/events/{event.slug}/posts/"
    etag = await etag_from_django(client, path)
    queries = []
    monkeypatch.setattr(CursorWrapper, "execute", lambda *args, **kwargs: queries.append(args))

    status, headers, body = await get(NotModifiedFastPath(django_app), path, [(b"if-none-match", etag.encode())])

    assert (status, body, django_app.calls, queries) == (304, b"", 0, [])
    assert headers[b"etag"] == etag.encode()
    assert headers[b"cache-control"] == b"public, max-age=5, s-maxage=4, stale-while-revalidate=1, stale-if-error=600"


async def test_the_changes_feed_poll_is_answered_too(client, editor, event, django_app):
    await publish(event, editor, "First")
    path = f"/api/v1/events/{event.slug}/posts/"
    etag = await etag_from_django(client, path, "after=1&limit=10")
    status, _, _ = await get(
        NotModifiedFastPath(django_app), path, [(b"if-none-match", etag.encode())], query=b"after=1&limit=10"
    )
    assert status == 304
    # The same ETag on another query is not vouched for.
    status, _, _ = await get(NotModifiedFastPath(django_app), path, [(b"if-none-match", etag.encode())], query=b"after=0")
    assert status == 200


async def test_a_new_change_makes_the_old_etag_go_to_django(client, editor, event, django_app):
    await publish(event, editor, "First")
    path = f"/api/v1/events/{event.slug}/posts/"
    etag = await etag_from_django(client, path)
    await publish(event, editor, "Second")

    status, _, body = await get(NotModifiedFastPath(django_app), path, [(b"if-none-match", etag.encode())])

    assert (status, body) == (200, b"from django")


@pytest.mark.parametrize(
    "extra",
    [
        [(b"authorization", b"Token abc")],
        [(b"origin", b"https://partner.example")],
        [(b"cookie", b"sessionid=x")],
    ],
    ids=["credentials", "cors", "cookie"],
)
async def test_requests_with_credentials_or_cors_go_to_django(client, editor, event, django_app, extra):
    await publish(event, editor, "First")
    path = f"/api/v1/events/{event.slug}/posts/"
    etag = await etag_from_django(client, path)
    status, _, _ = await get(NotModifiedFastPath(django_app), path, [(b"if-none-match", etag.encode()), *extra])
    assert status == 200 and django_app.calls == 1


async def test_other_requests_go_to_django(client, editor, event, django_app):
    await publish(event, editor, "First")
    path = f"/api/v1/events/{event.slug}/posts/"
    etag = (await etag_from_django(client, path)).encode()
    app = NotModifiedFastPath(django_app)
    assert (await get(app, path))[0] == 200  # no If-None-Match
    assert (await get(app, path, [(b"if-none-match", etag)], method="POST"))[0] == 200
    assert (await get(app, f"/api/v1/events/{event.slug}/", [(b"if-none-match", etag)]))[0] == 200
    assert (await get(app, path, [(b"if-none-match", etag)], query=b"q=\xff"))[0] == 200
    assert (await get(app, "/api/v1/events/unknown/posts/", [(b"if-none-match", etag)]))[0] == 200
    assert django_app.calls == 5


async def test_a_host_django_would_refuse_goes_to_django(client, editor, event, django_app):
    await publish(event, editor, "First")
    path = f"/api/v1/events/{event.slug}/posts/"
    etag = await etag_from_django(client, path)
    scope_headers = [(b"if-none-match", etag.encode()), (b"host", b"evil.example")]
    status, _, _ = await get(NotModifiedFastPath(django_app), path, scope_headers)
    assert status == 200


async def test_redis_away_means_django_answers(client, editor, event, django_app, settings):
    await publish(event, editor, "First")
    path = f"/api/v1/events/{event.slug}/posts/"
    etag = await etag_from_django(client, path)
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    redis_clients._async_clients.clear()
    status, _, _ = await get(NotModifiedFastPath(django_app), path, [(b"if-none-match", etag.encode())])
    redis_clients._async_clients.clear()
    assert status == 200


async def test_a_late_write_never_moves_the_seq_back(db):
    remember = sync_to_async(seqcache.seq_remember)
    await remember(slug="ordering-check", event_id=1, seq=7, changed_at=None)
    await remember(slug="ordering-check", event_id=1, seq=5, changed_at=None)
    assert (await seqcache.seq_lookup("ordering-check"))[:2] == (1, 7)
    # A new event under the same slug starts its numbers again.
    await remember(slug="ordering-check", event_id=2, seq=1, changed_at=None)
    assert (await seqcache.seq_lookup("ordering-check"))[:2] == (2, 1)


@sync_to_async
def partner_key(editor):
    from accounts.models import User
    from accounts.services import api_key_create

    admin = User.objects.create_superuser(username="keys-admin", password="x" * 20)
    return api_key_create(name="Partner Daily", by=admin)


async def test_a_partner_key_checked_lately_gets_the_fast_304_until_revoked(client, editor, event, django_app):
    from accounts.services import api_key_revoke

    await publish(event, editor, "First")
    key, raw = await partner_key(editor)
    path = f"/api/v1/events/{event.slug}/posts/"
    authorization = (b"authorization", f"Api-Key {raw}".encode())

    # A key nobody has checked yet goes to Django, whose full check vouches for it.
    response = await sync_to_async(client.get)(path, HTTP_AUTHORIZATION=f"Api-Key {raw}")
    etag = response.headers["ETag"].encode()
    app = NotModifiedFastPath(django_app)
    assert (await get(app, path, [(b"if-none-match", etag), authorization]))[0] == 304

    await sync_to_async(api_key_revoke)(key=key, by=key.created_by)

    assert (await get(app, path, [(b"if-none-match", etag), authorization]))[0] == 200
    assert (await get(app, path, [(b"if-none-match", etag), (b"authorization", b"Api-Key wrong")]))[0] == 200


async def test_a_lost_seq_write_costs_partners_at_most_the_live_max_age(db):
    from config import redis as redis_clients
    from liveblog.api.caching import LIVE

    await sync_to_async(seqcache.seq_remember)(slug="ttl-check", event_id=1, seq=3, changed_at=None)
    # Were the next change's write lost, this entry would go on earning 304s until it expires.
    remaining = await sync_to_async(redis_clients.sync_client().ttl)("liveblog:event-seq:ttl-check")
    assert 0 < remaining <= LIVE.max_age
