"""The readers' websocket: forwards an event's public changes, in order, and answers resumes.

The protocol is described in docs/live-protocol.md. Live changes arrive from
the channel layer as ready text and go out untouched: no parsing, rendering or
query per message. The database is read only to resolve the event at connect
and to answer a resume (or fill a gap, which the lock makes rare).

Fan-out cost: a live page can have thousands of readers per process, so the
consumer does not take a layer channel of its own. It joins the process's
fan-out hub (liveblog/fanout.py), which receives each group message once per
process, and a change that needs nothing but sending goes straight to the
socket. Everything else (a change arriving while the consumer handles a frame
or a resume, a gap to fill, a send the server makes wait) takes the Channels
path: it is queued and dispatched to `live_change` one message at a time,
after whatever the consumer is doing, so the ordering argument in `replay`
holds unchanged. BENCHMARKS.md has the measurements behind this.
"""

import asyncio
import json
import logging
import types
from urllib.parse import parse_qs

from channels.db import aclose_old_connections, database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from channels.utils import await_many_dispatch

from liveblog.broadcast import event_group
from liveblog.fanout import hub_for
from liveblog.models import Event
from liveblog.selectors import event_changes_after

# Beyond this many missed changes a fresh page load is cheaper than a replay.
RESUME_LIMIT = 500
# Readers only ever send small control messages.
MAX_FRAME_CHARS = 1024

CLOSE_UNKNOWN_EVENT = 4404
CLOSE_TOO_LARGE = 1009


@database_sync_to_async
def event_id_for_slug(slug: str) -> int | None:
    return Event.objects.filter(slug=slug).values_list("pk", flat=True).first()


@database_sync_to_async
def changes_after(event_id: int, after: int, limit: int) -> tuple[int, list[tuple[int, str]]]:
    """The event's current seq and up to `limit` logged changes after `after`, in order."""
    current = Event.objects.filter(pk=event_id).values_list("seq", flat=True).first() or 0
    changes = event_changes_after(event=Event(pk=event_id), seq=after).values_list("seq", "message")
    return current, list(changes[:limit])


def frame(kind: str, **fields) -> str:
    return json.dumps({"type": kind, **fields}, separators=(",", ":"))


def error_frame(code: str, message: str) -> str:
    return frame("error", code=code, message=message)


logger = logging.getLogger(__name__)

LIVE_CHANGE = "live.change"


@types.coroutine
def _go_on(coro, waiting):
    """Run the rest of `coro`, which stopped on `waiting` when driven by hand, inside a task."""
    while True:
        try:
            sent = yield waiting
        except BaseException as exc:
            try:
                waiting = coro.throw(exc)
            except StopIteration as done:
                return done.value
        else:
            try:
                waiting = coro.send(sent)
            except StopIteration as done:
                return done.value


async def _finish(coro, waiting):
    return await _go_on(coro, waiting)


class LiveEventConsumer(AsyncWebsocketConsumer):
    # Set per instance in __call__; class defaults keep hub_deliver safe before connect.
    last_seq: int | None = None
    _busy = 0
    _queued = 0
    _in_flight: asyncio.Task | None = None
    _group: str | None = None

    async def __call__(self, scope, receive, send):
        """AsyncConsumer.__call__ with the fan-out hub in place of a layer channel per socket.

        Channels' loop (`await_many_dispatch`) still hands the consumer one message
        at a time; live changes that cannot go straight out join it through `_inbox`.
        """
        self.scope = scope
        self.base_send = send
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.channel_name = None
        self._inbox: asyncio.Queue = asyncio.Queue()
        try:
            await await_many_dispatch([receive, self._inbox.get], self.dispatch)
        except StopConsumer:
            pass
        finally:
            self._leave_group()

    async def dispatch(self, message):
        if self._in_flight is not None:
            # A live frame the server made wait is still being written: it goes first.
            try:
                await self._in_flight
            except Exception:  # noqa: S110 - the socket is going; its disconnect will follow
                pass
        if message["type"] == LIVE_CHANGE:
            # No thread hop to close database connections: a live change reads the
            # database only to fill a gap, through database_sync_to_async, which does it.
            try:
                await self.live_change(message)
            finally:
                self._queued -= 1
            return
        self._busy += 1
        try:
            await aclose_old_connections()
            await super().dispatch(message)
        finally:
            self._busy -= 1

    def hub_deliver(self, message) -> None:
        """Called by the fan-out hub for every change of the event, in order, for every socket."""
        seq = message["seq"]
        last = self.last_seq
        if self._busy or self._queued or self._in_flight is not None or (last is not None and seq > last + 1):
            # Busy, or behind other changes, or a gap to fill: the Channels path, in turn.
            self._queued += 1
            self._inbox.put_nowait(message)
            return
        if last is not None and seq <= last:
            return
        self.last_seq = seq
        self._send_now({"type": "websocket.send", "text": message["text"]})

    def _send_now(self, event) -> None:
        """Hand a frame to the server without a task: ASGI servers write it at once, as a rule.

        If the server's send waits (back-pressure), the rest of it runs in a task and
        later frames queue behind it.
        """
        coro = self.base_send(event)
        try:
            waiting = coro.send(None)
        except StopIteration:
            return
        except Exception as exc:
            # Typically the socket closed under us; its disconnect is on its way.
            logger.debug("Live frame not sent: %r", exc)
            return
        task = asyncio.ensure_future(_finish(coro, waiting))
        self._in_flight = task
        task.add_done_callback(self._send_done)

    def _send_done(self, task: asyncio.Task) -> None:
        if self._in_flight is task:
            self._in_flight = None
        if not task.cancelled() and task.exception() is not None:
            logger.debug("Live frame not sent: %r", task.exception())

    def _leave_group(self) -> None:
        if self._group is not None and self.channel_layer is not None:
            hub_for(self.channel_layer).leave(self._group, self)
            self._group = None

    async def connect(self):
        slug = self.scope["url_route"]["kwargs"]["slug"]
        self.event_id = await event_id_for_slug(slug)
        if self.event_id is None:
            await self.accept()
            await self.send(error_frame("unknown_event", f"There is no event {slug!r}."))
            await self.close(CLOSE_UNKNOWN_EVENT)
            return
        # The last seq this socket has sent; None until the reader resumes or a change arrives.
        self.last_seq = None
        if self.channel_layer is not None:
            self._group = event_group(self.event_id)
            await hub_for(self.channel_layer).join(self._group, self)
        await self.accept()
        after = parse_qs(self.scope.get("query_string", b"").decode("latin1")).get("after")
        if after:
            await self.resume_from(after[0])

    async def receive(self, text_data=None, bytes_data=None):
        if text_data is None:
            await self.send(error_frame("binary_not_supported", "Send JSON text frames."))
            return
        if len(text_data) > MAX_FRAME_CHARS:
            await self.send(error_frame("frame_too_large", f"Frames are limited to {MAX_FRAME_CHARS} characters."))
            await self.close(CLOSE_TOO_LARGE)
            return
        try:
            message = json.loads(text_data)
        except ValueError:
            await self.send(error_frame("bad_json", "The frame is not valid JSON."))
            return
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "resume":
            await self.resume_from(message.get("after"))
        elif kind == "ping":
            await self.send(frame("pong"))
        else:
            await self.send(error_frame("unknown_type", 'Expected {"type": "resume", "after": <seq>} or "ping".'))

    async def resume_from(self, after) -> None:
        try:
            after = int(after)
            if after < 0:
                raise ValueError
        except (TypeError, ValueError):
            await self.send(error_frame("bad_resume", '"after" must be a whole number of 0 or more.'))
            return
        await self.replay(after, asked_by_reader=True)

    async def replay(self, after: int, *, asked_by_reader: bool = False) -> None:
        """Send every logged change after `after` that this socket has not sent yet.

        The socket joined the group before any replay, and Channels hands a
        consumer one message at a time, so live changes committed while the log
        is read wait in the channel's queue; `forward` then drops the ones the
        log already covered. Nothing is lost and nothing is sent twice.
        """
        current, changes = await changes_after(self.event_id, after, RESUME_LIMIT + 1)
        if asked_by_reader and (after > current or len(changes) > RESUME_LIMIT):
            await self.send(frame("reload", reason="unknown_seq" if after > current else "too_far_behind"))
            return
        if asked_by_reader:
            self.last_seq = after
        for seq, text in changes[:RESUME_LIMIT]:
            await self.forward(seq, text)

    async def forward(self, seq: int, text: str) -> None:
        if self.last_seq is not None and seq <= self.last_seq:
            return
        self.last_seq = seq
        await self.send(text_data=text)

    async def live_change(self, message):
        seq = message["seq"]
        if self.last_seq is not None and seq > self.last_seq + 1:
            # Two web processes' sends can cross in flight: fill the gap from the log
            # (rare, so the one query is not a per-message cost).
            await self.replay(self.last_seq)
        await self.forward(seq, message["text"])

    async def disconnect(self, code):
        self._leave_group()


class UnknownPathConsumer(AsyncWebsocketConsumer):
    """Any other websocket path: a clear error instead of a routing exception."""

    async def connect(self):
        await self.accept()
        await self.send(error_frame("unknown_path", "Live events are at /ws/events/<slug>/."))
        await self.close(CLOSE_UNKNOWN_EVENT)
