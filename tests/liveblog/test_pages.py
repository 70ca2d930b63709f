"""The reader pages: the event list and an event's live page, at a fixed query cost."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from accounts.models import User
from liveblog import rendering, services
from liveblog.selectors import STREAM_PAGE_SIZE, post_for_render
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


@pytest.mark.parametrize("post_count", [1, 45])
def test_live_page_query_count_does_not_grow_with_posts(
    client, editor, event, speaker, publish, post_count, django_assert_num_queries
):
    services.event_set_key_points(event=event, points=["One", "Two"], by=editor)
    for i in range(post_count):
        publish(f"Post {i}", quotes=[QuoteInput(speaker, f"Words {i}")])
    # event, key points, posts, bylines with authors, quotes with speakers, images
    with django_assert_num_queries(6):
        response = client.get(live_url(event))
    assert response.content.decode().count('class="post ') == min(post_count, STREAM_PAGE_SIZE)


@pytest.mark.parametrize("event_count", [1, 10])
def test_index_query_count_does_not_grow_with_events(client, editor, event_count, django_assert_num_queries):
    for i in range(event_count):
        services.event_create(title=f"Event {i}", by=editor)
    with django_assert_num_queries(1):
        client.get("/")


def test_live_page_carries_the_hooks_the_live_script_relies_on(client, event, publish):
    post = publish("Hooked")
    page = client.get(live_url(event)).content.decode()
    assert (
        f'<article class="event" id="event" data-event="{event.slug}" data-seq="{event.seq + 1}" '
        f'data-live-socket="/ws/events/{event.slug}/">'
    ) in page
    assert '<p class="status status--live" data-event-status>Live</p>' in page
    assert '<h1 class="event__title" data-event-title>Coalition summit</h1>' in page
    assert 'class="event__standfirst" data-event-standfirst' in page
    assert '<button type="button" class="new-posts" id="new-posts" hidden></button>' in page
    assert page.index('id="new-posts"') < page.index('<div class="stream__posts" id="stream-posts">')
    assert '<div id="live-announcer" class="visually-hidden" aria-live="polite" aria-atomic="true"></div>' in page
    assert '<script src="/static/liveblog/live.js" defer></script>' in page
    assert f'id="post-{post.pk}" data-post-id="{post.pk}"' in page


def test_live_page_without_posts_says_so_in_the_empty_state(client, event):
    page = client.get(live_url(event)).content.decode()
    assert '<p class="stream__empty" id="stream-empty">' in page
    assert '<section class="key-points" id="key-points" aria-labelledby="key-points-heading" hidden>' in page


def test_post_fragment_links_its_permalink_and_marks_its_time_for_the_script(editor):
    event = services.event_create(title="Tokyo briefing", by=editor, status="live", time_zone="Asia/Tokyo")
    draft = services.post_create_draft(event=event, by=editor, headline="Briefing")
    post = services.post_publish(post=draft, by=editor, at=datetime(2025, 3, 15, 9, 30, tzinfo=UTC))

    fragment = rendering.post_fragment(post_for_render(post_id=post.pk))

    assert fragment.startswith(f'<article class="post post--update" id="post-{post.pk}" data-post-id="{post.pk}"')
    assert f'href="/live/{event.slug}/posts/{post.pk}/"' in fragment
    assert '<time class="post__time" datetime="2025-03-15T18:30:00+09:00">18:30 JST</time>' in fragment
    assert '<span class="post__ago" data-since="2025-03-15T18:30:00+09:00"></span>' in fragment
    assert '<h3 class="post__headline"' in fragment


def test_post_shows_kind_label_and_quote_speaker_links_to_speaker_page(client, event, speaker, publish):
    publish("Starmer speaks", kind="quote", quotes=[QuoteInput(speaker, "sooner or later")])
    page = client.get(live_url(event)).content.decode()
    assert '<span class="label label--quote">Quote</span>' in page
    assert f'<a class="quote__speaker" href="/speakers/{speaker.slug}/">Keir Starmer</a>' in page


def test_byline_shows_avatar_only_when_the_author_has_one(client, editor, contributor, event):
    User.objects.filter(pk=editor.pk).update(avatar="avatars/ada.png")
    draft = services.post_create_draft(
        event=event, by=editor, headline="Two voices", authors=[editor, contributor]
    )
    services.post_publish(post=draft, by=editor)

    page = client.get(live_url(event)).content.decode()

    assert page.count('class="byline__avatar"') == 1
    assert '<img class="byline__avatar" src="/media/avatars/ada.png" alt="" width="32" height="32"' in page
    assert "Cal Contributor" in page and "Reporter" in page


def test_edited_post_says_when_it_was_updated(client, editor, event, publish):
    post = publish("First take")
    services.post_edit(post=post, by=editor, expected_version=post.version, headline="Second take")
    page = client.get(live_url(event)).content.decode()
    assert "Second take" in page
    assert '<p class="post__updated">Updated <time datetime=' in page
