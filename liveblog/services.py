"""The one door for changes to events, posts, speakers and quotes.

The admin, the API, the scheduler and the demo loader all call these
functions, so every change is permission-checked, sanitized, recorded as a
revision and, when readers can see it, numbered and pushed after commit.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from liveblog import permissions, rendering
from liveblog.broadcast import change_publish, event_lock, newsroom_notify_on_commit, seq_take
from liveblog.markup import render_body
from liveblog.models import (
    Byline,
    Event,
    EventChange,
    KeyPoint,
    Post,
    PostImage,
    Quote,
    Revision,
    Speaker,
)
from liveblog.selectors import post_for_render

logger = logging.getLogger(__name__)

MAX_KEY_POINTS = 12


class StaleVersionError(Exception):
    """Someone saved the post after the version this edit started from.

    `changes` says who changed what since then, so the journalist can see
    their colleague's work before deciding what to keep.
    """

    def __init__(self, *, current: Post, changes: list[dict] | None = None):
        self.current = current
        self.changes = changes or []
        who = ", ".join(dict.fromkeys(change["by"] for change in self.changes)) or "someone else"
        super().__init__(
            f"This post was changed by {who} while you were editing it (it is now at version "
            f"{current.version}); your changes were not saved."
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
    _event_push(event, by=by)
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
def speaker_update(
    *, speaker: Speaker, by, name: str | None = None, role: str | None = None,
    organisation: str | None = None, bio: str | None = None,
) -> Speaker:
    """Correct a speaker's name, role, organisation or bio (the slug, used in links, stays).

    Pages rendered from the database show it at once; live pages and the
    change log show it with each post's next change.
    """
    permissions.require(by, "edit_speaker")
    speaker = Speaker.objects.select_for_update().get(pk=speaker.pk)
    for field, value in (("name", name), ("role", role), ("organisation", organisation), ("bio", bio)):
        if value is not None:
            setattr(speaker, field, value.strip())
    speaker.full_clean()
    speaker.save()
    return speaker


@transaction.atomic
def quote_add(
    *,
    post: Post,
    speaker: Speaker,
    text: str,
    by,
    said_at: datetime | None = None,
    context: str = "",
    expected_version: int | None = None,
) -> Quote:
    """Attribute words to a speaker inside a post; readers see it at once if the post is live."""
    event, post = _post_for_change(
        post_id=post.pk, event_id=post.event_id, by=by, action="edit", expected_version=expected_version
    )
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
    newsroom_notify_on_commit(event_id=event.pk, post_id=post.pk, action="create", by=by)
    return post


@transaction.atomic
def post_publish(*, post: Post, by, at: datetime | None = None, expected_version: int | None = None) -> Post:
    """Make a draft visible to readers and push it to every open live page."""
    event, post = _post_for_change(
        post_id=post.pk, event_id=post.event_id, by=by, action="publish", expected_version=expected_version
    )
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
    correction_note: str | None = None,
    action: str = "edit",
) -> Post:
    """Change a post's content. Readers see a published post change in place, marked "Updated"."""
    event, post = _post_for_change(
        post_id=post.pk, event_id=post.event_id, by=by, action="edit", expected_version=expected_version
    )
    if post.status == Post.Status.RETRACTED:
        raise ValidationError("A retracted post cannot be edited.")
    _post_apply_content(post, headline=headline, body=body)
    if kind is not None:
        post.kind = kind
    if correction_note is not None:
        post.correction_note = correction_note.strip()
    if authors is not None:
        _bylines_set(post, authors)
    if post.status == Post.Status.PUBLISHED:
        post.updated_at = timezone.now()
    return _post_save(event, post, by=by, action=action, public_action=EventChange.Action.POST_EDITED)


@transaction.atomic
def post_set_pinned(*, post: Post, by, is_pinned: bool, expected_version: int | None = None) -> Post:
    """Pin a post above the stream (unpinning the one pinned before) or unpin it."""
    event, post = _post_for_change(
        post_id=post.pk, event_id=post.event_id, by=by, action="pin", expected_version=expected_version
    )
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
def post_set_key_event(*, post: Post, by, is_key_event: bool, expected_version: int | None = None) -> Post:
    """Flag a post as a key moment of the story (or take the flag off)."""
    event, post = _post_for_change(
        post_id=post.pk, event_id=post.event_id, by=by, action="mark_key_event", expected_version=expected_version
    )
    if post.status == Post.Status.RETRACTED:
        raise ValidationError("A retracted post cannot be changed.")
    if post.is_key_event == is_key_event:
        return post
    post.is_key_event = is_key_event
    action = EventChange.Action.POST_KEY_EVENT if is_key_event else EventChange.Action.POST_NOT_KEY_EVENT
    return _post_save(event, post, by=by, action="key_event" if is_key_event else "not_key_event", public_action=action)


