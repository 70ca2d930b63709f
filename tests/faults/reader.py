"""A reader that follows docs/live-protocol.md to the letter, for fault tests: it applies each
change exactly once in seq order, asks to resume on a gap, and reconnects with backoff."""

import asyncio
import json
import random
import re
import time
import urllib.request

import websockets

from tests.schemas import assert_live_frame


class ProtocolReader:
    def __init__(self, *, base_url: str, slug: str):
        self.url = base_url.replace("http://", "ws://") + f"/ws/events/{slug}/"
        self.origin = base_url
        self.last_seq = 0
        self.posts: dict[int, dict] = {}
        self.connects = 0
        self.reloads_asked = 0

    async def follow(self, stop: asyncio.Event) -> None:
        """Stay connected until `stop` is set, reconnecting after any drop."""
        backoff = 0.1
        while not stop.is_set():
            try:
                async with websockets.connect(f"{self.url}?after={self.last_seq}", origin=self.origin,
                                              open_timeout=5, ping_interval=None) as socket:
                    self.connects += 1
                    backoff = 0.1
                    await self._read(socket, stop)
            except (TimeoutError, OSError, websockets.WebSocketException):
                pass
            if not stop.is_set():
                await asyncio.sleep(backoff * random.uniform(0.5, 1.5))
                backoff = min(backoff * 2, 2.0)

    async def _read(self, socket, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                text = await asyncio.wait_for(socket.recv(), timeout=0.5)
            except TimeoutError:
                continue
            await self._apply(assert_live_frame(json.loads(text)), socket)

    async def _apply(self, message: dict, socket) -> None:
        if message.get("type") == "reload":
            self.reloads_asked += 1
            return
        seq = message.get("seq")
        if message["type"] == "heartbeat":
            if seq > self.last_seq:
                await socket.send(json.dumps({"type": "resume", "after": self.last_seq}))
            return
        if seq is None or seq <= self.last_seq:
            return
        if seq > self.last_seq + 1:
            await socket.send(json.dumps({"type": "resume", "after": self.last_seq}))
            return
        if message["type"] == "post":
            self.posts[message["post"]["id"]] = message["post"]
        self.last_seq = seq

    def visible(self) -> dict[int, tuple]:
        """What a reader sees of each post: status and headline (tombstones are retracted)."""
        return {pid: (post["status"], post.get("headline")) for pid, post in self.posts.items()}


def feed_state(app, slug: str) -> tuple[int, dict[int, tuple]]:
    """The event's latest seq and each post's state, folded from the REST `after=0` feed."""
    posts, after = {}, 0
    while True:
        status, page = app.api("GET", f"/api/v1/events/{slug}/posts/?after={after}")
        assert status == 200, page
        for change in page["changes"]:
            if change["type"] == "post":
                posts[change["post"]["id"]] = (change["post"]["status"], change["post"].get("headline"))
        after = page["last_seq"]
        if not page["has_more"]:
            return page["seq"], posts


def fresh_page_state(app, slug: str) -> tuple[int, set[int]]:
    """The live page's `data-seq` and the ids of the posts it shows, as a new reader loads it."""
    with urllib.request.urlopen(f"{app.base_url}/live/{slug}/", timeout=10) as response:  # noqa: S310
        html = response.read().decode()
    seq = int(re.search(r'id="event"[^>]*data-seq="(\d+)"', html).group(1))
    return seq, {int(found) for found in re.findall(r'data-post-id="(\d+)"', html)}


async def converged(app, readers, *, within: float) -> float:
    """Seconds until every reader shows exactly what the REST feed holds, and a fresh page
    load agrees with both; fails after `within`. (The drills publish fewer posts than
    the page's first screen holds, so the page shows every published post.)"""
    started = time.monotonic()
    while True:
        seq, posts = await asyncio.to_thread(feed_state, app, app.slug)
        behind = [r for r in readers if r.last_seq != seq or r.visible() != posts]
        if not behind:
            took = time.monotonic() - started
            page_seq, page_posts = await asyncio.to_thread(fresh_page_state, app, app.slug)
            published = {pid for pid, (status, _) in posts.items() if status == "published"}
            assert len(published) <= 20, "the drill outgrew the page's first screen"
            assert (page_seq, page_posts) == (seq, published)
            return took
        assert time.monotonic() - started < within, (
            f"{len(behind)} of {len(readers)} readers still behind seq {seq} after {within} s "
            f"(slowest at {min(r.last_seq for r in behind)})"
        )
        await asyncio.sleep(0.25)
