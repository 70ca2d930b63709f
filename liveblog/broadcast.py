"""Sending changes after COMMIT: public ones to every open live page, notes to newsroom screens.

A change is serialized once (liveblog/changelog.py numbers and logs it); the
channel layer carries the ready text and consumers forward it untouched, so
the cost does not grow with readers.
"""

import asyncio
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

# A send runs in the writer's request, after COMMIT, while the request still holds its
# database connection: a Redis that is frozen or gone may cost it this long, no more.
# A change not sent is not lost: it is in the log, and the fan-out hubs relay it from there.
SEND_TIMEOUT_SECONDS = 0.5


def event_group(event_id: int) -> str:
    return f"event-{event_id}"


def newsroom_group(event_id: int) -> str:
    """Staff only: every change to an event's posts, drafts included."""
    return f"newsroom-{event_id}"


def change_send(*, group: str, seq: int, text: str) -> None:
    """Hand the ready text to the channel layer. A failure here loses nothing: the
    change is committed and logged, and readers fetch it on their next resume."""
    # seq travels beside the text so consumers can order and de-duplicate without parsing JSON.
    layer_send(group, {"type": "live.change", "seq": seq, "text": text})


def layer_send(group: str, message: dict) -> None:
    """group_send, bounded by SEND_TIMEOUT_SECONDS; a failure is logged, never raised."""
    layer = get_channel_layer()
    if layer is None:
        return

    async def send() -> None:
        await asyncio.wait_for(layer.group_send(group, message), timeout=SEND_TIMEOUT_SECONDS)

    try:
        async_to_sync(send)()
    except Exception as failure:  # Redis errors come in many classes; none may fail a write
        logger.warning("Could not send %s to %s: %r", message["type"], group, failure)


def newsroom_notify_on_commit(*, event_id: int, post_id: int | None, action: str, by=None) -> None:
    """Tell open newsroom screens that the event's stream changed (they refetch what they show).

    Drafts never go to readers, so the newsroom has its own group; the note
    is tiny and carries no content, so no permission leaks through it.
    """
    message = {
        "type": "newsroom.change",
        "post_id": post_id,
        "action": action,
        "by": by.byline_name if by is not None else "",
    }
    group = newsroom_group(event_id)
    transaction.on_commit(lambda: layer_send(group, message), robust=True)
