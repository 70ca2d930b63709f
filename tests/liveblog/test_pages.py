"""The reader pages: the event list and an event's live page, at a fixed query cost."""

from datetime import UTC, datetime

import pytest
from django.test.html import parse_html
from django.urls import reverse

from accounts.models import User
from liveblog import rendering, services
from liveblog.selectors import STREAM_PAGE_SIZE, post_for_render
from liveblog.services import QuoteInput
from tests.helpers import (
    assert_in_html,
    html_attribute,
    html_attributes,
    html_element,
    html_elements,
    html_text,
)


def live_url(event):
    return reverse("liveblog:event-live", kwargs={"slug": event.slug})


def test_index_lists_live_events_first(client, editor):
    ended = services.event_create(title="Yesterday's match", by=editor, status="live")
    services.event_set_status(event=ended, status="ended", by=editor)
    services.event_create(title="Tomorrow's vote", by=editor)
    live = services.event_create(title="Storm coverage", by=editor, status="live")

    page = client.get("/").content.decode()

    assert page.index(live.title) < page.index("Tomorrow&#x27;s vote") < page.index("Yesterday&#x27;s match")
    assert html_elements(page, "a", href=live_url(live)) != []


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
    assert html_elements(page, "article", id=f"post-{newer.pk}") != []


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


@pytest.mark.parametrize("post_count", [1, 45])
def test_live_page_query_count_does_not_grow_with_posts(
    client, editor, event, speaker, publish, post_count, django_assert_num_queries
):
    services.event_set_key_points(event=event, points=["One", "Two"], by=editor)
    for i in range(post_count):
        post = publish(f"Post {i}", quotes=[QuoteInput(speaker, f"Words {i}")])
        services.post_set_key_event(post=post, by=editor, is_key_event=True)
    # event, key points, posts, bylines with authors, quotes with speakers, images,
    # the key events list, the time of the last change
    with django_assert_num_queries(8):
        response = client.get(live_url(event))
    assert len(html_elements(response.content.decode(), "article", class_="post")) == min(post_count, STREAM_PAGE_SIZE)


@pytest.mark.parametrize("event_count", [1, 10])
def test_index_query_count_does_not_grow_with_events(client, editor, event_count, django_assert_num_queries):
    for i in range(event_count):
        services.event_create(title=f"Event {i}", by=editor)
    with django_assert_num_queries(1):
        client.get("/")


def test_live_page_carries_the_hooks_the_live_script_relies_on(client, event, publish):
    post = publish("Hooked")
    page = client.get(live_url(event)).content.decode()
    assert html_attributes(html_element(page, "article", id="event")) == {
        "class": "event", "id": "event", "data-event": event.slug, "data-seq": str(event.seq + 1),
        "data-live-socket": f"/ws/events/{event.slug}/", "data-time-zone": "Europe/London",
    }
    assert_in_html('<span class="status status--live" data-event-status>Live</span>', page)
    assert_in_html('<h1 class="event__title" data-event-title>Coalition summit</h1>', page)
    assert html_attributes(html_element(page, None, data_event_standfirst=True))["class"] == "event__standfirst"
    assert_in_html('<button type="button" class="new-posts" id="new-posts" hidden></button>', page)
    stream = html_element(page, "div", id="stream-posts")
    assert html_attributes(stream) == {"class": "stream__posts", "id": "stream-posts"}
    ids = [html_attribute(element, "id") for element in html_elements(page, None, id=True)]
    assert ids.index("new-posts") < ids.index("stream-posts")
    assert_in_html('<div id="live-announcer" class="visually-hidden" aria-live="polite" aria-atomic="true"></div>', page)
    assert_in_html('<script src="/static/liveblog/live.js" defer></script>', page)
    assert html_elements(stream, "article", id=f"post-{post.pk}", data_post_id=str(post.pk)) != []


def test_live_page_without_posts_says_so_in_the_empty_state(client, event):
    page = client.get(live_url(event)).content.decode()
    assert html_attributes(html_element(page, "p", id="stream-empty")) == {"class": "stream__empty", "id": "stream-empty"}
    assert html_attributes(html_element(page, "details", id="key-points")) == {
        "class": "key-points panel", "id": "key-points", "hidden": None,
    }
    assert html_attributes(html_element(page, "details", id="key-events")) == {
        "class": "key-events panel", "id": "key-events", "hidden": None,
    }


def test_post_fragment_links_its_permalink_and_marks_its_time_for_the_script(editor):
    event = services.event_create(title="Tokyo briefing", by=editor, status="live", time_zone="Asia/Tokyo")
    draft = services.post_create_draft(event=event, by=editor, headline="Briefing")
    post = services.post_publish(post=draft, by=editor, at=datetime(2025, 3, 15, 9, 30, tzinfo=UTC))

    fragment = rendering.post_fragment(post_for_render(post_id=post.pk))

    article = parse_html(fragment)
    assert article.name == "article"
    assert {"class": "post post--update", "id": f"post-{post.pk}", "data-post-id": str(post.pk)}.items() <= (
        html_attributes(article).items()
    )
    assert html_elements(fragment, "a", href=f"/live/{event.slug}/posts/{post.pk}/") != []
    # The date is always written (a cached page outlives the day); live.js hides it for today's posts.
    assert_in_html(
        '<time class="post__time" datetime="2025-03-15T09:30:00Z">'
        '<span class="post__date" data-day="2025-03-15">15 Mar, </span>18:30 JST</time>',
        fragment,
    )
    assert_in_html('<span class="post__ago" data-since="2025-03-15T18:30:00+09:00"></span>', fragment)
    assert html_text(html_element(fragment, "h3", class_="post__headline")) == "Briefing"


def test_post_shows_kind_label_and_quote_speaker_links_to_speaker_page(client, event, speaker, publish):
    publish("Starmer speaks", kind="quote", quotes=[QuoteInput(speaker, "sooner or later")])
    page = client.get(live_url(event)).content.decode()
    assert_in_html('<span class="label label--quote">Quote</span>', page)
    assert_in_html(f'<a class="quote__speaker" href="/speakers/{speaker.slug}/">Keir Starmer</a>', page)


def test_byline_shows_avatar_only_when_the_author_has_one(client, editor, contributor, event):
    User.objects.filter(pk=editor.pk).update(avatar="avatars/ada.png")
    draft = services.post_create_draft(
        event=event, by=editor, headline="Two voices", authors=[editor, contributor]
    )
    services.post_publish(post=draft, by=editor)

    page = client.get(live_url(event)).content.decode()

    [avatar] = html_elements(page, None, class_="byline__avatar")
    assert avatar.name == "img"
    assert {"src": "/media/avatars/ada.png", "alt": "", "width": "32", "height": "32"}.items() <= (
        html_attributes(avatar).items()
    )
    assert "Cal Contributor" in page and "Reporter" in page


def test_edited_post_says_when_it_was_updated(client, editor, event, publish):
    post = publish("First take")
    services.post_edit(post=post, by=editor, expected_version=post.version, headline="Second take")
    page = client.get(live_url(event)).content.decode()
    assert "Second take" in page
    updated = html_element(page, "p", class_="post__updated")
    assert updated.children[0] == "Updated"
    assert updated.children[1].name == "time" and html_attribute(updated.children[1], "datetime")
