"""The one door for changes to events, posts, speakers and quotes.

The admin, the API, the scheduler and the demo loader all call these
functions, so every change is permission-checked, sanitized, recorded as a
revision and, when readers can see it, numbered and pushed after commit.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from liveblog import permissions, rendering
from liveblog.broadcast import change_publish, event_lock, seq_take
from liveblog.models import Byline, Event, EventChange, KeyPoint, Post, Quote, Revision, Speaker
from liveblog.sanitize import sanitize_html
from liveblog.selectors import post_for_render

MAX_KEY_POINTS = 12


class StaleVersionError(Exception):
    """Someone saved the post after the version this edit started from."""

    def __init__(self, *, current: Post):
        self.current = current
        super().__init__(
            f"This post was changed by someone else (now version {current.version}); "
            "reload it to see their changes before saving yours."
        )


@dataclass(frozen=True)
class QuoteInput:
    """A quote to attach to a post: who said it and the words."""

    speaker: Speaker
    text: str
    said_at: datetime | None = None
    context: str = ""


# Events ---------------------------------------------------------------------------------------


@transaction.atomic
def event_create(
    *,
    title: str,
    by,
    slug: str = "",
    standfirst: str = "",
    time_zone: str = "Europe/London",
    status: str = Event.Status.SCHEDULED,
    starts_at: datetime | None = None,
) -> Event:
    """Open a new event for coverage; nothing public happens until posts are published."""
    permissions.require(by, "manage_events")
    event = Event(
        title=title.strip(),
        slug=slug or _unique_slug(Event, title),
        standfirst=standfirst.strip(),
        time_zone=time_zone,
        status=status,
        starts_at=starts_at or (timezone.now() if status == Event.Status.LIVE else None),
        created_by=by,
    )
    event.full_clean()
    event.save()
    return event


@transaction.atomic
def event_set_status(*, event: Event, status: str, by) -> Event:
    """Open or close live coverage; readers' pages show the new status at once."""
    permissions.require(by, "manage_events")
    event = event_lock(event_id=event.pk)
    if event.status == status:
        return event
    event.status = status
    now = timezone.now()
    if status == Event.Status.LIVE:
        event.starts_at = event.starts_at or now
        event.ends_at = None
    elif status == Event.Status.ENDED:
        event.ends_at = now
    event.full_clean()
    event.save(update_fields=["status", "starts_at", "ends_at"])
    change_publish(
        event=event,
        seq=seq_take(event=event),
        action=EventChange.Action.EVENT_UPDATED,
        message={"type": "event", "event": rendering.event_state(event)},
        by=by,
    )
    return event


@transaction.atomic
def event_set_key_points(*, event: Event, points: Sequence[str], by) -> list[KeyPoint]:
    """Replace the event's key points with `points`, in that order, as one public change."""
    permissions.require(by, "set_key_points")
    cleaned = [point.strip() for point in points if point and point.strip()]
    if len(cleaned) > MAX_KEY_POINTS:
        raise ValidationError(f"An event has at most {MAX_KEY_POINTS} key points.")
    event = event_lock(event_id=event.pk)
    key_points = [KeyPoint(event=event, position=i, text=text) for i, text in enumerate(cleaned)]
    for key_point in key_points:
        key_point.full_clean(exclude=["event"])
    KeyPoint.objects.filter(event=event).delete()
    KeyPoint.objects.bulk_create(key_points)
    change_publish(
        event=event,
        seq=seq_take(event=event),
        action=EventChange.Action.KEY_POINTS,
        message={
            "type": "key_points",
            "key_points": cleaned,
            "html": rendering.key_points_fragment(event, key_points),
        },
        by=by,
    )
    return key_points


# Speakers and quotes --------------------------------------------------------------------------


@transaction.atomic
def speaker_create(
    *, name: str, by, role: str = "", organisation: str = "", bio: str = "", slug: str = ""
) -> Speaker:
    """Add a person who can be quoted in any event."""
    permissions.require(by, "create_speaker")
    speaker = Speaker(
        name=name.strip(),
        slug=slug or _unique_slug(Speaker, name),
        role=role.strip(),
        organisation=organisation.strip(),
        bio=bio.strip(),
    )
    speaker.full_clean()
    speaker.save()
    return speaker


