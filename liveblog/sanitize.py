"""Journalist HTML made safe for readers with nh3, by an explicit allowlist."""

import html
import re

import nh3

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "strong", "em", "b", "i", "u", "s", "sub", "sup", "code", "pre",
        "a", "ul", "ol", "li", "blockquote", "h3", "h4", "hr", "figure", "figcaption", "img",
    }
)
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "blockquote": {"cite"},
}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})

_BLOCK_END = re.compile(r"</(p|li|h3|h4|blockquote|figcaption|pre)>|<br\s*/?>|<hr\s*/?>", re.I)
_WHITESPACE = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def sanitize_html(source: str) -> str:
    """Keep formatting, links and images; drop scripts, handlers, styles and unsafe URLs."""
    return nh3.clean(
        source,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def html_to_text(markup: str) -> str:
    """Readable plain text of sanitized HTML: for feeds, search and the API's text body."""
    with_breaks = _BLOCK_END.sub("\n", markup)
    text = html.unescape(nh3.clean(with_breaks, tags=set(), clean_content_tags={"script", "style"}))
    lines = (_WHITESPACE.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n", "\n".join(lines)).strip()
