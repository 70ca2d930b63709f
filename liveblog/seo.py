"""What machines read about a page: schema.org JSON-LD for search engines, and the plain-text
titles and summaries that link previews and feeds show, all from a post's public
representation (liveblog/representation.py)."""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin

from django.conf import settings
from django.templatetags.static import static
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from liveblog.models import Event, Post
from liveblog.representation import post_public, timestamp

# Search engines cut headlines longer than this (schema.org "headline" guidance for articles).
TITLE_CHARS = 110
SUMMARY_CHARS = 200
SITE_DESCRIPTION = "Live coverage of the day's stories, updated by our reporters as they happen."
# The logo file in static/ is drawn at this size (schema.org/Google: at most 600x60 for articles).
PUBLISHER_LOGO_SIZE = (600, 60)

# A JSON string may contain "</script>" or "<!--"; as \u003c... it can neither end nor
# confuse the script element, and JSON parsers read the same text.
_SCRIPT_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def _one_line(text: str) -> str:
    return " ".join(text.split())


def post_text(post: dict) -> str:
    """The post (its public representation) as plain text: the body, then each quote with who said it."""
    parts = [post["body_text"]]
    for quote in post["quotes"]:
        speaker = quote["speaker"]
        said_by = ", ".join(part for part in (speaker["name"], speaker["role"], speaker["organisation"]) if part)
        parts.append(f"\u201c{quote['text']}\u201d \u2013 {said_by}")
    return "\n".join(part for part in parts if part)


def post_title(post: dict) -> str:
    """The headline, or for a post without one the start of its text."""
    if post["headline"]:
        return post["headline"]
    text = _one_line(post_text(post))
    return Truncator(text).chars(TITLE_CHARS) if text else Post.Kind(post["kind"]).label


def post_summary(post: dict) -> str:
    return Truncator(_one_line(post_text(post))).chars(SUMMARY_CHARS)


def event_summary(event: Event) -> str:
    return event.standfirst or f"Live coverage: {event.title}"


@dataclass(frozen=True)
class ShareImage:
    """The picture a link preview shows: an absolute URL, its size when known, and its alt text."""

    url: str
    width: int | None
    height: int | None
    alt: str
    # A real picture earns a large preview card; the publisher's logo only a small one.
    is_large: bool = True

    def as_schema(self) -> dict:
        data = {"@type": "ImageObject", "url": self.url}
        if self.width and self.height:
            data.update(width=self.width, height=self.height)
        return data


def publisher_logo(*, absolute: Callable[[str], str]) -> ShareImage:
    width, height = PUBLISHER_LOGO_SIZE
    return ShareImage(
        url=absolute(static(settings.LIVEBLOG_PUBLISHER_LOGO)), width=width, height=height,
        alt=settings.LIVEBLOG_PUBLISHER_NAME, is_large=False,
    )


def event_image(event: Event, *, absolute: Callable[[str], str]) -> ShareImage:
    """The event's lead picture, or the publisher's logo for an event without one."""
    if event.lead_image:
        return ShareImage(
            url=absolute(event.lead_image.url), width=event.lead_image_width, height=event.lead_image_height,
            alt=event.lead_image_alt or event.title,
        )
    return publisher_logo(absolute=absolute)


def post_image(post: dict, event: Event, *, absolute: Callable[[str], str]) -> ShareImage:
    """A post's first picture (from its public representation), else the event's."""
    for item in post["media"]:
        if item["type"] == "image":
            return ShareImage(url=absolute(item["url"]), width=item["width"], height=item["height"], alt=item["alt_text"])
    return event_image(event, absolute=absolute)


def publisher(*, absolute: Callable[[str], str]) -> dict:
    return {
        "@type": "Organization",
        "name": settings.LIVEBLOG_PUBLISHER_NAME,
        "logo": publisher_logo(absolute=absolute).as_schema(),
    }


def post_modified_at(post: Post) -> datetime:
    return post.updated_at or post.published_at


def blog_posting(post: dict, *, url: str) -> dict:
    """One post (its public representation) as a schema.org BlogPosting; `url` is where a reader finds it."""
    return {
        "@type": "BlogPosting",
        "@id": url,
        "url": url,
        "headline": Truncator(post_title(post)).chars(TITLE_CHARS),
        "articleBody": post_text(post),
        "author": [{"@type": "Person", "name": author["name"]} for author in post["authors"]],
        "datePublished": post["published_at"],
        "dateModified": post["updated_at"] or post["published_at"],
    }


def live_blog_posting(*, event: Event, posts: list[Post], url: str, absolute: Callable[[str], str]) -> dict:
    """The live page as a schema.org LiveBlogPosting (https://schema.org/LiveBlogPosting).

    `url` is the absolute address of the live page; each post is linked by its
    anchor there; `absolute` makes a site path absolute (request.build_absolute_uri). coverageEndTime is only given once coverage has ended, as
    schema.org asks: a live blog still running has no end time yet.
    """
    published_at = event.starts_at or event.created_at
    modified = [post_modified_at(post) for post in posts]
    data = {
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting",
        "@id": url,
        "url": url,
        "headline": Truncator(event.title).chars(TITLE_CHARS),
        "name": event.title,
        "description": event_summary(event),
        "datePublished": timestamp(published_at),
        "dateModified": timestamp(max([published_at, *modified])),
        "image": [event_image(event, absolute=absolute).as_schema()],
        "publisher": publisher(absolute=absolute),
    }
    if event.starts_at:
        data["coverageStartTime"] = timestamp(event.starts_at)
    if event.status == Event.Status.ENDED and event.ends_at:
        data["coverageEndTime"] = timestamp(event.ends_at)
    public = [post_public(post) for post in posts]
    data["liveBlogUpdate"] = [blog_posting(post, url=urljoin(url, post["permalink"])) for post in public]
    return data


def json_ld(data: dict) -> SafeString:
    """`data` as JSON that is safe to place between <script type="application/ld+json"> tags."""
    text = json.dumps(data, ensure_ascii=False).translate(_SCRIPT_ESCAPES)
    # Safe: the only characters that could end or reopen markup are escaped just above.
    return mark_safe(text)  # noqa: S308