@transaction.atomic
def post_retract(*, post: Post, by, note: str = "", expected_version: int | None = None) -> Post:
    """Take a published post down; readers' pages remove it and catching-up clients get a tombstone."""
    event, post = _post_for_change(
        post_id=post.pk, event_id=post.event_id, by=by, action="retract", expected_version=expected_version
    )
    if post.status != Post.Status.PUBLISHED:
        raise ValidationError("Only a published post can be retracted.")
    post.status = Post.Status.RETRACTED
    post.retracted_at = timezone.now()
    post.retraction_note = note.strip()
    post.is_pinned = False
    return _post_save(event, post, by=by, action="retract", public_action=EventChange.Action.POST_RETRACTED)


@transaction.atomic
def post_schedule(*, post: Post, by, at: datetime, expected_version: int | None = None) -> Post:
    """Have a draft published automatically at `at` (by the scheduler, with `by`'s authority)."""
    event, post = _post_for_change(
        post_id=post.pk, event_id=post.event_id, by=by, action="publish", expected_version=expected_version
    )
    if post.status not in (Post.Status.DRAFT, Post.Status.SCHEDULED):
        raise ValidationError("Only a draft can be scheduled.")
    if at <= timezone.now():
        raise ValidationError("Choose a time in the future, or publish now.")
    post.status = Post.Status.SCHEDULED
    post.scheduled_for = at
    post.scheduled_by = by
    return _post_save(event, post, by=by, action="schedule")


@transaction.atomic
def post_unschedule(*, post: Post, by, expected_version: int | None = None) -> Post:
    """Turn a scheduled post back into a draft."""
    event, post = _post_for_change(
        post_id=post.pk, event_id=post.event_id, by=by, action="publish", expected_version=expected_version
    )
    if post.status != Post.Status.SCHEDULED:
        raise ValidationError("This post is not scheduled.")
    post.status = Post.Status.DRAFT
    post.scheduled_for = None
    post.scheduled_by = None
    return _post_save(event, post, by=by, action="unschedule")


def posts_publish_due(*, now: datetime | None = None) -> list[Post]:
    """Publish every scheduled post whose time has come (the scheduler calls this)."""
    now = now or timezone.now()
    due = Post.objects.filter(status=Post.Status.SCHEDULED, scheduled_for__lte=now).order_by("scheduled_for", "id")
    published = []
    for post_id, event_id in due.values_list("pk", "event_id"):
        with transaction.atomic():
            event_lock(event_id=event_id)
            # Still scheduled and due? An editor may have unscheduled or published it meanwhile.
            post = (
                Post.objects.select_for_update(of=("self",))
                .filter(pk=post_id, status=Post.Status.SCHEDULED, scheduled_for__lte=now)
                .select_related("scheduled_by")
                .first()
            )
            if post is None:
                continue
            try:
                published.append(post_publish(post=post, by=post.scheduled_by))
            except (ValidationError, PermissionDenied) as refused:
                # Nobody to ask: park it as a draft, where the newsroom will see it.
                logger.warning("Scheduled post %s not published: %s", post.pk, refused)
                Post.objects.filter(pk=post.pk).update(status=Post.Status.DRAFT, scheduled_for=None)
    return published


@transaction.atomic
def post_restore_revision(*, post: Post, revision: Revision, by, expected_version: int) -> Post:
    """Bring back an earlier version's headline, body, kind and correction note, as a new change."""
    if revision.post_id != post.pk:
        raise ValidationError("That revision belongs to another post.")
    snapshot = revision.snapshot
    return post_edit(
        post=post,
        by=by,
        expected_version=expected_version,
        headline=snapshot.get("headline", ""),
        body=snapshot.get("body", ""),
        kind=snapshot.get("kind"),
        correction_note=snapshot.get("correction_note", ""),
        action=f"restore v{revision.version}",
    )


ALLOWED_IMAGE_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}


@transaction.atomic
def image_add(
    *,
    post: Post,
    by,
    image,
    alt_text: str,
    caption: str = "",
    credit: str = "",
    expected_version: int | None = None,
) -> PostImage:
    """Attach an uploaded picture (JPEG, PNG, GIF or WebP) with its alt text, caption and credit."""
    event, post = _post_for_change(
        post_id=post.pk, event_id=post.event_id, by=by, action="edit", expected_version=expected_version
    )
    if post.status == Post.Status.RETRACTED:
        raise ValidationError("A retracted post cannot be changed.")
    _image_check(image)
    record = PostImage(
        post=post, image=image, alt_text=alt_text.strip(), caption=caption.strip(), credit=credit.strip(),
        position=post.images.count(),
    )
    record.full_clean()
    record.save()
    if post.status == Post.Status.PUBLISHED:
        post.updated_at = timezone.now()
    _post_save(event, post, by=by, action="image_add", public_action=EventChange.Action.POST_EDITED)
    return record