@transaction.atomic
def quote_add(
    *, post: Post, speaker: Speaker, text: str, by, said_at: datetime | None = None, context: str = ""
) -> Quote:
    """Attribute words to a speaker inside a post; readers see it at once if the post is live."""
    event = event_lock(event_id=post.event_id)
    post = _post_lock(post.pk)
    permissions.require(by, "edit", post)
    if post.status == Post.Status.RETRACTED:
        raise ValidationError("A retracted post cannot be changed.")
    quote = _quote_create(post, QuoteInput(speaker, text, said_at, context), position=post.quotes.count())
    _post_save(event, post, by=by, action="quote_add", public_action=EventChange.Action.POST_EDITED)
    return quote


# Posts ----------------------------------------------------------------------------------------


@transaction.atomic
def post_create_draft(
    *,
    event: Event,
    by,
    headline: str = "",
    body: str = "",
    kind: str = Post.Kind.UPDATE,
    authors: Sequence = (),
    quotes: Sequence[QuoteInput] = (),
) -> Post:
    """Start a post that only the newsroom sees; it takes no public number."""
    permissions.require(by, "create_draft")
    post = Post(event=event, created_by=by, kind=kind)
    _post_apply_content(post, headline=headline, body=body)
    post.full_clean()
    post.save()
    _bylines_set(post, authors or [by])
    for position, quote in enumerate(quotes):
        _quote_create(post, quote, position=position)
    _revision_record(post, by=by, action="create")
    return post


@transaction.atomic
def post_publish(*, post: Post, by, at: datetime | None = None) -> Post:
    """Make a draft visible to readers and push it to every open live page."""
    event = event_lock(event_id=post.event_id)
    post = _post_lock(post.pk)
    permissions.require(by, "publish", post)
    if post.status not in (Post.Status.DRAFT, Post.Status.SCHEDULED):
        raise ValidationError(f"Only a draft can be published; this post is {post.get_status_display().lower()}.")
    if not (post.headline or post.body_html.strip() or post.quotes.exists()):
        raise ValidationError("An empty post cannot be published: add a headline, a body or a quote.")
    post.status = Post.Status.PUBLISHED
    post.published_at = at or timezone.now()
    post.scheduled_for = None
    return _post_save(event, post, by=by, action="publish", public_action=EventChange.Action.POST_PUBLISHED)


@transaction.atomic
def post_edit(
    *,
    post: Post,
    by,
    expected_version: int,
    headline: str | None = None,
    body: str | None = None,
    kind: str | None = None,
    authors: Sequence | None = None,
) -> Post:
    """Change a post's content. Readers see a published post change in place, marked "Updated"."""
    event = event_lock(event_id=post.event_id)
    post = _post_lock(post.pk)
    permissions.require(by, "edit", post)
    if post.version != expected_version:
        raise StaleVersionError(current=post)
    if post.status == Post.Status.RETRACTED:
        raise ValidationError("A retracted post cannot be edited.")
    _post_apply_content(post, headline=headline, body=body)
    if kind is not None:
        post.kind = kind
    if authors is not None:
        _bylines_set(post, authors)
    if post.status == Post.Status.PUBLISHED:
        post.updated_at = timezone.now()
    return _post_save(event, post, by=by, action="edit", public_action=EventChange.Action.POST_EDITED)


@transaction.atomic
def post_set_pinned(*, post: Post, by, is_pinned: bool) -> Post:
    """Pin a post above the stream (unpinning the one pinned before) or unpin it."""
    event = event_lock(event_id=post.event_id)
    post = _post_lock(post.pk)
    permissions.require(by, "pin", post)
    if post.status != Post.Status.PUBLISHED:
        raise ValidationError("Only a published post can be pinned.")
    if post.is_pinned == is_pinned:
        return post
    if is_pinned:
        for previous in Post.objects.select_for_update().filter(event=event, is_pinned=True):
            previous.is_pinned = False
            _post_save(event, previous, by=by, action="unpin", public_action=EventChange.Action.POST_UNPINNED)
    post.is_pinned = is_pinned
    action = EventChange.Action.POST_PINNED if is_pinned else EventChange.Action.POST_UNPINNED
    return _post_save(event, post, by=by, action="pin" if is_pinned else "unpin", public_action=action)


