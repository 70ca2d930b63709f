"""Older posts without JavaScript: keyset pages of the live stream, followed link by link."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from liveblog import services
from liveblog.selectors import STREAM_PAGE_SIZE
from tests.helpers import html_attribute, html_element, html_elements, html_text, publish

START = datetime(2025, 3, 15, 9, 0, tzinfo=UTC)


def live_url(event):
    return reverse("liveblog:event-live", kwargs={"slug": event.slug})


def publish_many(event, editor, count, *, ties_every=0):
    """`count` posts a minute apart, oldest first; with ties_every=n, n posts share each minute."""
    posts = []
    for i in range(count):
        minute = i // ties_every if ties_every else i
        posts.append(publish(event, editor, f"Post {i}", at=START + timedelta(minutes=minute)))
    return posts


def shown_ids(page: str) -> list[int]:
    return [int(html_attribute(post, "data-post-id")) for post in html_elements(page, "article", class_="post")]


def link(page: str, label: str) -> str | None:
    """Where the pager's link called `label` leads, if the page has it."""
    links = [a for a in html_elements(page, "a", rel=True, href=True) if html_text(a) == label]
    assert len(links) <= 1, f"{len(links)} links called {label!r}"
    return html_attribute(links[0], "href") if links else None


def get_page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_first_page_shows_the_newest_posts_with_the_pinned_one_on_top(client, editor, event):
    posts = publish_many(event, editor, 30)
    pinned = services.post_set_pinned(post=posts[2], by=editor, is_pinned=True)

    page = get_page(client, live_url(event))

    ids = shown_ids(page)
    assert len(ids) == STREAM_PAGE_SIZE
    assert ids[0] == pinned.pk
    assert ids[1:] == [post.pk for post in reversed(posts[-(STREAM_PAGE_SIZE - 1):])]
    assert link(page, "Older posts") is not None
    assert link(page, "Newer posts") is None


def test_short_stream_has_no_older_posts_link(client, editor, event):
    publish_many(event, editor, STREAM_PAGE_SIZE)
    page = get_page(client, live_url(event))
    assert len(shown_ids(page)) == STREAM_PAGE_SIZE
    assert "Older posts" not in page


@pytest.mark.parametrize("ties_every", [0, 4])
def test_following_older_links_shows_every_post_once_in_order(client, editor, event, ties_every):
    posts = publish_many(event, editor, 45, ties_every=ties_every)
    pinned = services.post_set_pinned(post=posts[40], by=editor, is_pinned=True)
    services.post_retract(post=posts[10], by=editor)
    services.post_create_draft(event=event, by=editor, headline="Unpublished")

    seen, pages, url = [], [], live_url(event)
    while url:
        page = get_page(client, url)
        pages.append(page)
        seen.extend(shown_ids(page))
        url = link(page, "Older posts")

    expected_stream = [post.pk for post in reversed(posts) if post.pk not in (pinned.pk, posts[10].pk)]
    assert seen == [pinned.pk, *expected_stream]
    assert [len(shown_ids(page)) for page in pages] == [20, 20, 4]
    assert all(html_elements(page, None, id=f"post-{pinned.pk}") == [] for page in pages[1:])


def test_newer_links_lead_back_to_the_same_pages(client, editor, event):
    posts = publish_many(event, editor, 45)
    services.post_set_pinned(post=posts[0], by=editor, is_pinned=True)
    first = get_page(client, live_url(event))
    second_url = link(first, "Older posts")
    second = get_page(client, second_url)
    third = get_page(client, link(second, "Older posts"))

    assert link(third, "Newer posts") == second_url
    assert link(second, "Newer posts") == live_url(event)


def test_older_pages_do_not_open_a_live_connection(client, editor, event):
    publish_many(event, editor, 25)
    first = get_page(client, live_url(event))
    older = get_page(client, link(first, "Older posts"))

    assert html_attribute(html_element(first, None, id="event"), "data-live-socket").startswith("/ws/events/")
    assert html_attribute(html_element(older, None, id="event"), "data-live-socket") is None
    assert "data-live-socket" not in older
    assert "Earlier updates" in older
    assert html_elements(older, None, id="key-points") == []


@pytest.mark.parametrize(
    "before",
    ["", "abc", "12", "12-", "-12", "1-2-3", "1.5-2", "١٢-3", "12345678901234567890-1", "1-1234567890123456789"],
)
def test_malformed_older_posts_link_is_a_bad_request_page(client, event, before):
    response = client.get(live_url(event), {"before": before})
    assert response.status_code == 400
    page = response.content.decode()
    assert "This link to older posts is not valid." in page
    assert html_elements(page, "a", href=live_url(event)) != []


def test_a_position_older_than_every_post_shows_an_empty_page(client, editor, event):
    publish_many(event, editor, 3)
    page = get_page(client, f"{live_url(event)}?before=1-1")
    assert shown_ids(page) == []
    assert html_elements(page, None, id="stream-empty") != []
    assert link(page, "Newer posts") == live_url(event)


@pytest.mark.parametrize("post_count", [25, 45])
def test_older_page_query_count_does_not_grow_with_posts(
    client, editor, event, post_count, django_assert_num_queries
):
    publish_many(event, editor, post_count)
    older_url = link(get_page(client, live_url(event)), "Older posts")
    # event, posts, bylines with authors, quotes with speakers, images, keys of the newer page
    with django_assert_num_queries(6):
        page = get_page(client, older_url)
    assert len(shown_ids(page)) == min(post_count - STREAM_PAGE_SIZE, STREAM_PAGE_SIZE)
