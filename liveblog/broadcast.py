"""Public changes: numbered, logged and sent to every open live page after COMMIT.

A change is serialized once, here; the channel layer carries the ready text
and consumers forward it untouched, so the cost does not grow with readers.
"""

import json
import time

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from liveblog.models import Event, EventChange, Post
from liveblog.seqcache import seq_remember


def event_group(event_id: int) -> str:
    return f"event-{event_id}"


def newsroom_group(event_id: int) -> str:
    """Staff only: every change to an event's posts, drafts included."""
    return f"newsroom-{event_id}"


def event_lock(*, event_id: int) -> Event:
    """Lock the event row for the rest of the transaction.

    Every public change of an event goes through this lock, so changes are
    numbered one at a time and seq order is commit order: a reader can never
    receive seq 8 before seq 7 has been committed.
    """
    return Event.objects.select_for_update().get(pk=event_id)


def seq_take(*, event: Event) -> int:
    """The event's next public number. The caller holds the lock from `event_lock`."""
    event.seq += 1
    event.save(update_fields=["seq"])
    return event.seq


def change_publish(
    *, event: Event, seq: int, action: str, message: dict, by=None, post: Post | None = None
) -> EventChange:
    """Log change number `seq` as readers will receive it, and send it once the transaction commits."""
    text = json.dumps({"seq": seq, **message}, separators=(",", ":"), ensure_ascii=False)
    change = EventChange.objects.create(
        event=event, seq=seq, action=action, post=post, by=by, message=text
    )
    group = event_group(event.pk)
    transaction.on_commit(lambda: change_send(group=group, seq=seq, text=text), robust=True)
    slug, event_id = event.slug, event.pk
    transaction.on_commit(
        lambda: seq_remember(slug=slug, event_id=event_id, seq=seq, changed_at=time.time()), robust=True
    )
    return change


def change_send(*, group: str, seq: int, text: str) -> None:
    """Hand the ready text to the channel layer. A failure here loses nothing: the
    change is committed and logged, and readers fetch it on their next resume."""
    layer = get_channel_layer()
    if layer is None:
        return
    # seq travels beside the text so consumers can order and de-duplicate without parsing JSON.
    async_to_sync(layer.group_send)(group, {"type": "live.change", "seq": seq, "text": text})


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

    def send() -> None:
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(group, message)

    transaction.on_commit(send, robust=True)
