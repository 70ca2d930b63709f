"""Structure a screen reader relies on: one h1, no skipped heading levels, the landmarks."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from liveblog import services
from liveblog.services import QuoteInput


class Outline(HTMLParser):
    """The heading levels of a page in document order, and its landmark elements."""

    def __init__(self, page: str):
        super().__init__()
        self.levels: list[int] = []
        self.landmarks: set[str] = set()
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        if re.fullmatch(r"h[1-6]", tag):
            self.levels.append(int(tag[1]))
        role = dict(attrs).get("role")
        if tag == "main" or role in ("banner", "contentinfo"):
            self.landmarks.add(role or tag)


def assert_well_structured(page: str) -> None:
    outline = Outline(page)
    assert outline.levels[0] == 1 and outline.levels.count(1) == 1
    assert all(level <= previous + 1 for previous, level in zip(outline.levels, outline.levels[1:], strict=False))
    assert outline.landmarks == {"banner", "main", "contentinfo"}


@pytest.fixture
def busy_event(editor, event, speaker, publish):
    services.event_set_key_points(event=event, points=["One"], by=editor)
    for i in range(25):
        publish(f"Post {i}" if i % 3 else "", body="<p>Text</p>", quotes=[QuoteInput(speaker, f"Words {i}")])
    return event


def test_live_pages_keep_heading_levels_in_order(client, busy_event):
    first = client.get(reverse("liveblog:event-live", kwargs={"slug": busy_event.slug})).content.decode()
    assert_well_structured(first)
    older_url = re.search(r'href="([^"]+)">Older posts', first).group(1)
    assert_well_structured(client.get(older_url).content.decode())


def test_permalink_speaker_and_error_pages_keep_heading_levels_in_order(client, editor, busy_event, speaker):
    post = busy_event.posts.filter(headline="").first()
    retracted = busy_event.posts.exclude(pk=post.pk).first()
    services.post_retract(post=retracted, by=editor, note="Wrong")
    urls = [
        reverse("liveblog:post-detail", kwargs={"slug": busy_event.slug, "pk": post.pk}),
        reverse("liveblog:post-detail", kwargs={"slug": busy_event.slug, "pk": retracted.pk}),
        reverse("liveblog:speaker-detail", kwargs={"slug": speaker.slug}),
        reverse("liveblog:event-live", kwargs={"slug": busy_event.slug}) + "?before=nonsense",
        "/index",
    ]
    for url in urls:
        assert_well_structured(client.get(url).content.decode())


def test_event_index_keeps_heading_levels_in_order(client, busy_event):
    assert_well_structured(client.get("/").content.decode())
