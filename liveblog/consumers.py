"""The readers' websocket: forwards an event's public changes, in order, and answers resumes.

The protocol is described in docs/live-protocol.md. Live changes arrive from
the channel layer as ready text and go out untouched: no parsing, rendering or
query per message. Frames from the reader are parsed on the event loop, with no
thread hop. The database is read only when memory cannot answer: a slug not
resolved in the last EVENT_ID_SECONDS, and a resume or gap fill that reaches
back further than the hub's recent changes (liveblog/fanout.py).

Fan-out cost: a live page can have thousands of readers per process, so the
consumer does not take a layer channel of its own. It joins the process's
fan-out hub (liveblog/fanout.py), which receives each group message once per
process and drops it into every member's queue. A writer task, started when
a change finds the socket's queue idle, sends the queued changes one at a time
and never while the consumer is handling a frame from the reader (a resume):
the two take turns through one lock, so the ordering argument in `replay`
holds. A change for an idle, current socket skips all of that: under uvicorn
its frame, built once per process, is written to the socket within the hub's
call (liveblog/wsframe.py). Otherwise, on Python 3.12+, the writer starts
eagerly, so a send that does not wait still runs within the hub's call, and only
one that has to wait (a resume holding the turn, a full socket buffer) goes on
as a task. BENCHMARKS.md has the measurements behind this.
"""

import asyncio
import contextlib
import json
import logging
import sys
import time
from collections import deque
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from django.db.models.signals import post_delete, post_save

from liveblog.broadcast import event_group
from liveblog.fanout import hub_for, reader_db
from liveblog.models import Event
from liveblog.selectors import event_changes_after
from liveblog.wsframe import direct_frame_writer, text_frame

# Beyond this many missed changes a fresh page load is cheaper than a replay.
RESUME_LIMIT = 500
# Readers only ever send small control messages.
MAX_FRAME_CHARS = 1024

CLOSE_UNKNOWN_EVENT = 4404
CLOSE_TOO_LARGE = 1009
# Far beyond any event's seq, and inside PostgreSQL's bigint: a bigger "after" is a mistake.
MAX_SEQ = 2**53

# A slug resolved at a connect is trusted this long by the process's later connects, while
# the event has readers here. An edit or delete in this process forgets it at once.
EVENT_ID_SECONDS = 30.0
# Slugs remembered per process: live events at once, with room to spare.
EVENT_ID_SLUGS = 1000

logger = logging.getLogger(__name__)


class EventIds:
    """slug -> event id, remembered for a short while, so a reconnect storm of one event's
    readers resolves its slug once per process instead of once per reader. Unknown slugs
    are not remembered: an event created a moment ago must be reachable at once."""

    def __init__(self, size: int = EVENT_ID_SLUGS):
        self.size = size
        self.ids: dict[str, tuple[int, float]] = {}

    def get(self, slug: str) -> int | None:
        found = self.ids.get(slug)
        if found is None:
            return None
        event_id, expires = found
        if expires < time.monotonic():
            del self.ids[slug]
            return None
        return event_id

    def remember(self, slug: str, event_id: int) -> None:
        self.ids.pop(slug, None)
        while len(self.ids) >= self.size:
            del self.ids[next(iter(self.ids))]  # the oldest
        self.ids[slug] = (event_id, time.monotonic() + EVENT_ID_SECONDS)

    def forget(self, event_id: int) -> None:
        for slug in [slug for slug, (known, _) in self.ids.items() if known == event_id]:
            del self.ids[slug]


event_ids = EventIds()


def _forget_changed_event(sender, instance, update_fields=None, **kwargs):
    # A change of seq alone (every public change takes one) keeps the slug.
    if update_fields is not None and set(update_fields) == {"seq"}:
        return
    event_ids.forget(instance.pk)


post_save.connect(_forget_changed_event, sender=Event, dispatch_uid="live-event-ids")
post_delete.connect(_forget_changed_event, sender=Event, dispatch_uid="live-event-ids-delete")


# slug -> the lookup in flight: a storm's connects that all miss at once share one query.
_lookups: dict[str, asyncio.Future] = {}


def event_followed(event_id: int) -> bool:
    """Whether this process's hub has readers of the event now (so its id was checked lately)."""
    layer = get_channel_layer()
    return layer is not None and bool(hub_for(layer).members.get(event_group(event_id)))


async def event_id_for_slug(slug: str) -> int | None:
    # A remembered id is trusted only while the event has readers here: a slug deleted and
    # made again by another process is then resolved afresh by the next reader who arrives.
    event_id = event_ids.get(slug)
    if event_id is not None and event_followed(event_id):
        return event_id
    lookup = _lookups.get(slug)
    if lookup is None or lookup.get_loop() is not asyncio.get_running_loop():  # (a test's old loop)
        lookup = _lookups[slug] = asyncio.ensure_future(event_id_from_database(slug))
        lookup.add_done_callback(lambda _: _lookups.pop(slug, None))
    event_id = await asyncio.shield(lookup)
    if event_id is not None:
        event_ids.remember(slug, event_id)
    return event_id


