"""Every message the live socket and the changes feed send keeps to the published schemas.

Each kind of public change is made through the services while a reader is
connected; every frame the reader receives is checked against
docs/live-protocol.schema.json, every page of the `?after=` feed and every
posts API answer against the OpenAPI components served at /api/schema/.
"""

import json
from datetime import UTC, datetime

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections
from rest_framework.test import APIClient

from config.asgi import application
from liveblog import services
from liveblog.api.serializers import change_for_partner
from liveblog.models import Event, EventChange, Post
from liveblog.services import QuoteInput
from tests.helpers import png
from tests.schemas import assert_api_body, assert_feed_page, assert_live_frame

ORIGIN = (b"origin", b"http://127.0.0.1:8000")
EVERY_CHANGE = {
    ("post", "post_published"), ("post", "post_edited"), ("post", "post_pinned"), ("post", "post_unpinned"),
    ("post", "post_key_event"), ("post", "post_not_key_event"), ("post", "post_retracted"),
    ("key_points", None), ("event", None),
}


def every_kind_of_change(*, editor, event, speaker):
    """Each kind of public change, once or more, through the services. Returns the post that stays
    published (with a correction, a picture and two quotes) and the event's last seq."""
    draft = services.post_create_draft(
        event=event, by=editor, headline="Summit opens", body="<p>Leaders arrive.</p>",
        quotes=[QuoteInput(speaker, "Sooner or later", context="told reporters")],
    )
    post = services.post_publish(post=draft, by=editor)
    post = services.post_edit(
        post=post, by=editor, expected_version=post.version, body="<p>Leaders arrived.</p>",
        correction_note="An earlier version said the talks had ended.",
    )
    services.image_add(post=post, by=editor, image=png(), alt_text="Leaders on a call", caption="The call", credit="Pool")
    services.quote_add(
        post=post, speaker=speaker, text="We are ready", by=editor,
        said_at=datetime(2025, 3, 15, 9, 30, 0, 250000, tzinfo=UTC),
    )
    services.post_set_pinned(post=post, by=editor, is_pinned=True)
    services.post_set_pinned(post=post, by=editor, is_pinned=False)
    services.post_set_key_event(post=post, by=editor, is_key_event=True)
    services.post_set_key_event(post=post, by=editor, is_key_event=False)
    mistake = services.post_publish(post=services.post_create_draft(event=event, by=editor, headline="Mistake"), by=editor)
    services.post_retract(post=mistake, by=editor, note="Posted in error")
    services.post_publish(
        post=services.post_create_draft(event=event, by=editor, headline="What we know so far", kind=Post.Kind.SUMMARY),
        by=editor,
    )
    services.event_set_key_points(event=event, points=["Leaders meet", "Talks resume"], by=editor)
    services.event_set_status(event=event, status=Event.Status.ENDED, by=editor)
    services.event_update(event=event, by=editor, title="Coalition summit, day one", standfirst="Leaders met.")
    services.event_set_lead_image(event=event, by=editor, image=png("table.png"), alt_text="Leaders at the table")
    return post, Event.objects.get(pk=event.pk).seq


def kinds(changes) -> set:
    return {(change["type"], change.get("action")) for change in changes}


# The live socket -------------------------------------------------------------------------------


@pytest.fixture
async def close_worker_connections():
    yield
    await sync_to_async(connections.close_all)()


async def connect(path: str) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, path, headers=[ORIGIN])
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    return communicator


async def receive(communicator) -> dict:
    return assert_live_frame(await communicator.receive_from(timeout=5))


async def answer_to(communicator, **sent) -> dict:
    await communicator.send_to(**sent)
    return await receive(communicator)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("close_worker_connections")
async def test_every_change_a_reader_receives_keeps_to_the_live_protocol_schema(editor, event, speaker):
    reader = await connect(f"/ws/events/{event.slug}/")

    _, last_seq = await sync_to_async(every_kind_of_change)(editor=editor, event=event, speaker=speaker)

    frames = [await receive(reader)]
    while frames[-1]["seq"] < last_seq:
        frames.append(await receive(reader))
    assert [frame["seq"] for frame in frames] == list(range(1, last_seq + 1))
    assert kinds(frames) == EVERY_CHANGE
    assert await reader.receive_nothing(timeout=0.2)
    await reader.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("close_worker_connections")
async def test_every_control_and_error_frame_keeps_to_the_live_protocol_schema(editor, event):
    reader = await connect(f"/ws/events/{event.slug}/")

    assert await answer_to(reader, text_data='{"type": "ping"}') == {"type": "pong"}
    assert (await answer_to(reader, text_data="not json"))["code"] == "bad_json"
    assert (await answer_to(reader, text_data='{"type": "dance"}'))["code"] == "unknown_type"
    assert (await answer_to(reader, text_data='{"type": "resume", "after": -1}'))["code"] == "bad_resume"
    assert (await answer_to(reader, bytes_data=b"\x00"))["code"] == "binary_not_supported"
    assert await answer_to(reader, text_data='{"type": "resume", "after": 99}') == {
        "type": "reload", "reason": "unknown_seq",
    }
    assert (await answer_to(reader, text_data="x" * 2000))["code"] == "frame_too_large"
    await reader.disconnect()

    for path, code in [("/ws/events/no-such-event/", "unknown_event"), ("/ws/elsewhere/", "unknown_path")]:
        stranger = await connect(path)
        assert (await receive(stranger))["code"] == code
        await stranger.disconnect()


# The changes feed and the posts API ----------------------------------------------------------


def test_every_page_of_the_changes_feed_keeps_to_the_openapi_schema(editor, event, speaker):
    _, last_seq = every_kind_of_change(editor=editor, event=event, speaker=speaker)
    api = APIClient()

    changes, after = [], 0
    while True:
        page = api.get(f"/api/v1/events/{event.slug}/posts/", {"after": after, "limit": 4}).json()
        assert_feed_page(page)
        changes += page["changes"]
        after = page["last_seq"]
        if not page["has_more"]:
            break
    assert [change["seq"] for change in changes] == list(range(1, last_seq + 1))
    assert kinds(changes) == EVERY_CHANGE


def test_the_posts_api_sends_exactly_what_its_schema_describes(editor, event, speaker):
    post, last_seq = every_kind_of_change(editor=editor, event=event, speaker=speaker)
    mistake = EventChange.objects.get(event=event, action=EventChange.Action.POST_RETRACTED).post
    api = APIClient()

    page = assert_api_body(api.get(f"/api/v1/events/{event.slug}/posts/").json(), "PostPage")
    assert_api_body(api.get(f"/api/v1/events/{event.slug}/posts/{post.pk}/").json(), "Post")
    assert_api_body(api.get(f"/api/v1/events/{event.slug}/posts/{mistake.pk}/").json(), "PostTombstone")
    assert_api_body(api.get(f"/api/v1/events/{event.slug}/").json(), "EventDetail")
    assert_api_body(api.get("/api/v1/quotes/").json(), "PaginatedQuoteList")

    # A post in a page of posts and the same post in the feed agree field for field, times included.
    (listed,) = [result for result in page["results"] if result["id"] == post.pk]
    replayed = api.get(f"/api/v1/events/{event.slug}/posts/", {"after": 0}).json()["changes"]
    last_of_post = [change["post"] for change in replayed if change.get("post", {}).get("id") == post.pk][-1]
    assert {key: value for key, value in listed.items() if key != "version"} == last_of_post
    assert listed["quotes"][1]["said_at"] == "2025-03-15T09:30:00.250000Z"
    assert listed["published_at"].endswith("Z") and listed["updated_at"].endswith("Z")


def test_the_event_api_and_the_event_change_agree(editor, event, speaker):
    every_kind_of_change(editor=editor, event=event, speaker=speaker)
    detail = APIClient().get(f"/api/v1/events/{event.slug}/").json()
    message = EventChange.objects.filter(event=event).order_by("seq").last().message
    sent = change_for_partner(message, absolute=lambda url: f"http://testserver{url}")["event"]
    assert sent == {key: detail[key] for key in sent}
    assert sent["ends_at"].endswith("Z")
    assert sent["lead_image"]["alt_text"] == "Leaders at the table"
    assert sent["lead_image"]["url"].startswith("http://testserver/media/events/")
    assert json.loads(message)["event"]["lead_image"]["url"].startswith("/media/events/")  # readers: same site


# The schemas do reject what they do not describe ---------------------------------------------


@pytest.fixture
def logged_post_frame(editor, event, speaker) -> dict:
    every_kind_of_change(editor=editor, event=event, speaker=speaker)
    change = EventChange.objects.filter(event=event, action=EventChange.Action.POST_EDITED).last()
    return assert_live_frame(change.message)


@pytest.mark.parametrize(
    ("spoil", "complaint"),
    [
        (lambda frame: frame["post"].update(is_pinned="no"), "'no' is not of type 'boolean'"),
        (lambda frame: frame["post"].update(published_at="2025-03-15T09:30:00+00:00"), "does not match"),
        (lambda frame: frame["post"]["media"][0].pop("alt_text"), "'alt_text' is a required property"),
        (lambda frame: frame["post"].update(version=3), "Additional properties are not allowed"),
        (lambda frame: frame.update(action="post_deleted"), "is not one of"),
    ],
)
def test_a_frame_the_protocol_does_not_describe_is_rejected(logged_post_frame, spoil, complaint):
    spoil(logged_post_frame)
    with pytest.raises(AssertionError, match=complaint):
        assert_live_frame(logged_post_frame)


def test_a_feed_page_the_schema_does_not_describe_is_rejected(editor, event, speaker):
    every_kind_of_change(editor=editor, event=event, speaker=speaker)
    page = assert_feed_page(APIClient().get(f"/api/v1/events/{event.slug}/posts/", {"after": 0}).json())
    page["changes"][0]["post"]["is_key_event"] = "yes"
    with pytest.raises(AssertionError, match="'yes' is not of type 'boolean'"):
        assert_feed_page(page)
    page["changes"][0]["post"]["is_key_event"] = False
    page["changes"][0]["post"]["html"] = "<article>…</article>"
    with pytest.raises(AssertionError, match="'html' was unexpected"):
        assert_feed_page(page)
