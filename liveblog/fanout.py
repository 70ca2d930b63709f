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
"""

import asyncio
import logging
import weakref

logger = logging.getLogger(__name__)

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
        self._pumps: dict[str, asyncio.Task] = {}
        self._subscribed: dict[str, asyncio.Future] = {}

    async def join(self, group: str, member) -> None:
        """Deliver the group's messages to `member.hub_deliver(message)` from now on.

        Returns once the group's layer subscription is in place, so a caller that
        reads a log afterwards cannot miss a message sent after that read.
        """
        members = self.members.get(group)
        if members is None:
            members = self.members[group] = {}
            subscribed = self._subscribed[group] = asyncio.get_running_loop().create_future()
            self._pumps[group] = asyncio.ensure_future(self._pump(group, subscribed))
        members[member] = None
        try:
            await asyncio.shield(self._subscribed[group])
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
            self._pumps.pop(group).cancel()

    async def _pump(self, group: str, subscribed: asyncio.Future) -> None:
        layer = self.layer
        try:
            channel = await layer.new_channel()
            await layer.group_add(group, channel)
        except asyncio.CancelledError:
            subscribed.cancel()
            raise
        except Exception as exc:
            # The joiners get the error (as they would from group_add); the next join tries again.
            subscribed.set_exception(exc)
            self._forget(group, subscribed)
            return
        subscribed.set_result(None)
        try:
            while True:
                message = await layer.receive(channel)
                # A snapshot: a member may leave (or join) while the others are served.
                for member in tuple(self.members.get(group, ())):
                    try:
                        member.hub_deliver(message)
                    except Exception:
                        logger.exception("A fan-out member failed on a message of %s", group)
        finally:
            try:
                await layer.group_discard(group, channel)
            except Exception:
                logger.exception("Could not leave the channel-layer group %s", group)

    def _forget(self, group: str, subscribed: asyncio.Future) -> None:
        """After a failed subscription, let the next join try again."""
        if self._subscribed.get(group) is subscribed:
            del self._subscribed[group]
            del self._pumps[group]
            self.members.pop(group, None)