@reader_db
def event_id_from_database(slug: str) -> int | None:
    return Event.objects.filter(slug=slug).values_list("pk", flat=True).first()


@reader_db
def changes_after(event_id: int, after: int, limit: int) -> tuple[int, list[tuple[int, str]]]:
    """The event's current seq and up to `limit` logged changes after `after`, in order."""
    current = Event.objects.filter(pk=event_id).values_list("seq", flat=True).first() or 0
    changes = event_changes_after(event=Event(pk=event_id), seq=after).values_list("seq", "message")
    return current, list(changes[:limit])


# asyncio.Task's eager_start (3.12+) runs a task's first step at once, in the caller.
EAGER_TASKS = sys.version_info >= (3, 12)


def start_eagerly(coroutine) -> asyncio.Task:
    """`coroutine` as a task that runs at once up to its first wait (Python 3.12+): one that
    never waits is done before this returns, without a turn of the event loop. On 3.11 the
    task starts at the loop's next turn."""
    loop = asyncio.get_running_loop()
    if EAGER_TASKS:
        return asyncio.Task(coroutine, loop=loop, eager_start=True)
    return loop.create_task(coroutine)


def frame(kind: str, **fields) -> str:
    return json.dumps({"type": kind, **fields}, separators=(",", ":"))


def error_frame(code: str, message: str) -> str:
    return frame("error", code=code, message=message)