@transaction.atomic
def image_remove(*, image: PostImage, by, expected_version: int | None = None) -> Post:
    """Take a picture out of its post."""
    event, post = _post_for_change(
        post_id=image.post_id, event_id=image.post.event_id, by=by, action="edit", expected_version=expected_version
    )
    image.delete()
    return _post_save(event, post, by=by, action="image_remove", public_action=EventChange.Action.POST_EDITED)


def _image_check(image) -> None:
    """Refuse what is not a real picture of an allowed kind, before anything is stored."""
    from PIL import Image, UnidentifiedImageError

    if image.size > PostImage.MAX_BYTES:
        raise ValidationError(f"Images are limited to {PostImage.MAX_BYTES // (1024 * 1024)} MB.")
    try:
        image.seek(0)
        with Image.open(image) as picture:
            picture.verify()
            kind = picture.format
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as broken:
        raise ValidationError("This file is not an image we can show (use JPEG, PNG, GIF or WebP).") from broken
    finally:
        image.seek(0)
    if kind not in ALLOWED_IMAGE_FORMATS:
        raise ValidationError(f"{kind} images are not accepted; use JPEG, PNG, GIF or WebP.")


@transaction.atomic
def event_update(
    *, event: Event, by, title: str | None = None, standfirst: str | None = None, time_zone: str | None = None
) -> Event:
    """Change an event's title, standfirst or time zone; readers' pages follow."""
    permissions.require(by, "manage_events")
    event = event_lock(event_id=event.pk)
    if title is not None:
        event.title = title.strip()
    if standfirst is not None:
        event.standfirst = standfirst.strip()
    if time_zone is not None:
        event.time_zone = time_zone
    event.full_clean()
    event.save()
    _event_push(event, by=by)
    return event


# Internals ------------------------------------------------------------------------------------


def _event_push(event: Event, *, by) -> None:
    """Send the event's title, standfirst and status to readers as one public change."""
    change_publish(
        event=event,
        seq=seq_take(event=event),
        action=EventChange.Action.EVENT_UPDATED,
        message={"type": "event", "event": rendering.event_state(event)},
        by=by,
    )


def _post_lock(post_id: int) -> Post:
    return Post.objects.select_for_update().get(pk=post_id)


def _post_for_change(
    *, post_id: int, event_id: int, by, action: str, expected_version: int | None
) -> tuple[Event, Post]:
    """Lock the event, then the post (always in that order, so two changes cannot deadlock),
    and check that `by` may do `action` and saw the version stored now."""
    event = event_lock(event_id=event_id)
    post = _post_lock(post_id)
    permissions.require(by, action, post)
    _version_check(post, expected_version)
    return event, post


def _post_apply_content(post: Post, *, headline: str | None, body: str | None) -> None:
    if headline is not None:
        post.headline = headline.strip()
    if body is not None:
        post.body = body
        post.body_html = render_body(body)


def _version_check(post: Post, expected_version: int | None) -> None:
    """Refuse a save that started from an older version than the one stored."""
    if expected_version is None or post.version == expected_version:
        return
    later = post.revisions.filter(version__gt=expected_version).select_related("by").order_by("version")
    previous = post.revisions.filter(version=expected_version).first()
    changes, before = [], previous.snapshot if previous else {}
    for revision in later:
        changed = sorted(key for key, value in revision.snapshot.items() if before.get(key) != value)
        changes.append({
            "version": revision.version,
            "action": revision.action,
            "by": revision.by.byline_name if revision.by else "someone",
            "at": revision.created_at.isoformat(),
            "fields": changed,
        })
        before = revision.snapshot
    raise StaleVersionError(current=post, changes=changes)


def _post_save(event: Event, post: Post, *, by, action: str, public_action: str | None = None) -> Post:
    """Validate and save a locked post, record the revision and, if readers can see it, push it."""
    post.version += 1
    if post.is_public:
        post.seq = seq_take(event=event)
    post.full_clean()
    post.save()
    _revision_record(post, by=by, action=action)
    newsroom_notify_on_commit(event_id=event.pk, post_id=post.pk, action=action, by=by)
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
        "correction_note": post.correction_note,
        "scheduled_for": post.scheduled_for.isoformat() if post.scheduled_for else None,
        "authors": list(post.bylines.values_list("author_id", flat=True)),
        "images": list(post.images.values("alt_text", "caption", "credit")),
        "quotes": list(post.quotes.values("speaker_id", "text", "context")),
    }
    return Revision.objects.create(post=post, version=post.version, action=action, by=by, snapshot=snapshot)


def _unique_slug(model, text: str) -> str:
    base = slugify(text)[:100] or model.__name__.lower()
    slug, n = base, 2
    while model.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug
