"""What search engines and link previews read: schema.org JSON-LD, Open Graph, canonical and feed links."""

import json
import re
from html.parser import HTMLParser

from django.urls import reverse

from liveblog import services
from liveblog.services import QuoteInput

HOSTILE = "</script><script>alert(1)</script><!--"
JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


class HeadTags(HTMLParser):
    """Collects <meta> and <link> tags, keyed by property/name and by rel."""

    def __init__(self, page: str):
        super().__init__()
        self.meta: dict[str, str] = {}
        self.links: dict[str, dict[str, str]] = {}
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and ("property" in attrs or "name" in attrs):
            self.meta[attrs.get("property") or attrs["name"]] = attrs.get("content", "")
        elif tag == "link":
            self.links[attrs["rel"]] = attrs


def live_url(event):
    return reverse("liveblog:event-live", kwargs={"slug": event.slug})


def json_ld(page: str) -> dict:
    scripts = JSON_LD.findall(page)
    assert len(scripts) == 1
    return json.loads(scripts[0])


def test_live_page_describes_itself_as_a_live_blog_posting(client, editor, contributor, event, speaker, publish):
    services.event_set_key_points(event=event, points=["One"], by=editor)
    draft = services.post_create_draft(
        event=event, by=editor, headline="Starmer speaks", body="<p>He <b>spoke</b>.</p>",
        authors=[editor, contributor], quotes=[QuoteInput(speaker, "sooner or later")],
    )
    post = services.post_publish(post=draft, by=editor)
    untitled = publish("", body="<p>Leaders arrive in the rain, one by one.</p>")

    data = json_ld(client.get(live_url(event)).content.decode())

    url = f"http://testserver/live/{event.slug}/"
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "LiveBlogPosting"
    assert data["url"] == url
    assert data["headline"] == data["name"] == "Coalition summit"
    assert data["coverageStartTime"] == event.starts_at.isoformat().replace("+00:00", "Z")
    assert "coverageEndTime" not in data
    updates = {update["url"]: update for update in data["liveBlogUpdate"]}
    assert list(updates) == [f"{url}#post-{untitled.pk}", f"{url}#post-{post.pk}"]
    update = updates[f"{url}#post-{post.pk}"]
    assert update["@type"] == "BlogPosting"
    assert update["headline"] == "Starmer speaks"
    assert update["articleBody"].startswith("He spoke.")
    assert "sooner or later" in update["articleBody"] and "<" not in update["articleBody"]
    assert [author["name"] for author in update["author"]] == ["Ada Editor", "Cal Contributor"]
    assert update["datePublished"] == update["dateModified"] == post.published_at.isoformat().replace("+00:00", "Z")
    assert updates[f"{url}#post-{untitled.pk}"]["headline"] == "Leaders arrive in the rain, one by one."


def test_edited_post_reports_its_modification_time(client, editor, event, publish):
    post = publish("First take")
    edited = services.post_edit(post=post, by=editor, expected_version=post.version, headline="Second take")
    data = json_ld(client.get(live_url(event)).content.decode())
    assert data["liveBlogUpdate"][0]["dateModified"] == edited.updated_at.isoformat().replace("+00:00", "Z")
    assert data["dateModified"] == edited.updated_at.isoformat().replace("+00:00", "Z")


def test_coverage_end_time_appears_once_the_event_has_ended(client, editor, event, publish):
    publish("Last words")
    event = services.event_set_status(event=event, status="ended", by=editor)
    data = json_ld(client.get(live_url(event)).content.decode())
    assert data["coverageEndTime"] == event.ends_at.isoformat().replace("+00:00", "Z")


def test_hostile_headlines_cannot_break_out_of_the_json_ld_script(client, editor, publish):
    event = services.event_create(title=HOSTILE, standfirst=HOSTILE, by=editor, status="live")
    draft = services.post_create_draft(event=event, by=editor, headline=HOSTILE, body="<p>a &amp; b</p>")
    services.post_publish(post=draft, by=editor)

    page = client.get(live_url(event)).content.decode()

    assert "<script>alert(1)" not in page
    assert "<!--" not in page
    data = json_ld(page)
    assert data["name"] == data["description"] == HOSTILE
    assert data["liveBlogUpdate"][0]["headline"] == HOSTILE
    assert data["liveBlogUpdate"][0]["articleBody"] == "a & b"


def test_older_pages_carry_no_json_ld(client, editor, event, publish):
    for i in range(21):
        publish(f"Post {i}")
    first = client.get(live_url(event)).content.decode()
    older_url = re.search(r'href="([^"]+)">Older posts', first).group(1)
    older = client.get(older_url).content.decode()
    assert "application/ld+json" not in older
    assert HeadTags(older).links["canonical"]["href"] == f"http://testserver{older_url}"


def test_live_page_has_open_graph_canonical_and_feed_links(client, editor):
    event = services.event_create(
        title="Storm coverage", standfirst="Winds reach the coast.", by=editor, status="live"
    )
    tags = HeadTags(client.get(live_url(event)).content.decode())

    url = f"http://testserver/live/{event.slug}/"
    assert tags.meta["og:title"] == "Storm coverage"
    assert tags.meta["og:description"] == "Winds reach the coast."
    assert tags.meta["og:url"] == url
    assert tags.meta["og:type"] == "article"
    assert tags.meta["twitter:card"] == "summary"
    assert tags.links["canonical"]["href"] == url
    assert tags.links["alternate"]["type"] == "application/atom+xml"
    assert tags.links["alternate"]["href"] == f"/live/{event.slug}/feed/"


def test_permalink_page_has_open_graph_canonical_and_feed_links(client, event, publish):
    post = publish("Starmer speaks", body="<p>He said the coalition is growing.</p>")
    path = reverse("liveblog:post-detail", kwargs={"slug": event.slug, "pk": post.pk})

    tags = HeadTags(client.get(path, {"utm_source": "x"}).content.decode())

    assert tags.meta["og:title"] == "Starmer speaks"
    assert tags.meta["og:description"] == "He said the coalition is growing."
    assert tags.meta["og:url"] == f"http://testserver{path}"
    assert tags.meta["og:type"] == "article"
    assert tags.meta["twitter:card"] == "summary"
    assert tags.links["canonical"]["href"] == f"http://testserver{path}"
    assert tags.links["alternate"]["href"] == f"/live/{event.slug}/feed/"
