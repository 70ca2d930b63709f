"""Resumes answered from the fan-out hub's recent changes: the same frames as the log gives,
without a query per reader, and from the log again once memory does not reach back far enough."""

import asyncio
import json
import threading

import pytest
from asgiref.sync import sync_to_async
from django.db.backends.utils import CursorWrapper

from liveblog import fanout, services
from liveblog.fanout import RecentChanges
from liveblog.models import EventChange
from tests.live import assert_no_more_frames, connect, publish, receive_text, receive_until_seq

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("close_worker_connections")]


@pytest.fixture
def queries(monkeypatch):
    """Every SQL statement run from now on, in any thread (readers' database work has threads
    of its own, which django_assert_num_queries, bound to one connection, would not see)."""
    seen = []
    execute = CursorWrapper.execute

    def counting_execute(self, sql, params=None):
        seen.append(sql)
        return execute(self, sql, params)

    monkeypatch.setattr(CursorWrapper, "execute", counting_execute)
    return seen


@pytest.fixture(autouse=True)
def no_relay_tick(monkeypatch):
    # The relay's own read every few seconds is per event, not per reader: keep it out of the counts.
    monkeypatch.setattr(fanout, "RELAY_SECONDS", 60.0)


@sync_to_async
def logged_texts(event, after):
    return list(EventChange.objects.filter(event=event, seq__gt=after).order_by("seq").values_list("message", flat=True))


@sync_to_async
def edit(post, by, headline):
    return services.post_edit(post=post, by=by, expected_version=post.version, headline=headline)


async def resumed_texts(slug, after, last):
    """The raw frames a reader resuming after `after` receives, up to seq `last`."""
    reader, connected, _ = await connect(slug, f"after={after}")
    assert connected
    texts = [await receive_text(reader) for _ in range(last - after)]
    await assert_no_more_frames(reader)
    return reader, texts


async def test_resumes_within_recent_changes_make_no_query(editor, event, queries):
    posts = [await publish(event, editor, f"Post {i}") for i in range(4)]
    await edit(posts[0], editor, "Post 0, corrected")
    first, _, _ = await connect(event.slug)  # the process resolves the slug and reads the log's tail once

    before = len(queries)
    resumes = {after: await resumed_texts(event.slug, after, 5) for after in (0, 2, 4, 5)}
    in_window = queries[before:]

    assert in_window == []
    for after, (_, texts) in resumes.items():
        assert texts == await logged_texts(event, after)
    assert [json.loads(t)["seq"] for t in resumes[2][1]] == [3, 4, 5]
    readers = [reader for reader, _ in resumes.values()]
    for reader in (first, *readers):
        await reader.disconnect()


async def test_a_connect_for_a_known_slug_makes_no_query(editor, event, queries):
    await publish(event, editor, "Already out")
    first, _, _ = await connect(event.slug)

    before = len(queries)
    second, connected, _ = await connect(event.slug)
    await second.send_to(text_data='{"type": "resume", "after": 1}')
    await second.send_to(text_data='{"type": "ping"}')
    assert json.loads(await receive_text(second)) == {"type": "pong"}
    await assert_no_more_frames(second)

    assert connected and queries[before:] == []
    await first.disconnect()
    await second.disconnect()


async def test_readers_arriving_at_once_for_an_unresolved_slug_share_one_lookup(editor, event, queries):
    await publish(event, editor, "Already out")
    before = len(queries)
    readers = await asyncio.gather(*(connect(event.slug, "after=0") for _ in range(20)))
    for reader, connected, _ in readers:
        assert connected
        assert json.loads(await receive_text(reader))["post"]["headline"] == "Already out"

    slug_lookups = [sql for sql in queries[before:] if 'WHERE "liveblog_event"."slug" = ' in sql]
    assert len(slug_lookups) == 1, slug_lookups
    for reader, _, _ in readers:
        await reader.disconnect()


