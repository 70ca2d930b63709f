"""PostgreSQL stopped under the production shape: requests fail fast with a 503 and Retry-After
(JSON under /api/, a plain page elsewhere), never a 400 or a hang; open sockets stay up; the
first requests after PostgreSQL returns succeed."""

import asyncio
import json
import time

import websockets

from tests.faults.reader import ProtocolReader

# Longer than one request may take while PostgreSQL is away (the pool waits 3 s at most).
PATIENCE_SECONDS = 8


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def page_status(app, path: str) -> tuple[int, str, str]:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(app.base_url + path, timeout=PATIENCE_SECONDS) as response:  # noqa: S310
            return response.status, response.headers.get("Retry-After", ""), response.read().decode()
    except urllib.error.HTTPError as failure:
        return failure.code, failure.headers.get("Retry-After", ""), failure.read().decode()


async def test_requests_fail_fast_with_503_while_postgres_is_away_and_recover_after(production):
    url = ProtocolReader(base_url=production.base_url, slug=production.slug).url
    async with websockets.connect(url, origin=production.base_url, ping_interval=None) as socket:
        production.postgres.stop()
        try:
            (status, body), took = await asyncio.to_thread(timed, lambda: production.api("GET", "/api/v1/events/"))
            assert status == 503 and body["error"]["code"] == "database_unavailable", body
            assert took < PATIENCE_SECONDS

            write = {"headline": "During the outage", "body": "<p>x</p>", "status": "published"}
            status, body = await asyncio.to_thread(
                production.api, "POST", f"/api/v1/events/{production.slug}/posts/", token=production.token, body=write
            )
            assert status == 503, body  # not a 400 that blames the journalist, not a 500
            assert "nothing was changed" in body["error"]["message"]

            status, retry_after, html = await asyncio.to_thread(page_status, production, f"/live/{production.slug}/")
            assert (status, retry_after) == (503, "5")
            assert "Back in a moment" in html

            await socket.send(json.dumps({"type": "ping"}))
            assert json.loads(await asyncio.wait_for(socket.recv(), timeout=5)) == {"type": "pong"}
        finally:
            production.postgres.start()

        # The very first requests after the restart succeed: pooled connections are checked.
        statuses = [(await asyncio.to_thread(production.api, "GET", "/api/v1/events/"))[0] for _ in range(4)]
        assert statuses == [200, 200, 200, 200]
        status, body = await asyncio.to_thread(
            production.api, "POST", f"/api/v1/events/{production.slug}/posts/", token=production.token,
            body={"headline": "After the outage", "body": "<p>x</p>", "status": "published"},
        )
        assert status == 201, body
        frame = json.loads(await asyncio.wait_for(socket.recv(), timeout=5))
        assert frame["post"]["headline"] == "After the outage"
