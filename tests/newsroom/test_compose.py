"""Writing from the newsroom: one submit posts an update, with its quotes, picture and byline."""

from datetime import timedelta

import pytest
from django.utils import timezone

from liveblog import services
from liveblog.models import EventChange, Post, PostImage, Quote, Speaker
from tests.conftest import make_user
from tests.helpers import assert_in_html, bmp, html_elements, png
from tests.newsroom.conftest import compose, newsroom_url

pytestmark = pytest.mark.django_db


def test_editor_publishes_an_update_in_one_submit(as_editor, editor, event):
    response = as_editor.post(newsroom_url(event), compose(
        headline="Leaders join the call", body="The **first** leaders are on screen.", intent="publish",
    ))

    post = Post.objects.get(event=event)
    assert response.status_code == 302
    assert response["Location"].endswith(f"#newsroom-post-{post.pk}")
    assert post.status == Post.Status.PUBLISHED and post.seq == 1
    assert post.body_html == "<p>The <strong>first</strong> leaders are on screen.</p>\n"
    assert [byline.author for byline in post.bylines.all()] == [editor]
    assert EventChange.objects.filter(event=event, action="post_published", post=post).count() == 1
    assert "Leaders join the call" in as_editor.get(f"/live/{event.slug}/").content.decode()


def test_contributor_submits_a_draft_readers_do_not_see(as_contributor, contributor, event, client):
    response = as_contributor.post(newsroom_url(event), compose(headline="Draft from the scene", body="Notes"))

    post = Post.objects.get(event=event)
    assert response.status_code == 302
    assert post.status == Post.Status.DRAFT and post.created_by == contributor and post.seq is None
    assert "Draft from the scene" not in client.get(f"/live/{event.slug}/").content.decode()
    assert "Draft from the scene" in as_contributor.get(newsroom_url(event)).content.decode()


def test_quote_from_a_new_speaker_is_created_with_the_post(as_editor, event):
    as_editor.post(newsroom_url(event), compose(**{
        "headline": "Finland speaks", "intent": "publish",
        "quotes-0-new_speaker_name": "Alexander Stubb", "quotes-0-new_speaker_role": "President",
        "quotes-0-new_speaker_organisation": "Finland", "quotes-0-text": "It is too early.",
        "quotes-0-context": "told reporters", "quotes-0-said_at": "2025-03-15T10:30",
    }))

    quote = Quote.objects.select_related("speaker", "post").get()
    assert quote.post.status == Post.Status.PUBLISHED
    assert (quote.speaker.name, quote.speaker.role, quote.speaker.organisation) == ("Alexander Stubb", "President", "Finland")
    assert (quote.text, quote.context) == ("It is too early.", "told reporters")
    # Times are typed in the event's zone (Europe/London: GMT in March).
    assert quote.said_at.isoformat() == "2025-03-15T10:30:00+00:00"


def test_quote_from_an_existing_speaker_reuses_the_record_across_events(as_editor, editor, event, speaker):
    other = services.event_create(title="Another summit", by=editor)
    for each in (event, other):
        as_editor.post(newsroom_url(each), compose(**{
            "headline": "Starmer", "intent": "publish", "quotes-0-speaker": str(speaker.pk), "quotes-0-text": "Words",
        }))

    assert Speaker.objects.count() == 1
    assert Quote.objects.filter(speaker=speaker).count() == 2


def test_speaker_autocomplete_finds_existing_speakers_for_a_contributor(as_contributor, speaker):
    response = as_contributor.get(
        "/admin/autocomplete/", {"term": "keir", "app_label": "liveblog", "model_name": "quote", "field_name": "speaker"}
    )

    assert response.status_code == 200
    assert response.json()["results"] == [{"id": str(speaker.pk), "text": "Keir Starmer"}]


