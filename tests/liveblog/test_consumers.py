"""The readers' websocket against real Redis: live changes, resume, and bad input."""

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from config.asgi import application
from liveblog import services
from liveblog.consumers import RESUME_LIMIT
from tests.live import (
    ORIGIN,
    assert_no_more_frames,
    connect,
    publish,
    receive_close,
    receive_frame,
    receive_until_seq,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("close_worker_connections")]


@sync_to_async
def edit(post, by, headline):
    return services.post_edit(post=post, by=by, expected_version=post.version, headline=headline)


@sync_to_async
def retract(post, by):
    return services.post_retract(post=post, by=by, note="Posted in error")


async def test_publish_edit_and_retract_reach_a_connected_reader(editor, event):
    reader, connected, _ = await connect(event.slug)
    assert connected

    post = await publish(event, editor, "First line")
    published = await receive_frame(reader)
    post = await edit(post, editor, "First line, corrected")
    edited = await receive_frame(reader)
    await retract(post, editor)
    retracted = await receive_frame(reader)
    await assert_no_more_frames(reader)

    assert [m["seq"] for m in (published, edited, retracted)] == [1, 2, 3]
    assert published["post"]["headline"] == "First line"
    assert edited["action"] == "post_edited" and edited["post"]["headline"] == "First line, corrected"
    assert retracted["post"] == {**retracted["post"], "id": post.pk, "status": "retracted"}
    await reader.disconnect()


async def test_resume_returns_exactly_the_missed_changes_in_order(editor, event):
    posts = [await publish(event, editor, f"Post {i}") for i in range(5)]
    await edit(posts[1], editor, "Post 1, edited")

    reader, _, _ = await connect(event.slug)
    await reader.send_to(text_data=json.dumps({"type": "resume", "after": 2}))
    frames = await receive_until_seq(reader, 6)
    await assert_no_more_frames(reader)

    assert [f["seq"] for f in frames] == [3, 4, 5, 6]
    assert frames[-1]["post"]["headline"] == "Post 1, edited"
    await reader.disconnect()


async def test_resume_in_the_query_string_answers_at_connect(editor, event):
    await publish(event, editor, "Before")
    await publish(event, editor, "Missed")
    reader, _, _ = await connect(event.slug, "after=1")
    assert [f["post"]["headline"] for f in await receive_until_seq(reader, 2)] == ["Missed"]
    await assert_no_more_frames(reader)
    await reader.disconnect()


async def test_change_committed_during_a_resume_is_neither_lost_nor_duplicated(editor, event):
    for i in range(3):
        await publish(event, editor, f"Old {i}")
    reader, _, _ = await connect(event.slug)

    # The resume and a new publish race: whichever wins, seq 4 must arrive exactly once.
    await asyncio.gather(
        reader.send_to(text_data=json.dumps({"type": "resume", "after": 0})),
        publish(event, editor, "Racing"),
    )
    frames = await receive_until_seq(reader, 4)
    await assert_no_more_frames(reader)

    assert [f["seq"] for f in frames] == [1, 2, 3, 4]
    await reader.disconnect()


@pytest.mark.parametrize("commit_while", ["before_log_read", "after_log_read"])
async def test_commit_at_either_side_of_the_log_read_arrives_once(editor, event, monkeypatch, commit_while):
    """Force the race: a publish commits just before, or just after, the resume reads the log."""
    from liveblog import consumers, fanout

    monkeypatch.setattr(fanout, "RECENT_CHANGES", 0)  # nothing in memory: the resume reads the log
    for i in range(2):
        await publish(event, editor, f"Old {i}")
    read_log = consumers.changes_after

    async def racing_read(*args):
        if commit_while == "before_log_read":
            await publish(event, editor, "Racing")
            return await read_log(*args)
        result = await read_log(*args)
        await publish(event, editor, "Racing")
        return result

    monkeypatch.setattr(consumers, "changes_after", racing_read)
    reader, _, _ = await connect(event.slug)
    await reader.send_to(text_data=json.dumps({"type": "resume", "after": 0}))
    frames = await receive_until_seq(reader, 3)
    await assert_no_more_frames(reader)

    assert [f["seq"] for f in frames] == [1, 2, 3]
    assert frames[-1]["post"]["headline"] == "Racing"
    await reader.disconnect()


