"""Hostile and malformed input to pages, the admin, websocket handshakes and uploads gets a
clear 400 or a refused handshake, never a 500, and changes nothing (the API's own cases are
in tests/liveblog/api/test_malformed_input.py)."""

import io

import pytest
from channels.testing import WebsocketCommunicator
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from config.asgi import application
from liveblog import services
from liveblog.models import PostImage
from tests import live


def test_nul_in_the_admin_speaker_autocomplete_gets_a_400(client, editor, speaker):
    client.force_login(editor)
    response = client.get(
        "/admin/autocomplete/",
        {"app_label": "liveblog", "model_name": "quote", "field_name": "speaker", "term": "Keir\x00"},
    )
    assert response.status_code == 400
    assert b"NUL" in response.content


def test_nul_in_a_reader_page_query_gets_a_400_page(client, event):
    response = client.get(f"/live/{event.slug}/?before=%00")
    assert response.status_code == 400
    assert b"NUL" in response.content


@pytest.mark.parametrize("origin", [b"http://[127.0.0.1]", b"http://127.0.0.1:99999", b"http://[::1"])
async def test_a_malformed_origin_is_refused_at_the_handshake(origin):
    communicator = WebsocketCommunicator(application, "/ws/events/anything/", headers=[(b"origin", origin)])
    connected, _ = await communicator.connect()
    assert connected is False
    await communicator.disconnect()


def huge_png(width: int, height: int) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("1", (width, height)).save(buffer, format="PNG")
    return SimpleUploadedFile("huge.png", buffer.getvalue(), content_type="image/png")


def test_a_tiny_file_claiming_81_megapixels_is_refused_before_decoding(editor, publish):
    post = publish("With a picture")
    version = post.version
    upload = huge_png(9000, 9000)
    assert upload.size < 100_000  # small on disk: only the pixel count gives it away
    with pytest.raises(ValidationError, match="9000x9000 pixels; pictures are limited to 40 megapixels"):
        services.image_add(post=post, by=editor, image=upload, alt_text="Nothing", expected_version=version)
    post.refresh_from_db()
    assert post.version == version
    assert not PostImage.objects.filter(post=post).exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("close_worker_connections")
@pytest.mark.parametrize("after", ["1e400", "1.5", "true", '"5"', "-1", "[]", "null", str(2**60)])
async def test_a_resume_after_anything_but_a_whole_number_gets_bad_resume_and_the_socket_stays(event, after):
    reader, connected, _ = await live.connect(event.slug)
    assert connected
    await reader.send_to(text_data=f'{{"type": "resume", "after": {after}}}')
    error = await live.receive_frame(reader)
    assert (error["type"], error["code"]) == ("error", "bad_resume")
    await reader.send_to(text_data='{"type": "ping"}')
    assert await live.receive_frame(reader) == {"type": "pong"}
    await reader.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("close_worker_connections")
@pytest.mark.parametrize("after", ["1.5", "-1", "5x", "%EF%BC%95"])  # the last is a full-width digit 5
async def test_a_resume_in_the_url_after_anything_but_digits_gets_bad_resume(event, after):
    reader, connected, _ = await live.connect(event.slug, query=f"after={after}")
    assert connected
    error = await live.receive_frame(reader)
    assert (error["type"], error["code"]) == ("error", "bad_resume")
    await reader.disconnect()