class LiveEventConsumer(AsyncWebsocketConsumer):
    """One reader's socket.

    Two tasks send on it, never at once: Channels' loop, handling what the server
    hands over (connect, the reader's frames, disconnect), and the socket's writer,
    sending live changes. Each holds `turn` while it works, so a change that arrives
    during a resume is sent after it, or dropped if the resume already sent it.
    The writer runs only while there are changes to send: the hub's delivery starts
    it, and it ends when the queue is empty. A change that finds neither at work,
    and the socket ready, is written at once, as one frame shared by all the
    process's readers (liveblog/wsframe.py).
    """

    # No layer channel per socket (Channels makes one for a consumer whose alias names a
    # layer): the fan-out hub subscribes once per event per process instead.
    channel_layer_alias = None

    # The last seq this socket has sent; None until the reader resumes or a change arrives.
    last_seq: int | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Changes from the hub, waiting for the writer. A deque, not an asyncio.Queue, and no
        # writer parked on a future between changes: the hub calls hub_deliver for every socket
        # on every change, and that wake-up machinery, plus the garbage collector's passes over
        # thousands of parked futures, was most of a worker's fan-out CPU (BENCHMARKS.md).
        self.live_changes: deque = deque()
        # Held while a frame from the reader is handled, and while the writer sends a change.
        self.turn = asyncio.Lock()
        self.hub = None
        self.group: str | None = None
        self.writer: asyncio.Task | None = None
        self.write_frame = None

    async def __call__(self, scope, receive, send):
        # Where the server allows it, a live change's frame is written straight to the socket.
        self.write_frame = direct_frame_writer(send)
        try:
            await super().__call__(scope, receive, send)
        finally:
            # However the socket ends (a disconnect, an error in a handler), stop its fan-out.
            self.stop_live_changes()

    async def dispatch(self, message):
        """Handle one message from the server (connect, a frame, disconnect) in the socket's turn.

        Channels' own dispatch first closes stale database connections, a hop to asgiref's
        thread for every frame a reader sends; this consumer's database work runs through
        `reader_db`, which does that itself, so a frame is handled on the event loop."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        async with self.turn:
            await handler(message)

    def hub_deliver(self, message) -> None:
        """Called by the fan-out hub for every change of the event, in order, for every socket."""
        if self.write_now(message):
            return
        self.live_changes.append(message)
        if self.group is not None and (self.writer is None or self.writer.done()):
            self.writer = start_eagerly(self.write_live_changes())

    def write_now(self, message) -> bool:
        """Write the next change in order straight to the socket, when nothing else is sending
        on it (no resume, no queued change, room in its buffer): the common case of a post
        reaching a reader who is current, with no task and no lock per reader."""
        if (
            self.write_frame is None
            or self.live_changes
            or self.turn.locked()
            or (self.writer is not None and not self.writer.done())
            or self.group is None
            or message["type"] != "live.change"
        ):
            return False
        seq = message["seq"]
        if self.last_seq is not None and seq != self.last_seq + 1:
            return False  # a duplicate, or a gap the writer fills from the log first
        if not self.write_frame(text_frame(message["text"])):
            return False
        self.last_seq = seq
        return True

    async def write_live_changes(self) -> None:
        """The socket's writer: sends the queued changes, each once it is this socket's turn,
        and ends when none are left (the next change starts a new writer)."""
        while self.live_changes:
            message = self.live_changes.popleft()
            async with self.turn:
                try:
                    await self.live_change(message)
                except Exception as exc:
                    # The socket closed under us (its disconnect is on its way), or a gap could
                    # not be filled: end the socket, and the reader's page reconnects and resumes.
                    logger.debug("Live change %s not sent: %r", message["seq"], exc)
                    self.live_changes.clear()
                    if self.group is not None:  # no later change starts a writer again
                        self.hub.leave(self.group, self)
                        self.group = None
                    with contextlib.suppress(Exception):
                        await self.close()
                    return

    async def start_live_changes(self, event_id: int) -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        self.hub = hub_for(layer)
        self.group = event_group(event_id)
        await self.hub.join(self.group, self, event_id=event_id)

    def stop_live_changes(self) -> None:
        if self.group is not None:
            self.hub.leave(self.group, self)
            self.group = None
        if self.writer is not None:
            self.writer.cancel()
            self.writer = None

    async def connect(self):
        slug = self.scope["url_route"]["kwargs"]["slug"]
        self.event_id = await event_id_for_slug(slug)
        if self.event_id is None:
            await self.accept()
            await self.send(error_frame("unknown_event", f"There is no event {slug!r}."))
            await self.close(CLOSE_UNKNOWN_EVENT)
            return
        # Joined before the log is read, so no change committed meanwhile is missed (`replay`).
        await self.start_live_changes(self.event_id)
        await self.accept()
        after = parse_qs(self.scope.get("query_string", b"").decode("latin1")).get("after")
        if after:
            digits = after[0]
            await self.resume_from(int(digits) if digits.isascii() and digits.isdigit() and len(digits) <= 16 else digits)

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
        """`after` as the reader sent it: a JSON integer, or the URL's `?after=` digits as an int."""
        # bool is an int to Python, but `true` is not a seq; neither are 1.5, 1e400 or "5".
        if isinstance(after, bool) or not isinstance(after, int) or not 0 <= after <= MAX_SEQ:
            await self.send(error_frame("bad_resume", '"after" must be a whole number of 0 or more.'))
            return
        await self.replay(after, asked_by_reader=True)

    async def replay(self, after: int, *, asked_by_reader: bool = False, through: int | None = None) -> None:
        """Send every logged change after `after` that this socket has not sent yet.

        The socket joined the hub before any replay, and the writer sends live
        changes only in its own turn, so changes committed while the log is read
        wait in the socket's queue; `forward` then drops the ones the log already
        covered. Nothing is lost and nothing is sent twice.
        """
        current, changes = await self.changes_after(after, through=through)
        if asked_by_reader and (after > current or len(changes) > RESUME_LIMIT):
            await self.send(frame("reload", reason="unknown_seq" if after > current else "too_far_behind"))
            return
        if asked_by_reader:
            self.last_seq = after
        for seq, text in changes[:RESUME_LIMIT]:
            await self.forward(seq, text)

    async def changes_after(self, after: int, *, through: int | None = None) -> tuple[int, list[tuple[int, str]]]:
        """The newest seq known and the changes after `after`: from the hub's memory when it
        holds them all (and reaches `through`), else from the log."""
        if self.hub is not None:
            recent = self.hub.recent_changes(self.group, after, through=through)
            if recent is None and self.hub.is_ahead(self.group, max(after, through or 0)):
                # The reader (or a heartbeat) knows a change this process has not received yet.
                await self.hub.caught_up(self.group, max(after, through or 0))
                recent = self.hub.recent_changes(self.group, after, through=through)
            if recent is not None:
                return recent
        return await changes_after(self.event_id, after, RESUME_LIMIT + 1)

    async def forward(self, seq: int, text: str) -> None:
        if self.last_seq is not None and seq <= self.last_seq:
            return
        self.last_seq = seq
        await self.send(text_data=text)

    async def live_change(self, message):
        seq = message["seq"]
        if message["type"] == "live.heartbeat":
            # The change log's seq now: catch this socket up if it is behind, then tell the reader.
            if self.last_seq is not None and seq > self.last_seq:
                await self.replay(self.last_seq, through=seq)
            await self.send(text_data=message["text"])
            return
        if self.last_seq is not None and seq > self.last_seq + 1:
            # Two web processes' sends can cross in flight: fill the gap from the log
            # (rare, so the one query is not a per-message cost).
            await self.replay(self.last_seq, through=seq - 1)
        await self.forward(seq, message["text"])

    async def websocket_disconnect(self, message):
        # Channels' own closes stale database connections: a hop to asgiref's thread per
        # socket closed, which a reconnect storm pays thousands of times; `reader_db` does it.
        await self.disconnect(message["code"])
        raise StopConsumer()

    async def disconnect(self, code):
        self.stop_live_changes()


class UnknownPathConsumer(AsyncWebsocketConsumer):
    """Any other websocket path: a clear error instead of a routing exception."""

    async def connect(self):
        await self.accept()
        await self.send(error_frame("unknown_path", "Live events are at /ws/events/<slug>/."))
        await self.close(CLOSE_UNKNOWN_EVENT)