async def test_resume_from_too_far_back_asks_the_reader_to_reload(editor, event, monkeypatch):
    monkeypatch.setattr("liveblog.consumers.RESUME_LIMIT", 2)
    for i in range(4):
        await publish(event, editor, f"Post {i}")
    reader, _, _ = await connect(event.slug)
    await reader.send_to(text_data=json.dumps({"type": "resume", "after": 0}))
    assert await receive_frame(reader) == {"type": "reload", "reason": "too_far_behind"}
    await assert_no_more_frames(reader)
    await reader.disconnect()


async def test_resume_from_a_number_the_server_never_gave_asks_to_reload(editor, event):
    reader, _, _ = await connect(event.slug)
    await reader.send_to(text_data=json.dumps({"type": "resume", "after": 99}))
    assert await receive_frame(reader) == {"type": "reload", "reason": "unknown_seq"}
    await assert_no_more_frames(reader)
    await reader.disconnect()


def test_resume_limit_is_documented():
    from pathlib import Path

    protocol = (Path(__file__).resolve().parents[2] / "docs" / "live-protocol.md").read_text()
    assert f"{RESUME_LIMIT} changes" in protocol


async def test_unknown_event_gets_an_error_frame_and_close_code(db):
    reader, connected, _ = await connect("no-such-event")
    assert connected
    assert (await receive_frame(reader))["code"] == "unknown_event"
    assert await receive_close(reader) == 4404


async def test_unknown_path_gets_an_error_frame(db):
    communicator = WebsocketCommunicator(application, "/ws/elsewhere/", headers=[ORIGIN])
    await communicator.connect(timeout=5)
    assert (await receive_frame(communicator))["code"] == "unknown_path"
    assert await receive_close(communicator) == 4404


@pytest.mark.parametrize(
    ("sent", "code"),
    [
        ("not json{", "bad_json"),
        ('["resume"]', "unknown_type"),
        ('{"type": "subscribe"}', "unknown_type"),
        ('{"type": "resume", "after": "soon"}', "bad_resume"),
        ('{"type": "resume", "after": -4}', "bad_resume"),
        ('{"type": "resume"}', "bad_resume"),
    ],
)
async def test_bad_input_gets_an_error_frame_and_the_socket_stays_useful(editor, event, sent, code):
    reader, _, _ = await connect(event.slug)
    await reader.send_to(text_data=sent)
    assert (await receive_frame(reader))["code"] == code
    await publish(event, editor, "Still live")
    assert (await receive_frame(reader))["post"]["headline"] == "Still live"
    await assert_no_more_frames(reader)
    await reader.disconnect()


async def test_binary_frames_are_refused(event):
    reader, _, _ = await connect(event.slug)
    await reader.send_to(bytes_data=b"\x00\x01")
    assert (await receive_frame(reader))["code"] == "binary_not_supported"
    await assert_no_more_frames(reader)  # and the socket stays open
    await reader.disconnect()


async def test_oversized_frame_is_refused_and_closed(event):
    reader, _, _ = await connect(event.slug)
    await reader.send_to(text_data=json.dumps({"type": "resume", "after": 1, "pad": "x" * 5000}))
    assert (await receive_frame(reader))["code"] == "frame_too_large"
    assert await receive_close(reader) == 1009


async def test_ping_is_answered(event):
    reader, _, _ = await connect(event.slug)
    await reader.send_to(text_data='{"type": "ping"}')
    assert await receive_frame(reader) == {"type": "pong"}
    await assert_no_more_frames(reader)
    await reader.disconnect()


async def test_socket_from_another_site_is_refused(event):
    _, connected, _ = await connect(event.slug, origin=(b"origin", b"https://evil.example"))
    assert not connected


async def test_a_deleted_event_is_unknown_to_the_next_connect_at_once(event):
    reader, _, _ = await connect(event.slug)  # the process now remembers the slug
    await reader.disconnect()
    await sync_to_async(event.delete)()

    again, connected, _ = await connect(event.slug)
    assert connected
    assert (await receive_frame(again))["code"] == "unknown_event"
    assert await receive_close(again) == 4404


async def test_a_slug_another_process_gave_to_a_new_event_reaches_the_new_event(editor, event):
    from liveblog.consumers import event_ids

    await publish(event, editor, "On the new event")
    event_ids.remember(event.slug, event.pk + 1000)  # what this process knew of the old one
    reader, _, _ = await connect(event.slug, "after=0")
    assert [f["post"]["headline"] for f in await receive_until_seq(reader, 1)] == ["On the new event"]
    await assert_no_more_frames(reader)
    await reader.disconnect()
