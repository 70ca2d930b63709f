"""The staff socket: journalists' screens hear that the stream changed; nobody else connects."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from config.asgi import application
from liveblog import services
from newsroom.consumers import NewsroomConsumer
from tests.live import ORIGIN, assert_no_more_frames, receive_frame, receive_text

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("close_worker_connections")]


async def connect_as(user, event_id):
    """Straight to the consumer, with the user the auth middleware would have put in the scope."""
    communicator = WebsocketCommunicator(NewsroomConsumer.as_asgi(), f"/ws/newsroom/{event_id}/")
    communicator.scope["user"] = user if user is not None else AnonymousUser()
    communicator.scope["url_route"] = {"kwargs": {"event_id": event_id}}
    connected, code = await communicator.connect(timeout=5)
    return communicator, connected, code


async def test_journalist_hears_about_a_colleagues_draft_and_publish(contributor, editor, event):
    screen, connected, _ = await connect_as(contributor, event.pk)
    assert connected

    draft = await sync_to_async(services.post_create_draft)(event=event, by=editor, headline="Draft")
    created = await receive_frame(screen, reader=False)
    await sync_to_async(services.post_publish)(post=draft, by=editor)
    published = await receive_frame(screen, reader=False)
    await assert_no_more_frames(screen)

    assert created == {"type": "newsroom.change", "post_id": draft.pk, "action": "create", "by": "Ada Editor"}
    assert published["action"] == "publish" and published["post_id"] == draft.pk
    await screen.disconnect()


@pytest.mark.parametrize("who", ["anonymous", "reader"])
async def test_socket_refuses_anyone_without_a_newsroom_role(who, reader, event):
    _, connected, code = await connect_as(reader if who == "reader" else None, event.pk)

    assert not connected and code == 4403


async def test_socket_refuses_an_unknown_event(editor):
    _, connected, code = await connect_as(editor, 987654)

    assert not connected and code == 4403


async def test_socket_route_reads_the_session_cookie_and_keeps_the_origin_check(editor, event, client):
    await sync_to_async(client.force_login)(editor)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    path = f"/ws/newsroom/{event.pk}/"

    signed_in = WebsocketCommunicator(application, path, headers=[ORIGIN, (b"cookie", cookie)])
    no_session = WebsocketCommunicator(application, path, headers=[ORIGIN])
    foreign = WebsocketCommunicator(application, path, headers=[(b"origin", b"https://evil.example"), (b"cookie", cookie)])

    assert (await signed_in.connect(timeout=5))[0]
    assert not (await no_session.connect(timeout=5))[0]
    assert not (await foreign.connect(timeout=5))[0]
    await signed_in.send_to(text_data='{"type":"ping"}')
    assert await receive_text(signed_in, reader=False) == '{"type":"pong"}'
    await signed_in.disconnect()


async def test_readers_socket_still_works_without_a_session(event):
    reader = WebsocketCommunicator(application, f"/ws/events/{event.slug}/", headers=[ORIGIN])

    assert (await reader.connect(timeout=5))[0]
    await reader.disconnect()
