"""Markdown bodies with embeds: what journalists type becomes safe reader HTML."""

from html.parser import HTMLParser

import pytest

from liveblog.markup import render_body
from tests.helpers import assert_html_equal, assert_in_html


class Markup(HTMLParser):
    """The tags and attributes a browser would build from some HTML."""

    def __init__(self, html):
        super().__init__()
        self.tags, self.attributes = [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.extend(attrs)


def test_markdown_formats_text_and_links():
    html = render_body("Leaders **agree** on *talks*.\n\n- one\n- two\n\n> Quoted\n\nSee https://example.org/x")
    assert_in_html("<strong>agree</strong>", html)
    assert_in_html("<em>talks</em>", html)
    assert_in_html("<ul><li>one</li><li>two</li></ul>", html)
    assert_in_html("<blockquote><p>Quoted</p></blockquote>", html)
    assert_in_html('<a href="https://example.org/x" rel="noopener noreferrer nofollow">https://example.org/x</a>', html)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", 'src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"'),
        ("https://youtu.be/dQw4w9WgXcQ?t=42", 'src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"'),
        ("https://x.com/NATO/status/1900000000000000000", "Post by @NATO on X"),
        ("https://twitter.com/NATO/status/19", "Post by @NATO on X"),
        ("https://www.instagram.com/p/C4abcDEF123/", "Post on Instagram"),
        ("https://bsky.app/profile/example.bsky.social/post/3kxyzabc2", "Post by @example.bsky.social on Bluesky"),
    ],
)
def test_url_alone_on_its_line_becomes_an_embed(url, expected):
    html = render_body(f"Watch this:\n{url}\nMore text.")
    assert expected in html
    assert_in_html("<p>Watch this:</p>", html)
    assert_in_html("<p>More text.</p>", html)


def test_unknown_url_alone_stays_a_plain_link():
    html = render_body("https://example.org/report")
    assert_html_equal(
        html, '<p><a href="https://example.org/report" rel="noopener noreferrer nofollow">https://example.org/report</a></p>'
    )


def test_embed_url_inside_a_sentence_is_just_a_link():
    html = render_body("As shown in https://youtu.be/dQw4w9WgXcQ earlier")
    assert "<iframe" not in html


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '<iframe src="https://evil.example"></iframe>',
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ\" onload=\"alert(1)",
        'https://x.com/a/status/1"><script>alert(1)</script>',
    ],
)
def test_hostile_input_never_becomes_markup(hostile):
    markup = Markup(render_body(hostile))
    assert not {"script", "iframe"} & set(markup.tags)
    assert [name for name, _ in markup.attributes if name.startswith("on")] == []
    assert [value for name, value in markup.attributes if "javascript:" in (value or "").lower()] == []


def test_a_journalist_cannot_forge_an_embed_placeholder():
    html = render_body("LBEMBED0000000000000000N0")
    assert html.strip() == "<p>LBEMBED0000000000000000N0</p>"


def test_html_written_by_older_tools_still_renders():
    assert render_body("<p>Kept <strong>as is</strong></p>").strip() == "<p>Kept <strong>as is</strong></p>"
