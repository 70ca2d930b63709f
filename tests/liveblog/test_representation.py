"""One post, one story: the posts API, the changes feed, the live socket's log, the JSON-LD and
the Atom feed all tell the same headline, byline, text and times."""

import json
import re
import xml.etree.ElementTree as ET  # noqa: S405 -- parses our own feed in tests
from datetime import UTC, datetime

from rest_framework.test import APIClient

from liveblog import services
from liveblog.models import EventChange
from liveblog.services import QuoteInput

ATOM = {"atom": "http://www.w3.org/2005/Atom"}
JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def test_every_output_tells_the_same_post(client, editor, contributor, event, speaker):
    draft = services.post_create_draft(
        event=event, by=editor, headline="Starmer speaks", body="<p>He <b>spoke</b>.</p>",
        authors=[editor, contributor], quotes=[QuoteInput(speaker, "Sooner or later", context="told reporters")],
    )
    post = services.post_publish(post=draft, by=editor, at=datetime(2025, 3, 15, 9, 30, 0, 125000, tzinfo=UTC))
    post = services.post_edit(post=post, by=editor, expected_version=post.version, headline="Starmer spoke")

    (listed,) = APIClient().get(f"/api/v1/events/{event.slug}/posts/").json()["results"]
    replayed = APIClient().get(f"/api/v1/events/{event.slug}/posts/", {"after": 0}).json()["changes"][-1]["post"]
    sent = json.loads(EventChange.objects.filter(event=event).order_by("seq").last().message)["post"]
    (update,) = json.loads(JSON_LD.findall(client.get(event.get_absolute_url()).content.decode())[0])["liveBlogUpdate"]
    entry = ET.fromstring(client.get(f"/live/{event.slug}/feed/").content).find("atom:entry", ATOM)  # noqa: S314

    assert listed["published_at"] == replayed["published_at"] == sent["published_at"] == "2025-03-15T09:30:00.125000Z"
    assert listed["updated_at"] == replayed["updated_at"] == sent["updated_at"] == update["dateModified"]
    assert update["datePublished"] == listed["published_at"]
    assert {key: value for key, value in listed.items() if key != "version"} == replayed
    # The socket's post is the feed's, with the page's markup and site-relative links.
    assert sent.pop("html").startswith("<article")
    assert {**sent, "permalink": "http://testserver" + sent["permalink"]} == replayed
    assert listed["headline"] == update["headline"] == entry.find("atom:title", ATOM).text == "Starmer spoke"
    names = [author["name"] for author in listed["authors"]]
    assert names == [author["name"] for author in update["author"]] == ["Ada Editor", "Cal Contributor"]
    assert names == [name.text for name in entry.findall("atom:author/atom:name", ATOM)]
    assert update["articleBody"] == "He spoke.\n\u201cSooner or later\u201d \u2013 Keir Starmer, Prime Minister, United Kingdom"
    assert update["url"] == listed["permalink"]
