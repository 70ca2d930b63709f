"""Two journalists publishing at once, on two real database connections.

The event row lock makes seq strictly increase by one per public change and
match commit order, which is what lets a reader resume without gaps.
"""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from liveblog import services
from liveblog.models import Event, EventChange, Post

pytestmark = pytest.mark.django_db(transaction=True)


def _in_thread(target, *args):
    errors = []

    def run():
        try:
            target(*args)
        except Exception as exc:  # surfaced to the test below
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


def test_concurrent_publishers_get_consecutive_numbers(editor, event):
    drafts = [services.post_create_draft(event=event, by=editor, headline=f"Post {i}") for i in range(30)]
    start = threading.Barrier(2)

    def publish_all(mine):
        start.wait()
        for draft in mine:
            services.post_publish(post=draft, by=editor)

    runs = [_in_thread(publish_all, drafts[0::2]), _in_thread(publish_all, drafts[1::2])]
    for thread, errors in runs:
        thread.join(timeout=60)
        assert errors == []

    event.refresh_from_db()
    assert event.seq == 30
    assert sorted(Post.objects.filter(event=event).values_list("seq", flat=True)) == list(range(1, 31))
    assert list(EventChange.objects.filter(event=event).values_list("seq", flat=True)) == list(range(1, 31))


def test_second_publisher_waits_for_the_first_to_commit(editor, event):
    first = services.post_create_draft(event=event, by=editor, headline="First")
    second = services.post_create_draft(event=event, by=editor, headline="Second")
    first_has_seq = threading.Event()
    let_first_commit = threading.Event()

    def publish_first_and_hold():
        with transaction.atomic():
            services.post_publish(post=first, by=editor)
            first_has_seq.set()
            let_first_commit.wait(timeout=30)

    def publish_second():
        first_has_seq.wait(timeout=30)
        services.post_publish(post=second, by=editor)

    holder, holder_errors = _in_thread(publish_first_and_hold)
    assert first_has_seq.wait(timeout=30)
    waiter, waiter_errors = _in_thread(publish_second)

    # Wait (bounded) until the second publisher's backend is blocked on the event row lock.
    deadline = time.monotonic() + 20
    blocked = False
    while time.monotonic() < deadline and not blocked:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            blocked = cursor.fetchone() is not None
        time.sleep(0.05)
    assert blocked, "the second publisher should wait for the first one's lock"
    assert Post.objects.get(pk=second.pk).status == Post.Status.DRAFT

    let_first_commit.set()
    for thread, errors in ((holder, holder_errors), (waiter, waiter_errors)):
        thread.join(timeout=30)
        assert errors == []

    assert Post.objects.get(pk=first.pk).seq == 1
    assert Post.objects.get(pk=second.pk).seq == 2
    assert Event.objects.get(pk=event.pk).seq == 2
