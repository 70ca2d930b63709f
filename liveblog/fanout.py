"""A process-local fan-out hub: one channel-layer subscription per group per process.

Stock Channels gives every consumer its own layer channel: with Redis pub/sub
that is one SUBSCRIBE per socket, one msgpack decode per socket per message,
and per message a queue wake-up, a new task and a thread hop in the consumer's
dispatch loop. For a live page read by thousands that was most of the server's
CPU (BENCHMARKS.md). The hub keeps the layer's shape: the group is still a
channel-layer group and `group_send` is unchanged. But in each process one
task receives the group's messages, decoded once, and hands each one to the
local members, in order, by a plain method call. A member must not change the
message: every member gets the same dict.

Redis only carries news of the change log, so for an event's group the hub also
keeps its members current from the log itself: every RELAY_SECONDS it reads the
event's seq (one query per event per process) and relays any logged change the
layer did not bring (Redis away, a dropped subscription, a send that timed out),
and when the group has had no change for HEARTBEAT_SECONDS it gives members the
seq, which they pass on to readers. (While changes flow, each carries its seq and
proves the socket alive: a heartbeat then would be one more frame per reader,
arriving on top of a post.) A subscription that fails is logged and made again,
with backoff.

A reconnect storm (a deploy, a network blip) brings every reader back at once,
each resuming after the last seq it applied. The hub keeps each event's newest
changes (RecentChanges, filled from the log once when the group is first joined,
then from the layer and the relay), so those resumes are answered from memory:
PostgreSQL sees a query per event per process, not one per reader. Database work
of readers' sockets runs on a small pool of its own (`reader_db`).
"""

import asyncio
import contextlib
import json
import logging
import weakref
from collections import deque
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import sync_to_async
from django.db import close_old_connections

from liveblog.models import Event, EventChange
from liveblog.selectors import event_changes_after

logger = logging.getLogger(__name__)

RELAY_SECONDS = 2.0
HEARTBEAT_SECONDS = 15.0
# At most this many logged changes relayed per tick; the next tick goes on from there.
RELAY_BATCH = 200
RESUBSCRIBE_FIRST_WAIT = 0.2
RESUBSCRIBE_MAX_WAIT = 5.0
# How long a joiner waits for the subscription before going on without it (the relay covers).
SUBSCRIBE_PATIENCE_SECONDS = 2.0
# Changes of each event kept in memory per process for resumes and gap fills: more than a
# resume may replay (consumers.RESUME_LIMIT), so any resume the server answers at all is
# served from here; at a few KB a change, a few MB per live event per process.
RECENT_CHANGES = 600
# A reader may resume after a seq this process has not received yet (another worker sent
# it a moment sooner): wait this long for it to arrive before asking the log.
CATCH_UP_SECONDS = 1.0

# Readers' database work (a slug lookup the cache misses, a resume the buffer cannot answer,
# the relay's tick) gets threads of its own: asgiref runs all other sync code of a process,
# page loads and API reads included, on one thread, and a reconnect storm queued there would
# stall both. Four, because a storm's misses are short reads that overlap well, and each
# thread may hold a PostgreSQL connection: 4 per worker stays far from max_connections.
READER_DB_THREADS = 4
_reader_db_executor = ThreadPoolExecutor(max_workers=READER_DB_THREADS, thread_name_prefix="reader-db")


def reader_db(function):
    """Run `function` on the readers' database threads, as database_sync_to_async would on
    asgiref's one: stale connections are closed before and after, so PostgreSQL restarting
    costs one failed call, not a dead thread."""

    def run(*args, **kwargs):
        close_old_connections()
        try:
            return function(*args, **kwargs)
        finally:
            close_old_connections()

    return sync_to_async(run, thread_sensitive=False, executor=_reader_db_executor)


class RecentChanges:
    """The newest changes of one event, (seq, text), as one run of consecutive seqs.

    Only a run without holes may answer a resume, so a change that does not follow
    the newest one (a message the layer lost, two processes' sends crossing) starts
    the run again from that change; a change just before the run's start (the crossing's
    other half) is put back in front. `newest` is None until the run is known.
    """

    def __init__(self, size: int):
        self.changes: deque[tuple[int, str]] = deque(maxlen=size)
        self.newest: int | None = None

    def reset(self, *, newest: int, changes: list[tuple[int, str]]) -> None:
        """Start from the log's tail: `changes` are the log's last ones, up to seq `newest`."""
        self.changes.clear()
        self.newest = newest
        expected = newest
        for seq, text in reversed(changes[-self.changes.maxlen :] if self.changes.maxlen else []):
            if seq != expected:
                break  # keep only the unbroken run that ends at `newest`
            self.changes.appendleft((seq, text))
            expected -= 1

    def add(self, seq: int, text: str) -> None:
        if self.newest is None or seq > self.newest + 1:
            self.changes.clear()
        elif seq <= self.newest:
            first = self.newest - len(self.changes) + 1
            if seq == first - 1 and len(self.changes) < (self.changes.maxlen or 0):
                self.changes.appendleft((seq, text))
            return
        if self.changes.maxlen:
            self.changes.append((seq, text))
        self.newest = seq

    def after(self, seq: int, *, through: int | None = None) -> tuple[int, list[tuple[int, str]]] | None:
        """(the newest seq, every change after `seq`), if the run holds all of them (and
        reaches `through`); None if only the log can answer."""
        if self.newest is None or not self.newest - len(self.changes) <= seq <= self.newest:
            return None
        if through is not None and through > self.newest:
            return None
        skip = seq - (self.newest - len(self.changes))
        return self.newest, [self.changes[i] for i in range(skip, len(self.changes))]


