"""A post and an event as the outside world sees them, built in one place.

The live socket, the changes feed (`?after=`), the posts API, the JSON-LD and
the Atom feed all start from these dicts, so a post reads the same wherever it
is read. Links are site-relative here, because a change is built once, before
any request; the HTTP outputs make them absolute with `absolute_links`.
"""

from collections.abc import Callable
from datetime import UTC, datetime

from liveblog.models import Event, Post
from liveblog.sanitize import html_to_text


def timestamp(value: datetime | None) -> str | None:
    """A time as every output writes it: ISO 8601 in UTC with a `Z`, e.g. 2025-03-15T09:30:00Z.

    Microseconds appear when the time has any (as Python's isoformat and DRF write them).
    """
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().removesuffix("+00:00") + "Z"


def speaker_public(speaker) -> dict:
    return {"name": speaker.name, "slug": speaker.slug, "role": speaker.role, "organisation": speaker.organisation}


def quote_public(quote) -> dict:
    """A quote inside its post; the quotes API adds where it appears."""
    return {
        "id": quote.pk,
        "text": quote.text,
        "context": quote.context,
        "said_at": timestamp(quote.said_at),
        "speaker": speaker_public(quote.speaker),
    }


def post_public(post: Post) -> dict:
    """A post, field by field, as readers and partners receive it (once retracted, readers
    get `post_tombstone` instead). The post comes with its event, bylines, quotes and images
    fetched (`selectors.posts_with_relations`)."""
    return {
        "id": post.pk,
        "seq": post.seq,
        "status": post.status,
        "kind": post.kind,
        "headline": post.headline,
        "body_html": post.body_html,
        "body_text": html_to_text(post.body_html),
        "is_pinned": post.is_pinned,
        "is_key_event": post.is_key_event,
        "published_at": timestamp(post.published_at),
        "updated_at": timestamp(post.updated_at),
        "correction_note": post.correction_note,
        "authors": [
            {"name": byline.author.byline_name, "job_title": byline.author.job_title}
            for byline in post.bylines.all()
        ],
        "quotes": [quote_public(quote) for quote in post.quotes.all()],
        "media": [
            {
                "type": "image",
                "url": image.image.url,
                "width": image.width,
                "height": image.height,
                "alt_text": image.alt_text,
                "caption": image.caption,
                "credit": image.credit,
            }
            for image in post.images.all()
        ],
        "permalink": post.get_absolute_url(),
    }


def post_tombstone(post: Post) -> dict:
    """What is left of a retracted post: enough for a catching-up client to remove it."""
    return {
        "id": post.pk,
        "seq": post.seq,
        "status": post.status,
        "retracted_at": timestamp(post.retracted_at),
        "retraction_note": post.retraction_note,
    }


def absolute_links(post: dict, *, absolute: Callable[[str], str]) -> dict:
    """`post` (from `post_public`) with its permalink and media URLs made absolute by `absolute`,
    typically `request.build_absolute_uri`; a tombstone has no links and comes back as it is."""
    if "permalink" not in post:
        return post
    return {
        **post,
        "media": [{**item, "url": absolute(item["url"])} for item in post["media"]],
        "permalink": absolute(post["permalink"]),
    }


def event_lead_image(event: Event) -> dict | None:
    """The picture at the top of the live page (and in link previews), or None."""
    if not event.lead_image:
        return None
    return {
        "url": event.lead_image.url,
        "width": event.lead_image_width,
        "height": event.lead_image_height,
        "alt_text": event.lead_image_alt,
    }


def event_absolute_links(state: dict, *, absolute: Callable[[str], str]) -> dict:
    """`state` (from `event_public`) with its lead image's URL made absolute by `absolute`.
    A change logged before events carried their lead image has none and comes back as it is."""
    image = state.get("lead_image")
    if not image:
        return state
    return {**state, "lead_image": {**image, "url": absolute(image["url"])}}


def event_public(event: Event) -> dict:
    """The event's title, standfirst, status, times and lead image, as the live socket sends them."""
    return {
        "slug": event.slug,
        "title": event.title,
        "standfirst": event.standfirst,
        "status": event.status,
        "starts_at": timestamp(event.starts_at),
        "ends_at": timestamp(event.ends_at),
        "lead_image": event_lead_image(event),
    }
