"""A speaker's page: who they are and what they said across events, from published posts only."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from liveblog import services
from liveblog.models import Speaker
from liveblog.services import QuoteInput
from tests.helpers import assert_in_html, html_elements, publish


def speaker_url(speaker):
    return reverse("liveblog:speaker-detail", kwargs={"slug": speaker.slug})


def publish_quote(event, editor, speaker, text, at):
    return publish(event, editor, f"Post with {text}", quotes=[QuoteInput(speaker, text)], at=at)


def test_speaker_page_shows_who_they_are(client, editor):
    speaker = services.speaker_create(
        name="Alexander Stubb", role="President", organisation="Finland",
        bio="Former prime minister.", by=editor,
    )
    page = client.get(speaker_url(speaker)).content.decode()
    assert_in_html('<h1 class="speaker__name">Alexander Stubb</h1>', page)
    assert "President" in page and "Finland" in page and "Former prime minister." in page
    assert "No published quotes yet." in page
    assert html_elements(page, "img") == []


def test_speaker_photo_is_shown_when_there_is_one(client, speaker):
    Speaker.objects.filter(pk=speaker.pk).update(photo="speakers/starmer.jpg")
    page = client.get(speaker_url(speaker)).content.decode()
    assert_in_html('<img class="speaker__photo" src="/media/speakers/starmer.jpg" alt="" width="96" height="96">', page)


def test_speaker_quotes_across_events_newest_first_from_published_posts_only(client, editor, event, speaker):
    other = services.event_create(title="Press conference", by=editor, status="live")
    older = publish_quote(event, editor, speaker, "first words", datetime(2025, 3, 1, 9, tzinfo=UTC))
    newer = publish_quote(other, editor, speaker, "later words", datetime(2025, 3, 2, 9, tzinfo=UTC))
    retracted = publish_quote(event, editor, speaker, "withdrawn words", datetime(2025, 3, 3, 9, tzinfo=UTC))
    services.post_retract(post=retracted, by=editor)
    services.post_create_draft(
        event=event, by=editor, headline="Draft", quotes=[QuoteInput(speaker, "unpublished words")]
    )

    page = client.get(speaker_url(speaker)).content.decode()

    assert page.index("later words") < page.index("first words")
    assert "withdrawn words" not in page and "unpublished words" not in page
    assert html_elements(page, "a", href=f"/live/{other.slug}/posts/{newer.pk}/") != []
    assert html_elements(page, "a", href=f"/live/{event.slug}/posts/{older.pk}/") != []
    assert "Press conference" in page and "Coalition summit" in page
    assert "2 March 2025, 09:00 GMT" in page


def test_unknown_speaker_is_404(client, db):
    assert client.get("/speakers/nobody/").status_code == 404


@pytest.mark.parametrize("quote_count", [1, 12])
def test_speaker_page_query_count_does_not_grow_with_quotes(
    client, editor, event, speaker, quote_count, django_assert_num_queries
):
    other = services.event_create(title="Press conference", by=editor, status="live")
    for i in range(quote_count):
        publish_quote(event if i % 2 else other, editor, speaker, f"words {i}", datetime(2025, 3, 1, i, tzinfo=UTC))
    # speaker, quotes with their posts and events
    with django_assert_num_queries(2):
        page = client.get(speaker_url(speaker)).content.decode()
    assert len(html_elements(page, None, class_="quote-list__item")) == quote_count