@transaction.atomic
def post_set_key_event(*, post: Post, by, is_key_event: bool) -> Post:
    """Flag a post as a key moment of the story (or take the flag off)."""
    event = event_lock(event_id=post.event_id)
    post = _post_lock(post.pk)
    permissions.require(by, "mark_key_event", post)
    if post.status == Post.Status.RETRACTED:
        raise ValidationError("A retracted post cannot be changed.")
    if post.is_key_event == is_key_event:
        return post
    post.is_key_event = is_key_event
    action = EventChange.Action.POST_KEY_EVENT if is_key_event else EventChange.Action.POST_NOT_KEY_EVENT
    return _post_save(event, post, by=by, action="key_event" if is_key_event else "not_key_event", public_action=action)


@transaction.atomic
def post_retract(*, post: Post, by, note: str = "") -> Post:
    """Take a published post down; readers' pages remove it and catching-up clients get a tombstone."""
    event = event_lock(event_id=post.event_id)
    post = _post_lock(post.pk)
    permissions.require(by, "retract", post)
    if post.status != Post.Status.PUBLISHED:
        raise ValidationError("Only a published post can be retracted.")
    post.status = Post.Status.RETRACTED
    post.retracted_at = timezone.now()
    post.retraction_note = note.strip()
    post.is_pinned = False
    return _post_save(event, post, by=by, action="retract", public_action=EventChange.Action.POST_RETRACTED)


# Internals ------------------------------------------------------------------------------------


def _post_lock(post_id: int) -> Post:
    return Post.objects.select_for_update().get(pk=post_id)


def _post_apply_content(post: Post, *, headline: str | None, body: str | None) -> None:
    if headline is not None:
        post.headline = headline.strip()
    if body is not None:
        post.body = body
        post.body_html = sanitize_html(body)


def _post_save(event: Event, post: Post, *, by, action: str, public_action: str) -> Post:
    """Validate and save a locked post, record the revision and, if readers can see it, push it."""
    post.version += 1
    if post.is_public:
        post.seq = seq_take(event=event)
    post.full_clean()
    post.save()
    _revision_record(post, by=by, action=action)
    if not post.is_public:
        return post
    post = post_for_render(post_id=post.pk)
    change_publish(
        event=event,
        seq=post.seq,
        action=public_action,
        message={"type": "post", "action": public_action, "post": rendering.post_state(post)},
        by=by,
        post=post,
    )
    return post


def _bylines_set(post: Post, authors: Sequence) -> None:
    Byline.objects.filter(post=post).delete()
    Byline.objects.bulk_create(
        Byline(post=post, author=author, position=i) for i, author in enumerate(dict.fromkeys(authors))
    )


def _quote_create(post: Post, quote: QuoteInput, *, position: int) -> Quote:
    record = Quote(
        post=post,
        speaker=quote.speaker,
        text=quote.text.strip(),
        said_at=quote.said_at,
        context=quote.context.strip(),
        position=position,
    )
    record.full_clean()
    record.save()
    return record


def _revision_record(post: Post, *, by, action: str) -> Revision:
    snapshot = {
        "headline": post.headline,
        "body": post.body,
        "kind": post.kind,
        "status": post.status,
        "is_pinned": post.is_pinned,
        "is_key_event": post.is_key_event,
        "authors": list(post.bylines.values_list("author_id", flat=True)),
        "quotes": list(post.quotes.values("speaker_id", "text", "context")),
    }
    return Revision.objects.create(post=post, version=post.version, action=action, by=by, snapshot=snapshot)


def _unique_slug(model, text: str) -> str:
    base = slugify(text)[:100] or model.__name__.lower()
    slug, n = base, 2
    while model.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug
