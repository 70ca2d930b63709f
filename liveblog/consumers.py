"""The readers' websocket: forwards an event's public changes, in order, and answers resumes.

The protocol is described in docs/live-protocol.md. Live changes arrive from
the channel layer as ready text and go out untouched: no parsing, rendering or
query per message. The database is read only to resolve the event at connect
and to answer a resume (or fill a gap, which the lock makes rare).
"""

import json
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from liveblog.broadcast import event_group
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


class LiveEventConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        slug = self.scope["url_route"]["kwargs"]["slug"]
        self.event_id = await event_id_for_slug(slug)
        if self.event_id is None:
            await self.accept()
            await self.send(error_frame("unknown_event", f"There is no event {slug!r}."))
            await self.close(CLOSE_UNKNOWN_EVENT)
            return
        # The last seq this socket has sent; None until the reader resumes or a change arrives.
        self.last_seq: int | None = None
        await self.channel_layer.group_add(event_group(self.event_id), self.channel_name)
        self.groups.append(event_group(self.event_id))
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


class UnknownPathConsumer(AsyncWebsocketConsumer):
    """Any other websocket path: a clear error instead of a routing exception."""

    async def connect(self):
        await self.accept()
        await self.send(error_frame("unknown_path", "Live events are at /ws/events/<slug>/."))
        await self.close(CLOSE_UNKNOWN_EVENT)
