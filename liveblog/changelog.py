"""Numbering and logging public changes: the event's `seq` and its EventChange log.

Every change a reader can see takes the event's next number under the event
row lock and is logged with the exact text readers receive; the log in the
database is the truth, and broadcast.py only carries news of it after COMMIT.
"""

import json

from django.db import transaction

from liveblog.broadcast import change_send, event_group
from liveblog.models import Event, EventChange, Post
from liveblog.seqcache import seq_remember


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


def change_log(
    *, event: Event, seq: int, action: str, message: dict, by=None, post: Post | None = None
) -> EventChange:
    """Log change number `seq` as readers will receive it, and send it once the transaction commits."""
    text = json.dumps({"seq": seq, **message}, separators=(",", ":"), ensure_ascii=False)
    change = EventChange.objects.create(
        event=event, seq=seq, action=action, post=post, by=by, message=text
    )
    group = event_group(event.pk)
    transaction.on_commit(lambda: change_send(group=group, seq=seq, text=text), robust=True)
    # The logged time, not the time of COMMIT: the API's Last-Modified is read from the log too.
    slug, event_id, changed_at = event.slug, event.pk, change.created_at.timestamp()
    transaction.on_commit(
        lambda: seq_remember(slug=slug, event_id=event_id, seq=seq, changed_at=changed_at), robust=True
    )
    return change
