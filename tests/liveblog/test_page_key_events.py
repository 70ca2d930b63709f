"""Key events: the list at the top of the live page and the key-events-only view (no JavaScript needed)."""

import re
import zoneinfo
from datetime import UTC, datetime, timedelta

from django.urls import reverse

from liveblog import services
from liveblog.models import Post
from liveblog.selectors import STREAM_PAGE_SIZE
from tests.helpers import html_element, html_elements, html_text

DATETIME_ATTRIBUTE = re.compile(r'datetime="([^"]*)"')
# What HTML accepts in a `datetime` attribute for a global date and time, as we write it.
HTML_GLOBAL_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})")


def live_url(event, query=""):
    return reverse("liveblog:event-live", kwargs={"slug": event.slug}) + query


def key_event_titles(page: str) -> list[str]:
    listing = html_element(page, "ol", id="key-events-list")
    return [html_text(element) for element in html_elements(listing, "span", class_="key-events__title")]


def stream_headlines(page: str) -> list[str]:
    stream = html_element(page, "div", id="stream-posts")
    return [html_text(element) for element in html_elements(stream, "h3", class_="post__headline")]


def test_key_events_list_links_each_key_event_and_summary_newest_first(client, editor, event, publish):
    first = publish("Leaders arrive")
    services.post_set_key_event(post=first, by=editor, is_key_event=True)
    publish("Coffee is served")
    summary = publish("What we know so far", kind=Post.Kind.SUMMARY)
    page = client.get(live_url(event)).content.decode()

    assert key_event_titles(page) == ["What we know so far", "Leaders arrive"]
    listing = html_element(page, "ol", id="key-events-list")
    assert html_elements(listing, "a", href=f"#post-{summary.pk}") != []
    assert html_elements(listing, "a", href=f"#post-{first.pk}") != []
    assert "What we know" in html_text(html_element(page, "span", class_="label--summary"))


def test_key_event_on_an_older_page_links_its_own_page(client, editor, event, publish):
    start = datetime(2025, 3, 15, 9, 0, tzinfo=UTC)
    old = publish("Early key moment", at=start)
    services.post_set_key_event(post=old, by=editor, is_key_event=True)
    for minute in range(STREAM_PAGE_SIZE):
        publish(f"Later {minute}", at=start + timedelta(minutes=minute + 1))
    page = client.get(live_url(event)).content.decode()
    listing = html_element(page, "ol", id="key-events-list")
    assert html_elements(listing, "a", href=f"/live/{event.slug}/posts/{old.pk}/") != []


def test_key_events_view_shows_only_key_events_and_summaries_and_stays_live(client, editor, event, publish):
    key = publish("Ceasefire agreed")
    services.post_set_key_event(post=key, by=editor, is_key_event=True)
    publish("Weather update")
    publish("Where things stand", kind=Post.Kind.SUMMARY)
    retracted = publish("Wrong call")
    services.post_set_key_event(post=retracted, by=editor, is_key_event=True)
    services.post_retract(post=retracted, by=editor, note="Posted in error")

    response = client.get(live_url(event, "?filter=key-events"))

    assert response.status_code == 200
    page = response.content.decode()
    assert stream_headlines(page) == ["Where things stand", "Ceasefire agreed"]
    event.refresh_from_db()
    article = html_element(page, "article", id="event")
    # Followable live: the page opens the socket and says which view it is.
    assert 'data-filter="key-events"' in str(article) and f'data-live-socket="/ws/events/{event.slug}/"' in str(article)
    assert html_elements(page, "a", href=live_url(event)) != []
    assert "<title>Key events: Coalition summit" in page


def test_unknown_filter_is_a_clear_400(client, event):
    response = client.get(live_url(event, "?filter=everything"))
    assert response.status_code == 400
    assert "only be filtered to key events" in response.content.decode()


def test_every_datetime_attribute_is_valid_html(client, editor, event, publish):
    post = publish("With microseconds", at=datetime(2025, 3, 15, 9, 30, 12, 345678, tzinfo=UTC))
    services.post_edit(post=post, by=editor, expected_version=post.version, headline="Edited")
    services.post_set_key_event(post=Post.objects.get(pk=post.pk), by=editor, is_key_event=True)
    for query in ("", "?filter=key-events"):
        page = client.get(live_url(event, query)).content.decode()
        values = DATETIME_ATTRIBUTE.findall(page)
        assert values and all(HTML_GLOBAL_DATETIME.fullmatch(value) for value in values), values
        assert 'datetime="2025-03-15T09:30:12Z"' in page


def test_header_says_when_the_page_last_changed_in_the_event_time_zone(client, editor):
    event = services.event_create(title="Tokyo briefing", by=editor, status="live", time_zone="Asia/Tokyo")
    publish_at = datetime(2025, 3, 15, 9, 30, tzinfo=UTC)
    draft = services.post_create_draft(event=event, by=editor, headline="Briefing")
    services.post_publish(post=draft, by=editor, at=publish_at)
    logged = event.changes.order_by("-seq").first().created_at

    page = client.get(live_url(event)).content.decode()

    updated = html_element(page, "time", id="last-updated")
    assert f'datetime="{logged.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"' in str(updated)
    local = logged.astimezone(zoneinfo.ZoneInfo("Asia/Tokyo"))
    assert html_text(updated).endswith(f"{local:%H:%M} JST")
    # The date is there too, for live.js to hide on the same day (a cached page outlives the day).
    assert f'data-day="{local:%Y-%m-%d}"' in str(updated)


def test_ended_event_shows_the_ended_banner(client, editor, event):
    page = client.get(live_url(event)).content.decode()
    assert "hidden" in str(html_element(page, "p", id="event-ended"))
    services.event_set_status(event=event, status="ended", by=editor)
    page = client.get(live_url(event)).content.decode()
    banner = html_element(page, "p", id="event-ended")
    assert "hidden" not in str(banner) and html_text(banner) == "Live coverage of this event has ended."
