"""The event's Atom feed: valid XML, the latest published posts, sanitized, at a fixed query cost."""

import xml.etree.ElementTree as ET  # noqa: S405 -- parses our own feed in tests
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from liveblog import services
from liveblog.selectors import FEED_SIZE
from liveblog.services import QuoteInput

ATOM = {"atom": "http://www.w3.org/2005/Atom"}


def feed_url(event):
    return reverse("liveblog:event-feed", kwargs={"slug": event.slug})


def get_feed(client, event) -> ET.Element:
    response = client.get(feed_url(event))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    return ET.fromstring(response.content)  # noqa: S314 -- our own output


def entries(feed: ET.Element) -> list[ET.Element]:
    return feed.findall("atom:entry", ATOM)


def text(element: ET.Element, path: str) -> str:
    return element.find(path, ATOM).text


def test_feed_is_atom_with_the_events_title_and_links(client, editor):
    event = services.event_create(title="Storm coverage", standfirst="Winds reach the coast.", by=editor, status="live")
    feed = get_feed(client, event)
    assert feed.tag == "{http://www.w3.org/2005/Atom}feed"
    assert text(feed, "atom:title") == "Storm coverage"
    assert text(feed, "atom:subtitle") == "Winds reach the coast."
    links = {link.get("rel"): link.get("href") for link in feed.findall("atom:link", ATOM)}
    assert links == {
        "alternate": f"http://testserver/live/{event.slug}/",
        "self": f"http://testserver/live/{event.slug}/feed/",
    }
    assert entries(feed) == []


def test_feed_entry_has_title_link_authors_times_and_content(
    client, editor, contributor, event, speaker
):
    draft = services.post_create_draft(
        event=event, by=editor, headline="Starmer speaks", body="<p>He spoke.</p>",
        authors=[editor, contributor],
        quotes=[QuoteInput(speaker, "sooner or later", context="told leaders")],
    )
    post = services.post_publish(post=draft, by=editor, at=datetime(2025, 3, 15, 9, 30, tzinfo=UTC))
    post = services.post_edit(post=post, by=editor, expected_version=post.version, body="<p>He spoke again.</p>")

    (entry,) = entries(get_feed(client, event))

    permalink = f"http://testserver/live/{event.slug}/posts/{post.pk}/"
    assert text(entry, "atom:title") == "Starmer speaks"
    assert entry.find("atom:link", ATOM).get("href") == permalink
    assert text(entry, "atom:id") == permalink
    assert [name.text for name in entry.findall("atom:author/atom:name", ATOM)] == ["Ada Editor", "Cal Contributor"]
    assert text(entry, "atom:published") == "2025-03-15T09:30:00+00:00"
    assert text(entry, "atom:updated") == post.updated_at.isoformat()
    content = entry.find("atom:content", ATOM)
    assert content.get("type") == "html"
    assert "<p>He spoke again.</p>" in content.text
    assert "sooner or later" in content.text and "Keir Starmer, Prime Minister, United Kingdom" in content.text


def test_feed_holds_the_latest_published_posts_newest_first(client, editor, event):
    start = datetime(2025, 3, 15, 9, 0, tzinfo=UTC)
    posts = []
    for i in range(FEED_SIZE + 2):
        draft = services.post_create_draft(event=event, by=editor, headline=f"Post {i}")
        posts.append(services.post_publish(post=draft, by=editor, at=start + timedelta(minutes=i)))
    services.post_set_pinned(post=posts[0], by=editor, is_pinned=True)
    services.post_retract(post=posts[-1], by=editor)
    services.post_create_draft(event=event, by=editor, headline="Unpublished")

    titles = [text(entry, "atom:title") for entry in entries(get_feed(client, event))]

    assert len(titles) == FEED_SIZE
    assert titles[0] == f"Post {FEED_SIZE}"
    assert titles[-1] == "Post 1"
    assert f"Post {FEED_SIZE + 1}" not in titles and "Unpublished" not in titles


def test_feed_entry_without_headline_is_titled_by_its_text(client, publish, event):
    publish("", body="<p>Leaders arrive at the venue in the rain.</p>")
    (entry,) = entries(get_feed(client, event))
    assert text(entry, "atom:title") == "Leaders arrive at the venue in the rain."


def test_hostile_html_is_sanitized_in_the_feed(client, editor, event, speaker):
    draft = services.post_create_draft(
        event=event,
        by=editor,
        headline="<script>alert('h')</script>\x0b",
        body='<p>ok</p><script>alert(0)</script><img src=x onerror="alert(1)"><a href="javascript:alert(2)">x</a>',
        quotes=[QuoteInput(speaker, "<b onmouseover=alert(3)>loud</b>")],
    )
    services.post_publish(post=draft, by=editor)

    (entry,) = entries(get_feed(client, event))

    assert text(entry, "atom:title") == "<script>alert('h')</script>"
    content = text(entry, "atom:content")
    assert "<script" not in content and "onerror" not in content and "javascript:" not in content
    assert "<b onmouseover" not in content
    assert "&lt;b onmouseover=alert(3)&gt;loud&lt;/b&gt;" in content


def test_unknown_event_feed_is_404(client, db):
    assert client.get("/live/no-such-event/feed/").status_code == 404


def test_feed_refuses_writes(client, event):
    assert client.post(feed_url(event)).status_code == 405


@pytest.mark.parametrize("post_count", [1, 30])
def test_feed_query_count_does_not_grow_with_posts(
    client, event, speaker, publish, post_count, django_assert_num_queries
):
    for i in range(post_count):
        publish(f"Post {i}", quotes=[QuoteInput(speaker, f"Words {i}")])
    # event, posts with their event, bylines with authors, quotes with speakers, images
    with django_assert_num_queries(5):
        feed = get_feed(client, event)
    assert len(entries(feed)) == post_count