@reader_db
def logged_tail(event_id: int, size: int) -> tuple[int, list[tuple[int, str]]]:
    """The event's seq now and its last `size` logged changes, oldest first."""
    current = Event.objects.filter(pk=event_id).values_list("seq", flat=True).first() or 0
    if not size:
        return current, []
    newest_first = EventChange.objects.filter(event_id=event_id).order_by("-seq").values_list("seq", "message")
    return current, list(reversed(newest_first[:size]))


@reader_db
def logged_changes_after(event_id: int, after: int | None) -> tuple[int, list[tuple[int, str]]]:
    """The event's seq now and the logged changes after `after` (none when `after` is None)."""
    current = Event.objects.filter(pk=event_id).values_list("seq", flat=True).first() or 0
    if after is None or after >= current:
        return current, []
    changes = event_changes_after(event=Event(pk=event_id), seq=after).values_list("seq", "message")
    return current, list(changes[:RELAY_BATCH])

_hubs: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, FanoutHub]]" = (
    weakref.WeakKeyDictionary()
)


def hub_for(layer) -> "FanoutHub":
    """The hub of this event loop for `layer` (a layer's connections belong to one loop)."""
    per_loop = _hubs.setdefault(asyncio.get_running_loop(), {})
    hub = per_loop.get(id(layer))
    if hub is None or hub.layer is not layer:
        hub = per_loop[id(layer)] = FanoutHub(layer)
    return hub


