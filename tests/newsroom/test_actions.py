"""One-click actions from the stream: each goes through the services, with the version the journalist saw."""

import pytest

from liveblog import services
from liveblog.models import EventChange, Post
from tests.helpers import assert_in_html, html_elements
from tests.newsroom.conftest import newsroom_url

pytestmark = pytest.mark.django_db


def act(client, post, action, **data):
    return client.post(newsroom_url(post.event, "post-action", post.pk, action), {"version": post.version, **data})


@pytest.fixture
def draft(editor, event):
    return services.post_create_draft(event=event, by=editor, headline="Waiting", body="Body")


def test_publish_a_draft_from_the_stream(as_editor, draft, client, event):
    response = act(as_editor, draft, "publish")

    draft.refresh_from_db()
    assert response.status_code == 302 and draft.status == Post.Status.PUBLISHED
    assert "Waiting" in client.get(f"/live/{event.slug}/").content.decode()


def test_pin_and_unpin(as_editor, publish):
    post = publish("Pin me")

    act(as_editor, post, "pin")
    post.refresh_from_db()
    assert post.is_pinned
    act(as_editor, post, "unpin")
    post.refresh_from_db()
    assert not post.is_pinned


def test_key_event_on_and_off(as_editor, publish):
    post = publish("Big moment")

    act(as_editor, post, "key-event")
    post.refresh_from_db()
    assert post.is_key_event
    act(as_editor, post, "not-key-event")
    post.refresh_from_db()
    assert not post.is_key_event


def test_retract_with_a_public_note_shows_a_tombstone(as_editor, publish, client, event):
    post = publish("Wrong minister")

    response = act(as_editor, post, "retract", note="This post named the wrong minister.")

    post.refresh_from_db()
    assert response.status_code == 302
    assert post.status == Post.Status.RETRACTED and post.retraction_note == "This post named the wrong minister."
    assert "Wrong minister" not in client.get(f"/live/{event.slug}/").content.decode()
    change = EventChange.objects.filter(post=post).order_by("-seq").first()
    assert change.action == "post_retracted"


def test_retract_asks_for_confirmation_first(as_editor, publish, event):
    publish("On the page")

    stream = as_editor.get(newsroom_url(event, "stream")).content.decode()

    assert_in_html("<summary>Retract…</summary>", stream)
    assert html_elements(stream, None, data_confirm="Retract this post? It disappears from readers' pages at once.") != []


def test_unschedule_turns_a_scheduled_post_back_into_a_draft(as_editor, editor, draft):
    from datetime import timedelta

    from django.utils import timezone

    draft = services.post_schedule(post=draft, by=editor, at=timezone.now() + timedelta(hours=1))
    act(as_editor, draft, "unschedule")

    draft.refresh_from_db()
    assert draft.status == Post.Status.DRAFT and draft.scheduled_for is None


def test_action_on_a_stale_version_is_refused_and_names_the_colleague(as_editor, editor, publish, contributor):
    post = publish("Seen at v2")
    seen = post.version
    services.post_edit(post=post, by=editor, expected_version=seen, headline="Changed meanwhile")

    response = as_editor.post(newsroom_url(post.event, "post-action", post.pk, "pin"), {"version": seen})

    post.refresh_from_db()
    page = response.content.decode()
    assert response.status_code == 409
    assert not post.is_pinned
    assert "Ada Editor" in page and "headline" in page and "Changed meanwhile" in page


def test_publishing_twice_is_a_clear_error(as_editor, publish):
    post = publish("Already out")

    response = act(as_editor, post, "publish")

    assert response.status_code == 400
    assert "Only a draft can be published" in response.content.decode()


def test_malformed_actions_are_4xx(as_editor, publish, event):
    post = publish("Target")
    url = newsroom_url(event, "post-action", post.pk, "pin")

    assert as_editor.post(url, {}).status_code == 400
    assert as_editor.post(url, {"version": "two"}).status_code == 400
    assert as_editor.post(url, {"version": "-1"}).status_code == 400
    assert as_editor.get(url).status_code == 405
    assert as_editor.post(newsroom_url(event, "post-action", post.pk, "explode"), {"version": 1}).status_code == 404
    assert as_editor.post(newsroom_url(event, "post-action", 99999, "pin"), {"version": 1}).status_code == 404
    assert as_editor.post(url, {"version": post.version, "note": "x" * 301}).status_code in (302, 400)
    long_note = as_editor.post(newsroom_url(event, "post-action", post.pk, "retract"),
                               {"version": post.version, "note": "x" * 301})
    assert long_note.status_code == 400


def test_a_post_of_another_event_is_not_found_under_this_one(as_editor, editor, publish):
    post = publish("Elsewhere")
    other = services.event_create(title="Other", by=editor)

    response = as_editor.post(newsroom_url(other, "post-action", post.pk, "pin"), {"version": post.version})

    assert response.status_code == 404