def test_compose_form_offers_the_autocomplete_and_the_markup_help(as_editor, event):
    page = as_editor.get(newsroom_url(event)).content.decode()

    assert html_elements(page, None, data_ajax__url="/admin/autocomplete/") != []
    assert "Paste a YouTube, X, Instagram or Bluesky link" in page


def test_picture_is_attached_with_alt_text_caption_and_credit(as_editor, event):
    as_editor.post(newsroom_url(event), compose(
        headline="On screen", intent="publish", image=png(), image_alt_text="Leaders on a video call",
        image_caption="The call", image_credit="Pool",
    ))

    image = PostImage.objects.get()
    assert (image.alt_text, image.caption, image.credit, image.width) == ("Leaders on a video call", "The call", "Pool", 40)
    assert image.post.status == Post.Status.PUBLISHED
    assert html_elements(as_editor.get(f"/live/{event.slug}/").content.decode(), "img", alt="Leaders on a video call") != []


def test_picture_without_alt_text_is_refused_and_nothing_is_saved(as_editor, event):
    response = as_editor.post(newsroom_url(event), compose(headline="On screen", intent="publish", image=png()))

    assert response.status_code == 400
    assert "Describe the picture" in response.content.decode()
    assert not Post.objects.exists() and not PostImage.objects.exists()


def test_picture_the_services_refuse_leaves_no_half_saved_post(as_editor, event):
    response = as_editor.post(newsroom_url(event), compose(
        headline="Half a post?", intent="publish", image=bmp(), image_alt_text="A red square",
    ))

    assert response.status_code == 400
    assert "BMP images are not accepted" in response.content.decode()
    assert not Post.objects.exists() and not PostImage.objects.exists() and not EventChange.objects.exists()


def test_file_that_is_not_a_picture_is_a_form_error(as_editor, event):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("evil.png", b"<script>alert(1)</script>", content_type="image/png")
    response = as_editor.post(newsroom_url(event), compose(headline="x", image=fake, image_alt_text="x"))

    assert response.status_code == 400
    assert not Post.objects.exists()


def test_bad_quote_means_no_post_and_no_new_speaker(as_editor, event):
    response = as_editor.post(newsroom_url(event), compose(**{
        "headline": "With a quote", "intent": "publish",
        "quotes-0-new_speaker_name": "Somebody", "quotes-0-text": "",
    }))

    assert response.status_code == 400
    assert "Type the words the speaker said." in response.content.decode()
    assert not Post.objects.exists() and not Speaker.objects.exists()


def test_quote_with_unknown_speaker_id_is_a_form_error(as_editor, event):
    response = as_editor.post(newsroom_url(event), compose(**{
        "headline": "x", "quotes-0-speaker": "999999", "quotes-0-text": "Words",
    }))

    assert response.status_code == 400
    assert not Post.objects.exists()


def test_empty_submit_asks_for_something_to_post(as_editor, event):
    response = as_editor.post(newsroom_url(event), compose(intent="publish"))

    assert response.status_code == 400
    assert "Write a headline, a body or a quote first." in response.content.decode()


def test_several_authors_are_credited_in_the_order_given(as_editor, editor, contributor, event):
    as_editor.post(newsroom_url(event), compose(headline="Joint", authors=[str(contributor.pk), str(editor.pk)]))

    post = Post.objects.get()
    assert {byline.author for byline in post.bylines.all()} == {contributor, editor}


def test_author_without_a_newsroom_role_cannot_be_credited(as_editor, reader, event):
    response = as_editor.post(newsroom_url(event), compose(headline="x", authors=[str(reader.pk)]))

    assert response.status_code == 400
    assert not Post.objects.exists()