class FanoutHub:
    def __init__(self, layer):
        self.layer = layer
        # group -> members, in joining order (a dict is an ordered set).
        self.members: dict[str, dict] = {}
        self._tasks: dict[str, list[asyncio.Task]] = {}
        self._subscribed: dict[str, asyncio.Future] = {}
        # group -> the newest seq handed to its members (from the layer or the log).
        self.last_seq: dict[str, int | None] = {}
        # group -> its newest changes, for resumes (an event's group only).
        self.recent: dict[str, RecentChanges] = {}
        # group -> resolved when its next change arrives (for resumes ahead of this process).
        self._next_change: dict[str, asyncio.Future] = {}
        # group -> the loop's time when its members were last sent a frame (change or heartbeat).
        self.last_frame_at: dict[str, float] = {}

    async def join(self, group: str, member, *, event_id: int | None = None) -> None:
        """Deliver the group's messages to `member.hub_deliver(message)` from now on.

        Returns once the group's layer subscription is in place, so a caller that
        reads a log afterwards cannot miss a message sent after that read; if the
        layer is unreachable it returns after SUBSCRIBE_PATIENCE_SECONDS anyway,
        and an event's changes reach the member through the relay meanwhile.
        """
        members = self.members.get(group)
        if members is None:
            members = self.members[group] = {}
            subscribed = self._subscribed[group] = asyncio.get_running_loop().create_future()
            self.last_seq[group] = None
            self.last_frame_at[group] = asyncio.get_running_loop().time()
            self.recent[group] = RecentChanges(RECENT_CHANGES)
            self._tasks[group] = [asyncio.ensure_future(self._pump(group, subscribed, event_id))]
            if event_id is not None:
                self._tasks[group].append(asyncio.ensure_future(self._relay(group, event_id)))
        members[member] = None
        try:
            await asyncio.wait_for(asyncio.shield(self._subscribed[group]), SUBSCRIBE_PATIENCE_SECONDS)
        except TimeoutError:
            logger.warning("Joined %s before its layer subscription was in place", group)
        except BaseException:
            self.leave(group, member)
            raise

    def leave(self, group: str, member) -> None:
        members = self.members.get(group)
        if members is None or member not in members:
            return
        del members[member]
        if not members:
            del self.members[group]
            del self._subscribed[group]
            del self.last_seq[group]
            del self.last_frame_at[group]
            del self.recent[group]
            self._next_change.pop(group, None)
            for task in self._tasks.pop(group):
                task.cancel()

    def recent_changes(
        self, group: str, after: int, *, through: int | None = None
    ) -> tuple[int, list[tuple[int, str]]] | None:
        """(newest seq, changes after `after`) from memory, or None when the log must answer.

        Whatever this process's members receive passes here first, so a member that joined
        before asking misses nothing newer: it arrives in the member's own queue.
        """
        recent = self.recent.get(group)
        return None if recent is None else recent.after(after, through=through)

    def is_ahead(self, group: str, seq: int) -> bool:
        """Whether `seq` is newer than anything this process has received of the group."""
        recent = self.recent.get(group)
        return recent is not None and recent.newest is not None and seq > recent.newest

    async def caught_up(self, group: str, seq: int, *, timeout: float = CATCH_UP_SECONDS) -> bool:
        """Wait until this process has received change `seq` of the group (True), or `timeout`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (recent := self.recent.get(group)) is not None and recent.newest is not None and recent.newest < seq:
            left = deadline - loop.time()
            if left <= 0:
                return False
            next_change = self._next_change.get(group)
            if next_change is None or next_change.done():
                next_change = self._next_change[group] = loop.create_future()
            try:
                await asyncio.wait_for(asyncio.shield(next_change), left)
            except TimeoutError:
                return False
        return recent is not None and recent.newest is not None

    def _deliver(self, group: str, message: dict) -> None:
        if group in self.last_frame_at:
            self.last_frame_at[group] = asyncio.get_running_loop().time()
        if message.get("type") == "live.change":
            next_change = self._next_change.pop(group, None)
            if next_change is not None and not next_change.done():
                next_change.set_result(None)
            last = self.last_seq.get(group)
            self.last_seq[group] = message["seq"] if last is None else max(last, message["seq"])
            recent = self.recent.get(group)
            if recent is not None:
                recent.add(message["seq"], message["text"])
        # A snapshot: a member may leave (or join) while the others are served.
        for member in tuple(self.members.get(group, ())):
            try:
                member.hub_deliver(message)
            except Exception:
                logger.exception("A fan-out member failed on a message of %s", group)

    async def _pump(self, group: str, subscribed: asyncio.Future, event_id: int | None) -> None:
        """Receive the group's messages for as long as it has members, subscribing again
        (with backoff) whenever the subscription fails."""
        layer, wait = self.layer, RESUBSCRIBE_FIRST_WAIT
        while True:
            try:
                channel = await layer.new_channel()
                await layer.group_add(group, channel)
            except Exception as exc:
                logger.warning("Could not subscribe to %s (%r); trying again in %.1f s", group, exc, wait)
                await asyncio.sleep(wait)
                wait = min(wait * 2, RESUBSCRIBE_MAX_WAIT)
                continue
            if not subscribed.done():
                if event_id is not None:
                    await self._relay_baseline(group, event_id)
                subscribed.set_result(None)
            wait = RESUBSCRIBE_FIRST_WAIT
            try:
                while True:
                    self._deliver(group, await layer.receive(channel))
            except asyncio.CancelledError:
                with contextlib.suppress(Exception):
                    await layer.group_discard(group, channel)
                raise
            except Exception as exc:
                # Whatever the layer missed meanwhile, the relay brings from the log.
                logger.warning("Subscription to %s failed (%r); subscribing again", group, exc)
                with contextlib.suppress(Exception):
                    await layer.group_discard(group, channel)
                await asyncio.sleep(wait)

    async def _relay_baseline(self, group: str, event_id: int) -> None:
        """The seq the relay starts from, and the recent changes, read once subscribed and
        before any joiner resumes: what a joiner's own resume does not cover, the layer or
        the relay brings."""
        try:
            current, tail = await logged_tail(event_id, RECENT_CHANGES)
        except Exception as exc:  # the first relay tick sets the seq instead; resumes use the log
            logger.warning("Relay of %s could not read the event's seq: %r", group, exc)
            return
        self.last_seq[group] = current
        if group in self.recent:
            self.recent[group].reset(newest=current, changes=tail)

    async def _relay(self, group: str, event_id: int) -> None:
        """Keep the members current from the change log, whatever the layer does."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(RELAY_SECONDS)
            try:
                current, changes = await logged_changes_after(event_id, self.last_seq.get(group))
            except Exception as exc:  # PostgreSQL away: try again next tick
                logger.warning("Relay of %s could not read the change log: %r", group, exc)
                continue
            if group not in self.members:
                return
            if self.last_seq[group] is None:
                self.last_seq[group] = current
            for seq, text in changes:
                if seq > self.last_seq[group]:
                    self._deliver(group, {"type": "live.change", "seq": seq, "text": text})
            if loop.time() - self.last_frame_at.get(group, loop.time()) >= HEARTBEAT_SECONDS:
                heartbeat = json.dumps({"type": "heartbeat", "seq": current}, separators=(",", ":"))
                self._deliver(group, {"type": "live.heartbeat", "seq": current, "text": heartbeat})
