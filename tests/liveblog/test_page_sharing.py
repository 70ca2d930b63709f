"""Sharing and search: the lead picture (uploaded in the newsroom), Open Graph and Twitter cards,
JSON-LD image and publisher, the favicon, the index's description and the Atom feed's extras."""

import json
import re
import xml.etree.ElementTree as ET  # noqa: S405 -- parses our own feed in tests

from django.test import Client
from django.urls import reverse

from liveblog import services
from liveblog.models import EventChange
from tests.helpers import bmp, html_element, html_text, png
from tests.liveblog.test_page_seo import HeadTags

JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)
ATOM = {"atom": "http://www.w3.org/2005/Atom"}


def live_url(event):
    return reverse("liveblog:event-live", kwargs={"slug": event.slug})


def settings_url(event):
    return reverse("admin:newsroom:event-settings", args=[event.pk])


def event_form(event, **fields) -> dict:
    return {"form": "event", "title": event.title, "standfirst": event.standfirst, "status": event.status,
            "time_zone": event.time_zone, **fields}


def upload_lead_image(editor, event, **fields):
    client = Client()
    client.force_login(editor)
    return client.post(settings_url(event), event_form(event, **fields))


def test_editor_uploads_a_lead_image_and_shared_links_carry_it(client, editor, event, publish):
    publish("Leaders meet")
    seq_before = event.seq + 1

    response = upload_lead_image(editor, event, lead_image=png("lead.png", (1200, 630)), lead_image_alt="Leaders on a call")

    assert response.status_code == 302
    event.refresh_from_db()
    # A public change: caches keyed by seq drop the page without the picture.
    assert event.seq == seq_before + 1
    assert EventChange.objects.filter(event=event, seq=event.seq, action="event_updated").exists()
    page = client.get(live_url(event)).content.decode()
    meta = HeadTags(page).meta
    image_url = f"http://testserver{event.lead_image.url}"
    assert meta["og:image"] == meta["twitter:image"] == image_url
    assert (meta["og:image:width"], meta["og:image:height"]) == ("1200", "630")
    assert meta["og:image:alt"] == "Leaders on a call"
    assert meta["twitter:card"] == "summary_large_image"
    lead = html_element(page, "figure", class_="event__lead")
    assert 'alt="Leaders on a call"' in str(lead) and 'width="1200"' in str(lead)
    data = json.loads(JSON_LD.findall(page)[0])
    assert data["image"] == [{"@type": "ImageObject", "url": image_url, "width": 1200, "height": 630}]


def test_lead_image_needs_alt_text_and_a_real_picture(editor, event):
    without_alt = upload_lead_image(editor, event, lead_image=png("lead.png", (1200, 630)), lead_image_alt=" ")
    assert without_alt.status_code == 400
    assert "Say what the picture shows" in without_alt.content.decode()
    wrong_kind = upload_lead_image(editor, event, lead_image=bmp(), lead_image_alt="A red square")
    assert wrong_kind.status_code == 400
    event.refresh_from_db()
    assert not event.lead_image


def test_without_a_picture_previews_show_the_publisher_logo_in_a_small_card(client, event, publish, settings):
    settings.LIVEBLOG_PUBLISHER_NAME = "The Daily Example"
    publish("Leaders meet")
    page = client.get(live_url(event)).content.decode()
    meta = HeadTags(page).meta
    assert meta["og:image"].endswith("/static/liveblog/logo.png")
    assert meta["og:site_name"] == "The Daily Example"
    assert meta["twitter:card"] == "summary"
    publisher = json.loads(JSON_LD.findall(page)[0])["publisher"]
    assert publisher["@type"] == "Organization" and publisher["name"] == "The Daily Example"
    assert publisher["logo"]["url"] == "http://testserver/static/liveblog/logo.png"


def test_a_post_page_previews_the_posts_own_picture(client, editor, event, publish):
    post = publish("Leaders on screen")
    services.image_add(post=post, by=editor, image=png("call.png", (800, 450)), alt_text="Leaders on screen")
    page = client.get(reverse("liveblog:post-detail", kwargs={"slug": event.slug, "pk": post.pk})).content.decode()
    meta = HeadTags(page).meta
    assert meta["og:image"].startswith("http://testserver/media/posts/") and meta["og:image"].endswith(".png")
    assert meta["og:image:alt"] == "Leaders on screen"
    assert meta["twitter:card"] == "summary_large_image"


def test_every_post_has_a_share_link_that_works_without_javascript(client, event, publish):
    post = publish("Share me")
    page = client.get(live_url(event)).content.decode()
    link = html_element(page, "a", class_="post__share")
    # The post's own page; live.js turns the link into the share sheet or a copy.
    assert f'href="/live/{event.slug}/posts/{post.pk}/"' in str(link)
    assert html_text(link) == "Share this post"


def test_favicon_is_linked_and_favicon_ico_does_not_404(client, db):
    page = client.get("/").content.decode()
    assert '<link rel="icon" href="/static/liveblog/favicon.svg" type="image/svg+xml">' in page
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert client.get(response["Location"]).status_code == 200


def test_index_has_a_meta_description(client, db):
    assert HeadTags(client.get("/").content.decode()).meta["description"].startswith("Live coverage")


def test_feed_entries_carry_pictures_and_correction_notes(client, editor, event, publish):
    post = publish("Leaders on screen", body="<p>The call began.</p>")
    services.image_add(post=post, by=editor, image=png("call.png", (800, 450)), alt_text="Leaders on screen",
                       caption="The call", credit="Pool")
    post.refresh_from_db()
    services.post_edit(post=post, by=editor, expected_version=post.version,
                       correction_note="An earlier version gave the wrong start time.")

    feed = ET.fromstring(client.get(reverse("liveblog:event-feed", kwargs={"slug": event.slug})).content)  # noqa: S314
    content = feed.find("atom:entry/atom:content", ATOM).text

    assert re.search(r'<img src="http://testserver/media/posts/[^"]+\.png" alt="Leaders on screen" width="800" height="450">', content)
    assert "The call (Pool)" in content
    assert "<strong>Correction:</strong> An earlier version gave the wrong start time." in content