def test_scheduled_post_waits_in_the_stream_and_is_published_at_its_time(as_editor, event, client):
    at = timezone.localtime(timezone.now() + timedelta(hours=2), timezone=event_zone(event))
    response = as_editor.post(newsroom_url(event), compose(
        headline="Later", intent="schedule", scheduled_for=at.strftime("%Y-%m-%dT%H:%M"),
    ))

    post = Post.objects.get()
    assert response.status_code == 302
    assert post.status == Post.Status.SCHEDULED
    assert post.scheduled_for == at.replace(second=0, microsecond=0)
    stream = as_editor.get(newsroom_url(event, "stream")).content.decode()
    assert "Scheduled" in stream and "Later" in stream

    services.posts_publish_due(now=post.scheduled_for + timedelta(seconds=1))
    assert "Later" in client.get(f"/live/{event.slug}/").content.decode()


def test_schedule_without_a_time_or_in_the_past_is_a_form_error(as_editor, event):
    missing = as_editor.post(newsroom_url(event), compose(headline="x", intent="schedule"))
    past = as_editor.post(newsroom_url(event), compose(headline="x", intent="schedule", scheduled_for="2001-01-01T10:00"))

    assert missing.status_code == past.status_code == 400
    assert "Pick the time to publish at" in missing.content.decode()
    assert "Choose a time in the future" in past.content.decode()
    assert not Post.objects.exists()


def test_preview_renders_the_post_as_readers_will_see_it_without_saving(as_editor, event, speaker):
    response = as_editor.post(newsroom_url(event, "preview"), compose(**{
        "headline": "Preview me", "kind": "breaking", "body": "Some *words*\n\nhttps://youtu.be/dQw4w9WgXcQ",
        "quotes-0-speaker": str(speaker.pk), "quotes-0-text": "Quoted", "quotes-1-new_speaker_name": "New Voice",
        "quotes-1-text": "Also quoted",
    }))

    html = response.content.decode()
    assert response.status_code == 200
    assert html_elements(html, "article", class_="post post--breaking") != [] and "Preview me" in html
    assert_in_html("<em>words</em>", html)
    assert "youtube-nocookie.com/embed/dQw4w9WgXcQ" in html
    assert "Keir Starmer" in html and "New Voice" in html and "Ada Editor" in html
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert not Post.objects.exists() and Speaker.objects.count() == 1


def test_preview_button_needs_no_intent(as_editor, event):
    data = compose(headline="Just looking")
    del data["intent"]

    response = as_editor.post(newsroom_url(event, "preview"), data)

    assert response.status_code == 200 and "Just looking" in response.content.decode()


def test_oversized_body_is_a_form_error_not_a_crash(as_editor, event):
    response = as_editor.post(newsroom_url(event), compose(headline="x", body="a" * 20_001))

    assert response.status_code == 400
    assert "at most 20000 characters" in response.content.decode()


def test_null_bytes_and_tampered_formsets_are_form_errors(as_editor, event):
    nul = as_editor.post(newsroom_url(event), compose(headline="bad\x00byte"))
    no_management = as_editor.post(newsroom_url(event), {"headline": "x", "intent": "draft", "kind": "update"})
    too_many = as_editor.post(newsroom_url(event), compose(**{"headline": "x", "quotes-TOTAL_FORMS": "100000"}))
    bad_kind = as_editor.post(newsroom_url(event), compose(headline="x", kind="sermon"))

    assert [r.status_code for r in (nul, no_management, too_many, bad_kind)] == [400, 400, 400, 400]
    assert not Post.objects.exists()


def test_unknown_event_is_not_found(as_editor):
    from django.urls import reverse

    assert as_editor.get(reverse("admin:newsroom:event", args=[987654])).status_code == 404


def event_zone(event):
    import zoneinfo

    return zoneinfo.ZoneInfo(event.time_zone)


def test_byline_defaults_to_the_journalist_who_posts(db, event):
    from tests.newsroom.conftest import signed_in

    writer = make_user("writer", "editor", display_name="Wren Writer")
    signed_in(writer).post(newsroom_url(event), compose(headline="Mine", intent="publish"))

    assert [byline.author for byline in Post.objects.get().bylines.all()] == [writer]
