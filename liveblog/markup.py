"""What journalists type, turned into what readers see.

Bodies are written in Markdown (CommonMark, plus strikethrough and bare links
made clickable). A URL alone on its line from YouTube, X/Twitter, Instagram
or Bluesky becomes an embed; any other URL stays a plain link. Everything is
sanitized with nh3 first; embeds are added afterwards from our own markup, so
no journalist-supplied iframe or script ever reaches a reader.
"""

import re
import secrets
from dataclasses import dataclass

from django.utils.html import format_html
from markdown_it import MarkdownIt

from liveblog.sanitize import sanitize_html

_markdown = MarkdownIt("commonmark", {"html": True, "linkify": True}).enable(["linkify", "strikethrough"])

MARKUP_HELP = (
    "Markdown: **bold**, *italic*, [a link](https://…), lines starting with - for a list, "
    "> for a quotation. Paste a YouTube, X, Instagram or Bluesky link alone on its own line "
    "to embed it."
)


@dataclass(frozen=True)
class Embed:
    provider: str
    url: str
    label: str
    video_id: str = ""


_PROVIDERS = [
    ("youtube", re.compile(r"^https?://(?:www\.|m\.)?youtube\.com/watch\?(?:[^#\s]*&)?v=([A-Za-z0-9_-]{11})(?:[&#][^\s]*)?$")),
    ("youtube", re.compile(r"^https?://youtu\.be/([A-Za-z0-9_-]{11})(?:[?#][^\s]*)?$")),
    ("youtube", re.compile(r"^https?://(?:www\.)?youtube\.com/(?:shorts|embed|live)/([A-Za-z0-9_-]{11})(?:[?#][^\s]*)?$")),
    ("x", re.compile(r"^https?://(?:www\.|mobile\.)?(?:twitter|x)\.com/([A-Za-z0-9_]{1,15})/status/(\d{1,25})(?:[?#][^\s]*)?$")),
    ("instagram", re.compile(r"^https?://(?:www\.)?instagram\.com/(p|reel|tv)/([A-Za-z0-9_-]{5,40})/?(?:[?#][^\s]*)?$")),
    ("bluesky", re.compile(r"^https?://bsky\.app/profile/([A-Za-z0-9._:-]{1,253})/post/([a-z0-9]{5,20})/?$")),
]


def embed_for(url: str) -> Embed | None:
    """The embed a URL on its own line stands for, or None for an ordinary link."""
    for provider, pattern in _PROVIDERS:
        match = pattern.match(url)
        if match is None:
            continue
        if provider == "youtube":
            return Embed("youtube", url, "Video on YouTube", video_id=match.group(1))
        if provider == "x":
            return Embed("x", url, f"Post by @{match.group(1)} on X")
        if provider == "instagram":
            return Embed("instagram", url, "Post on Instagram")
        return Embed("bluesky", url, f"Post by @{match.group(1)} on Bluesky")
    return None


def embed_html(embed: Embed) -> str:
    """Our markup for an embed. Social posts are link cards: no third-party script
    on the reader's page (lighter, and nothing tracks readers)."""
    if embed.provider == "youtube":
        return format_html(
            '<figure class="embed embed--youtube"><div class="embed__frame">'
            '<iframe src="https://www.youtube-nocookie.com/embed/{}" title="{}" width="560" height="315" '
            'loading="lazy" allow="encrypted-media; picture-in-picture; fullscreen" '
            'referrerpolicy="strict-origin-when-cross-origin" allowfullscreen></iframe></div>'
            '<figcaption><a href="{}" rel="noopener noreferrer nofollow">{}</a></figcaption></figure>',
            embed.video_id, embed.label, embed.url, embed.label,
        )
    return format_html(
        '<blockquote class="embed embed--{}"><p><a href="{}" rel="noopener noreferrer nofollow">{}</a></p>'
        "</blockquote>",
        embed.provider, embed.url, embed.label,
    )


def render_body(source: str) -> str:
    """Markdown source → sanitized HTML with embeds, ready for readers."""
    # Each embed line becomes a paragraph holding a random token, so nothing a
    # journalist types can pass for one.
    token = secrets.token_hex(8)
    embeds: list[Embed] = []
    lines = []
    for line in source.replace("\r\n", "\n").split("\n"):
        embed = embed_for(line.strip())
        if embed is None:
            lines.append(line)
            continue
        lines.extend(["", f"LBEMBED{token}N{len(embeds)}", ""])
        embeds.append(embed)
    html = sanitize_html(_markdown.render("\n".join(lines)))
    for number, embed in enumerate(embeds):
        html = html.replace(f"<p>LBEMBED{token}N{number}</p>", embed_html(embed), 1)
    return html