async def test_a_resume_ahead_of_this_process_waits_for_the_change_instead_of_the_log(
    editor, event, queries, monkeypatch
):
    """A reader that got seq 2 from another worker reconnects here before this process has
    received it: the resume is answered when the change arrives, without a query."""
    from liveblog import changelog

    watcher, _, _ = await connect(event.slug)
    await publish(event, editor, "First")
    await receive_until_seq(watcher, 1)
    send_now = changelog.change_send
    monkeypatch.setattr(
        changelog, "change_send", lambda **kw: threading.Timer(0.3, send_now, kwargs=kw).start()
    )
    await publish(event, editor, "Second, late on this process")

    before = len(queries)
    reader, connected, _ = await connect(event.slug, "after=2")
    await receive_until_seq(watcher, 2)
    await assert_no_more_frames(reader)  # nothing it lacks, and no reload
    assert connected and queries[before:] == []

    monkeypatch.setattr(changelog, "change_send", send_now)
    await publish(event, editor, "Third")
    assert [f["post"]["headline"] for f in await receive_until_seq(reader, 3)] == ["Third"]
    await watcher.disconnect()
    await reader.disconnect()


async def test_a_new_change_still_reaches_a_reader_whose_resume_came_from_memory(editor, event):
    await publish(event, editor, "Missed")
    reader, texts = await resumed_texts(event.slug, 0, 1)
    await publish(event, editor, "Live")
    frames = await receive_until_seq(reader, 2)
    await assert_no_more_frames(reader)

    assert [json.loads(t)["post"]["headline"] for t in texts] == ["Missed"]
    assert [f["post"]["headline"] for f in frames] == ["Live"]
    await reader.disconnect()


@pytest.mark.parametrize("kept", [0, 3, fanout.RECENT_CHANGES])
async def test_a_resume_beyond_recent_changes_gets_every_change_from_the_log(editor, event, monkeypatch, kept):
    """With memory for `kept` changes (none, fewer than were missed, plenty), a resume after 1
    gets exactly what the log holds, in order; live changes that pushed older ones out
    of memory included."""
    monkeypatch.setattr(fanout, "RECENT_CHANGES", kept)
    posts = [await publish(event, editor, f"Post {i}") for i in range(3)]
    watcher, _, _ = await connect(event.slug)  # memory is filled here, then by live changes
    for i in range(3, 6):
        posts.append(await publish(event, editor, f"Post {i}"))
    await edit(posts[1], editor, "Post 1, corrected")
    await receive_until_seq(watcher, 7)

    reader, texts = await resumed_texts(event.slug, 1, 7)

    assert texts == await logged_texts(event, 1)
    assert [json.loads(t)["seq"] for t in texts] == [2, 3, 4, 5, 6, 7]
    assert json.loads(texts[-1])["post"]["headline"] == "Post 1, corrected"
    await watcher.disconnect()
    await reader.disconnect()


def test_recent_changes_hold_one_unbroken_run_and_answer_only_inside_it():
    recent = RecentChanges(4)
    assert recent.after(0) is None  # nothing known yet: the log answers

    recent.reset(newest=5, changes=[(2, "b"), (3, "c"), (5, "e")])  # a hole in what was read
    assert recent.after(4) == (5, [(5, "e")])
    assert recent.after(3) is None

    for seq in (6, 7, 8):
        recent.add(seq, chr(ord("a") + seq - 1))
    assert recent.after(4) == (8, [(5, "e"), (6, "f"), (7, "g"), (8, "h")])
    recent.add(9, "i")  # the oldest goes
    assert recent.after(4) is None
    assert recent.after(5) == (9, [(6, "f"), (7, "g"), (8, "h"), (9, "i")])
    assert recent.after(9) == (9, [])
    assert recent.after(10) is None  # a seq this process has not seen: the log knows
    assert recent.after(7, through=10) is None  # a gap fill that must reach 10


def test_a_hole_starts_the_run_again_and_a_crossed_pair_is_mended():
    recent = RecentChanges(10)
    recent.reset(newest=3, changes=[(1, "a"), (2, "b"), (3, "c")])
    recent.add(5, "e")  # 4 is late, or lost
    assert recent.after(2) is None and recent.after(3) is None
    recent.add(4, "d")  # it was late: two processes' sends crossed
    assert recent.after(3) == (5, [(4, "d"), (5, "e")])
    recent.add(4, "d")  # a duplicate changes nothing
    recent.add(6, "f")
    assert recent.after(3) == (6, [(4, "d"), (5, "e"), (6, "f")])
