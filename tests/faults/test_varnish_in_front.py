"""Varnish in front of the production shape, running deploy/varnish/liveblog.vcl: readers share
copies for as long as the app's Cache-Control allows and no longer, while the admin,
signed-in journalists, partner keys and websockets always reach the app."""

import asyncio
import time
import urllib.request

import pytest

from bench.varnish import Varnish
from tests.faults.harness import free_port
from tests.faults.reader import ProtocolReader

# s-maxage + stale-while-revalidate of a live page (liveblog/api/caching.py LIVE), plus room
# for the origin's answer on a loaded machine: past this a copy is wrong, not slow.
STALEST_ALLOWED = 5 + 3


@pytest.fixture
def varnish(production):
    cache = Varnish(free_port(), production.port)
    try:
        cache.start()
        cache.base_url = f"http://127.0.0.1:{cache.port}"
        yield cache
    finally:
        cache.stop()


def get(url: str, headers: dict | None = None):
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - our loopback URL
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return response.headers, response.read().decode()


def publish(app, headline: str) -> dict:
    status, post = app.api("POST", f"/api/v1/events/{app.slug}/posts/", token=app.token,
                           body={"headline": headline, "body": "<p>Words.</p>", "status": "published"})
    assert status == 201, post
    return post


def test_readers_share_a_copy_until_max_age_and_never_get_an_older_one(production, varnish):
    publish(production, "Before the crowd")
    page = f"{varnish.base_url}/live/{production.slug}/"
    get(page)
    headers, html = get(page)
    assert headers["X-Cache"] == "hit" and "Before the crowd" in html

    publish(production, "Breaking")
    published_at = time.monotonic()
    while True:
        headers, html = get(page)
        if "Breaking" in html:
            break
        assert time.monotonic() - published_at < STALEST_ALLOWED, "a cache answered past max-age"
        time.sleep(0.2)
    # The new copy is shared again.
    headers, html = get(page)
    assert headers["X-Cache"] == "hit" and "Breaking" in html


@pytest.mark.parametrize("who", ["admin page", "signed-in journalist", "partner key"])
def test_what_is_personal_is_never_answered_from_a_shared_copy(production, varnish, who):
    path, headers = {
        "admin page": ("/admin/login/", {}),
        "signed-in journalist": (f"/live/{production.slug}/", {"Cookie": "sessionid=abc"}),
        "partner key": (f"/api/v1/events/{production.slug}/posts/", {"Authorization": "Api-Key nope"}),
    }[who]
    for _ in range(3):
        try:
            answer, _ = get(varnish.base_url + path, headers)
            assert answer["X-Cache"] == "miss"
        except urllib.error.HTTPError as refused:  # the bogus key: refused by the app, not by Varnish
            assert refused.code == 401 and refused.headers["X-Cache"] == "miss"


async def test_websockets_pass_through_to_the_workers(production, varnish):
    reader = ProtocolReader(base_url=varnish.base_url, slug=production.slug)
    stop = asyncio.Event()
    following = asyncio.create_task(reader.follow(stop))
    try:
        while reader.connects == 0:
            await asyncio.sleep(0.05)
        post = await asyncio.to_thread(publish, production, "Through the cache")
        while post["id"] not in reader.posts:
            await asyncio.sleep(0.05)
        assert reader.posts[post["id"]]["headline"] == "Through the cache"
    finally:
        stop.set()
        await asyncio.wait_for(following, timeout=10)
