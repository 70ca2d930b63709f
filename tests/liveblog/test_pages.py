"""The reader pages: the event list and an event's live page, at a fixed query cost."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from liveblog import services
from liveblog.services import QuoteInput


def live_url(event):
    return reverse("liveblog:event-live", kwargs={"slug": event.slug})


def test_index_lists_live_events_first(client, editor):
    ended = services.event_create(title="Yesterday's match", by=editor, status="live")
    services.event_set_status(event=ended, status="ended", by=editor)
    services.event_create(title="Tomorrow's vote", by=editor)
    live = services.event_create(title="Storm coverage", by=editor, status="live")

    page = client.get("/").content.decode()

    assert page.index(live.title) < page.index("Tomorrow&#x27;s vote") < page.index("Yesterday&#x27;s match")
    assert f'href="{live_url(live)}"' in page


def test_live_page_shows_key_points_and_posts_newest_first(client, editor, event, speaker, publish):
    services.event_set_key_points(event=event, points=["Leaders meet online"], by=editor)
    older = publish("Summit under way")
    newer = publish(
        "Starmer speaks",
        quotes=[QuoteInput(speaker, "sooner or later", context="told leaders")],
    )

    page = client.get(live_url(event)).content.decode()

    assert "Leaders meet online" in page
    assert page.index(newer.headline) < page.index(older.headline)
    assert "sooner or later" in page
    assert "Keir Starmer" in page and "Prime Minister, United Kingdom" in page
    assert "Ada Editor" in page and "Live editor" in page
    assert f'id="post-{newer.pk}"' in page


def test_live_page_shows_times_in_the_event_time_zone(client, editor):
    event = services.event_create(title="Tokyo briefing", by=editor, status="live", time_zone="Asia/Tokyo")
    draft = services.post_create_draft(event=event, by=editor, headline="Briefing")
    services.post_publish(post=draft, by=editor, at=datetime(2025, 3, 15, 9, 30, tzinfo=UTC))
    assert "18:30 JST" in client.get(live_url(event)).content.decode()


def test_pinned_post_comes_first(client, editor, event, publish):
    pinned = services.post_set_pinned(post=publish("Read this first"), by=editor, is_pinned=True)
    publish("Later news")
    page = client.get(live_url(event)).content.decode()
    assert page.index(pinned.headline) < page.index("Later news")


def test_drafts_and_retracted_posts_are_not_shown(client, editor, event, publish):
    services.post_create_draft(event=event, by=editor, headline="Secret draft")
    services.post_retract(post=publish("Mistake"), by=editor)
    page = client.get(live_url(event)).content.decode()
    assert "Secret draft" not in page
    assert "Mistake" not in page


def test_hostile_html_does_not_reach_the_page(client, editor, event, speaker):
    draft = services.post_create_draft(
        event=event,
        by=editor,
        headline="<script>alert('h')</script>",
        body='<p>ok</p><img src=x onerror="alert(1)"><a href="javascript:alert(2)">x</a>',
        quotes=[QuoteInput(speaker, "<b onmouseover=alert(3)>loud</b>")],
    )
    services.post_publish(post=draft, by=editor)
    page = client.get(live_url(event)).content.decode()
    assert "<script>alert" not in page
    assert "onerror" not in page and "javascript:" not in page
    assert "<b onmouseover" not in page
    assert "&lt;script&gt;" in page and "&lt;b onmouseover" in page


def test_unknown_event_is_404(client, db):
    assert client.get("/live/no-such-event/").status_code == 404


def test_pages_refuse_writes(client, event):
    assert client.post(live_url(event)).status_code == 405


@pytest.mark.parametrize("post_count", [1, 25])
def test_live_page_query_count_does_not_grow_with_posts(
    client, editor, event, speaker, publish, post_count, django_assert_num_queries
):
    services.event_set_key_points(event=event, points=["One", "Two"], by=editor)
    for i in range(post_count):
        publish(f"Post {i}", quotes=[QuoteInput(speaker, f"Words {i}")])
    # event, key points, posts, bylines with authors, quotes with speakers
    with django_assert_num_queries(5):
        response = client.get(live_url(event))
    assert response.content.decode().count('class="post ') == post_count


@pytest.mark.parametrize("event_count", [1, 10])
def test_index_query_count_does_not_grow_with_events(client, editor, event_count, django_assert_num_queries):
    for i in range(event_count):
        services.event_create(title=f"Event {i}", by=editor)
    with django_assert_num_queries(1):
        client.get("/")
