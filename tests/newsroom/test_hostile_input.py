"""Whatever a journalist types (or pastes) reaches readers and partners escaped or sanitized."""

import json
from html.parser import HTMLParser

import pytest

from liveblog.models import EventChange, Post
from tests.helpers import png
from tests.newsroom.conftest import compose, newsroom_url

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert('x')</script>"
IMG = '<img src=x onerror="alert(1)">'
HOSTILE = SCRIPT + IMG + '"><svg onload=alert(2)>'
BODY = "\n\n".join([
    "Before " + HOSTILE,
    "[click me](javascript:alert(3))",
    '<iframe src="https://evil.example/"></iframe>',
    '<a href="https://ok.example/" onclick="alert(4)" style="color:red">styled</a>',
    # Embed-looking lines that are not ours must stay inert links or text.
    'https://www.youtube.com/watch?v=dQw4w9WgXcQ"onload="alert(5)',
    "https://youtu.be/dQw4w9WgXc<script>alert(6)</script>",
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
])


class ActiveContent(HTMLParser):
    """Collects whatever in a piece of HTML a browser would run or load from elsewhere."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style", "svg", "object", "embed", "form", "base", "meta", "link"}:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith("on") or name in {"style", "srcdoc", "formaction"}:
                self.found.append(f"{tag}[{name}]")
            if name in {"href", "src"} and value.startswith(("javascript:", "data:", "vbscript:")):
                self.found.append(f"{tag}[{name}={value[:20]}]")
        src = dict(attrs).get("src") or ""
        if tag == "iframe" and not src.startswith("https://www.youtube-nocookie.com/embed/"):
            self.found.append(f"iframe[src={src}]")


def assert_clean(html: str, *, allowed=()) -> None:
    inspector = ActiveContent()
    inspector.feed(html)
    found = [item for item in inspector.found if item not in allowed]
    assert found == [], f"active content reached a reader: {found}"


@pytest.fixture
def hostile_post(as_editor, event):
    response = as_editor.post(newsroom_url(event), compose(**{
        "headline": "Headline " + HOSTILE, "body": BODY, "kind": "update", "intent": "publish",
        "image": png(), "image_alt_text": "Alt " + HOSTILE, "image_caption": "Caption " + HOSTILE,
        "image_credit": "Credit " + SCRIPT,
        "quotes-0-new_speaker_name": "Name " + HOSTILE, "quotes-0-new_speaker_role": "Role " + HOSTILE,
        "quotes-0-new_speaker_organisation": "Org " + IMG, "quotes-0-text": "Words " + HOSTILE,
        "quotes-0-context": "Context " + SCRIPT,
    }))
    assert response.status_code == 302, response.content.decode()[:2000]
    return Post.objects.get(event=event)


def test_live_page_shows_hostile_text_escaped(hostile_post, client, event):
    page = client.get(f"/live/{event.slug}/").content.decode()
    article = page[page.index(f'id="post-{hostile_post.pk}"'):]
    article = article[: article.index("</article>")]

    assert_clean(article)
    assert "Headline &lt;script&gt;alert(" in article
    assert "Words &lt;script&gt;" in article and "Name &lt;script&gt;" in article
    assert "Caption &lt;script&gt;" in article and 'alt="Alt &lt;script&gt;' in article
    # The real embed survived; the look-alikes did not become embeds.
    assert article.count("youtube-nocookie.com/embed/") == 1
    # Inside the page's JSON-LD the text is data, and cannot close or open a tag.
    json_ld = page.split('<script type="application/ld+json">')[1].split("</script>")[0]
    assert "Headline " in json_ld and "<" not in json_ld


def test_post_permalink_and_speaker_page_escape_hostile_text(hostile_post, client, event):
    speaker = hostile_post.quotes.get().speaker
    permalink = client.get(f"/live/{event.slug}/posts/{hostile_post.pk}/").content.decode()
    speaker_page = client.get(f"/speakers/{speaker.slug}/").content.decode()

    for page in (permalink, speaker_page):
        main = page[page.index("<main"):page.index("</main>")]
        assert_clean(main)
        assert "Name &lt;script&gt;" in main


def test_api_serves_hostile_text_as_data_and_html_sanitized(hostile_post, client, event):
    response = client.get(f"/api/v1/events/{event.slug}/posts/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["X-Content-Type-Options"] == "nosniff"
    post = next(item for item in response.json()["results"] if item["id"] == hostile_post.pk)
    assert_clean(post["body_html"])
    assert post["headline"] == "Headline " + HOSTILE  # plain text, as typed: the client escapes it


def test_live_message_carries_sanitized_html(hostile_post):
    change = EventChange.objects.get(post=hostile_post, action="post_published")
    message = json.loads(change.message)

    assert_clean(message["post"]["body_html"])
    assert_clean(message["post"]["html"])


def test_newsroom_stream_and_edit_page_escape_hostile_text(hostile_post, as_editor, event):
    stream = as_editor.get(newsroom_url(event, "stream")).content.decode()
    edit_page = as_editor.get(newsroom_url(event, "post-edit", hostile_post.pk)).content.decode()
    history = as_editor.get(newsroom_url(event, "post-revisions", hostile_post.pk)).content.decode()

    assert_clean(stream, allowed={"<form>"})  # the stream's own action buttons
    for page in (edit_page, history):
        # The admin's own scripts are there; none of the journalist's text is markup.
        assert "<script>alert" not in page and "<img src=x" not in page and "<svg onload" not in page


def test_preview_is_sanitized_like_the_live_page(as_editor, event):
    response = as_editor.post(newsroom_url(event, "preview"), compose(**{
        "headline": HOSTILE, "body": BODY, "quotes-0-new_speaker_name": HOSTILE, "quotes-0-text": HOSTILE,
    }))

    html = response.content.decode()
    body = html[html.index("<body"):]
    assert response.status_code == 200
    assert_clean(body)
    assert "&lt;script&gt;" in body


def test_hostile_correction_and_retraction_notes_are_escaped(as_editor, hostile_post, client, event):
    as_editor.post(newsroom_url(event, "post-edit", hostile_post.pk), {
        "headline": "Fixed", "kind": "update", "body": "Fine", "version": hostile_post.version,
        "correction_note": "Note " + HOSTILE, "intent": "save",
    })
    page = client.get(f"/live/{event.slug}/").content.decode()

    assert "Note &lt;script&gt;" in page and "Note <script>" not in page
