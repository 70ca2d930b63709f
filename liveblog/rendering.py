"""How a change looks to readers: the JSON state and the HTML fragment, built once per change."""

from django.template.loader import render_to_string

from liveblog.models import Event, Post


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def post_fragment(post: Post) -> str:
    """The post's HTML exactly as the live page shows it."""
    return render_to_string("liveblog/_post.html", {"post": post, "event": post.event})


def key_points_fragment(event: Event, key_points) -> str:
    return render_to_string("liveblog/_key_points.html", {"event": event, "key_points": key_points})


def post_state(post: Post) -> dict:
    """Everything a reader's page needs to show (or remove) one post."""
    if post.status == Post.Status.RETRACTED:
        # A tombstone: enough for a catching-up client to delete what it shows.
        return {
            "id": post.pk,
            "status": post.status,
            "retracted_at": _iso(post.retracted_at),
            "retraction_note": post.retraction_note,
        }
    return {
        "id": post.pk,
        "status": post.status,
        "kind": post.kind,
        "headline": post.headline,
        "body_html": post.body_html,
        "is_pinned": post.is_pinned,
        "is_key_event": post.is_key_event,
        "published_at": _iso(post.published_at),
        "updated_at": _iso(post.updated_at),
        "correction_note": post.correction_note,
        "images": [
            {
                "url": image.image.url,
                "width": image.width,
                "height": image.height,
                "alt_text": image.alt_text,
                "caption": image.caption,
                "credit": image.credit,
            }
            for image in post.images.all()
        ],
        "authors": [
            {"name": byline.author.byline_name, "job_title": byline.author.job_title}
            for byline in post.bylines.all()
        ],
        "quotes": [
            {
                "id": quote.pk,
                "text": quote.text,
                "context": quote.context,
                "said_at": _iso(quote.said_at),
                "speaker": {
                    "name": quote.speaker.name,
                    "slug": quote.speaker.slug,
                    "role": quote.speaker.role,
                    "organisation": quote.speaker.organisation,
                },
            }
            for quote in post.quotes.all()
        ],
        "html": post_fragment(post),
    }


def event_state(event: Event) -> dict:
    return {
        "slug": event.slug,
        "title": event.title,
        "standfirst": event.standfirst,
        "status": event.status,
        "starts_at": _iso(event.starts_at),
        "ends_at": _iso(event.ends_at),
    }
