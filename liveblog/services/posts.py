"""Post services: drafts, publishing, scheduling, edits, pins, key events, retractions and quotes.

Every change locks the event, then the post, checks the version the editor
started from, records a revision and, when readers can see the post, takes
the next public number (liveblog/changelog.py).
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.services import user_has_byline
from liveblog import rendering
from liveblog.broadcast import newsroom_notify_on_commit
from liveblog.changelog import change_log, event_lock, seq_take
from liveblog.markup import render_body
from liveblog.models import Byline, Event, EventChange, Post, Quote, Revision, Speaker
from liveblog.permissions import Action, EventPolicy, PostPolicy
from liveblog.selectors import post_for_render

logger = logging.getLogger(__name__)

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
    event, post = post_lock_for_change(
        post_id=post.pk, event_id=post.event_id, by=by, action=Action.EDIT, expected_version=expected_version
    )
    quote = _quote_create(post, QuoteInput(speaker, text, said_at, context), position=post.quotes.count())
    post_save_change(event, post, by=by, action="quote_add", public_action=EventChange.Action.POST_EDITED)
    return quote


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
    EventPolicy(by, event).require(Action.CREATE_DRAFT)
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
    event, post = post_lock_for_change(
        post_id=post.pk, event_id=post.event_id, by=by, action=Action.PUBLISH, expected_version=expected_version
    )
    _apply_publish(post, at=at)
    return post_save_change(event, post, by=by, action="publish", public_action=EventChange.Action.POST_PUBLISHED)


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
    event, post = post_lock_for_change(
        post_id=post.pk, event_id=post.event_id, by=by, action=Action.EDIT, expected_version=expected_version
    )
    _post_apply_content(post, headline=headline, body=body)
    if kind is not None:
        post.kind = kind
    if correction_note is not None:
        post.correction_note = correction_note.strip()
    if authors is not None:
        _bylines_set(post, authors)
    if post.status == Post.Status.PUBLISHED:
        post.updated_at = timezone.now()
    return post_save_change(event, post, by=by, action=action, public_action=EventChange.Action.POST_EDITED)


@transaction.atomic
def post_update(
    *,
    post: Post,
    by,
    expected_version: int,
    headline: str | None = None,
    body: str | None = None,
    kind: str | None = None,
    status: str | None = None,
    is_pinned: bool | None = None,
    is_key_event: bool | None = None,
    retraction_note: str = "",
) -> Post:
    """Change a post's content, status, pin and key-event flag at once: one version, one
    revision and at most one public change, whatever the mix (the API's PATCH).

    `status` "published" publishes a draft (a published post stays as it is);
    "retracted" takes the post down. Pinning unpins the post pinned before:
    that is the other post's own change, with its own version and number.
    """
    event = event_lock(event_id=post.event_id)
    post = _post_lock(post.pk)
    policy = PostPolicy(by, post)
    content = {"headline": headline, "body": body, "kind": kind}
    wants_edit = any(value is not None for value in content.values())
    wants_publish = status == Post.Status.PUBLISHED and post.status != Post.Status.PUBLISHED
    wants_retract = status == Post.Status.RETRACTED
    steps = [
        (Action.EDIT, wants_edit), (Action.PUBLISH, wants_publish), (Action.MARK_KEY_EVENT, is_key_event is not None),
        (Action.PIN, is_pinned is not None), (Action.RETRACT, wants_retract),
    ]
    for action, wanted in steps:
        if wanted:
            policy.require_role(action)
    _version_check(post, expected_version)

    was_published, before = post.status == Post.Status.PUBLISHED, _post_flags(post)
    # Each step is checked against the post as the steps before it left it: publish, then pin.
    if wants_edit:
        policy.require(Action.EDIT)
        _post_apply_content(post, headline=headline, body=body)
        if kind is not None:
            post.kind = kind
    if wants_publish:
        policy.require(Action.PUBLISH)
        _apply_publish(post)
    if is_key_event is not None:
        policy.require(Action.MARK_KEY_EVENT)
        post.is_key_event = is_key_event
    if is_pinned is not None:
        policy.require(Action.PIN)
        if is_pinned and not post.is_pinned:
            _unpin_others(event, post, by=by)
        post.is_pinned = is_pinned
    if wants_retract:
        policy.require(Action.RETRACT)
        _apply_retract(post, note=retraction_note)

    after = _post_flags(post)
    changed = {name for name in after if after[name] != before[name]}
    if not changed:
        return post
    content_changed = bool(changed & {"headline", "body", "kind"})
    if content_changed and was_published and post.status == Post.Status.PUBLISHED:
        post.updated_at = timezone.now()
    action, public_action = _update_action(post, changed, content_changed=content_changed)
    return post_save_change(event, post, by=by, action=action, public_action=public_action)


def _post_flags(post: Post) -> dict:
    return {
        "headline": post.headline, "body": post.body, "kind": post.kind, "status": post.status,
        "is_pinned": post.is_pinned, "is_key_event": post.is_key_event,
    }


def _update_action(post: Post, changed: set[str], *, content_changed: bool) -> tuple[str, str]:
    """The revision's action and the public change's, for what one post_update changed."""
    if "status" in changed:
        if post.status == Post.Status.RETRACTED:
            return "retract", EventChange.Action.POST_RETRACTED
        return "publish", EventChange.Action.POST_PUBLISHED
    if content_changed or changed == {"is_pinned", "is_key_event"}:
        return "edit", EventChange.Action.POST_EDITED
    if "is_pinned" in changed:
        return ("pin", EventChange.Action.POST_PINNED) if post.is_pinned else ("unpin", EventChange.Action.POST_UNPINNED)
    if post.is_key_event:
        return "key_event", EventChange.Action.POST_KEY_EVENT
    return "not_key_event", EventChange.Action.POST_NOT_KEY_EVENT


@transaction.atomic
def post_set_pinned(*, post: Post, by, is_pinned: bool, expected_version: int | None = None) -> Post:
    """Pin a post above the stream (unpinning the one pinned before) or unpin it."""
    event, post = post_lock_for_change(
        post_id=post.pk, event_id=post.event_id, by=by, action=Action.PIN, expected_version=expected_version
    )
    if post.is_pinned == is_pinned:
        return post
    if is_pinned:
        _unpin_others(event, post, by=by)
    post.is_pinned = is_pinned
    action = EventChange.Action.POST_PINNED if is_pinned else EventChange.Action.POST_UNPINNED
    return post_save_change(event, post, by=by, action="pin" if is_pinned else "unpin", public_action=action)


@transaction.atomic
def post_set_key_event(*, post: Post, by, is_key_event: bool, expected_version: int | None = None) -> Post:
    """Flag a post as a key moment of the story (or take the flag off)."""
    event, post = post_lock_for_change(
        post_id=post.pk, event_id=post.event_id, by=by, action=Action.MARK_KEY_EVENT, expected_version=expected_version
    )
    if post.is_key_event == is_key_event:
        return post
    post.is_key_event = is_key_event
    action = EventChange.Action.POST_KEY_EVENT if is_key_event else EventChange.Action.POST_NOT_KEY_EVENT
    return post_save_change(event, post, by=by, action="key_event" if is_key_event else "not_key_event", public_action=action)


@transaction.atomic
def post_retract(*, post: Post, by, note: str = "", expected_version: int | None = None) -> Post:
    """Take a published post down; readers' pages remove it and catching-up clients get a tombstone."""
    event, post = post_lock_for_change(
        post_id=post.pk, event_id=post.event_id, by=by, action=Action.RETRACT, expected_version=expected_version
    )
    _apply_retract(post, note=note)
    return post_save_change(event, post, by=by, action="retract", public_action=EventChange.Action.POST_RETRACTED)


@transaction.atomic
def post_schedule(*, post: Post, by, at: datetime, expected_version: int | None = None) -> Post:
    """Have a draft published automatically at `at` (by the scheduler, with `by`'s authority)."""
    event, post = post_lock_for_change(
        post_id=post.pk, event_id=post.event_id, by=by, action=Action.SCHEDULE, expected_version=expected_version
    )
    if at <= timezone.now():
        raise ValidationError("Choose a time in the future, or publish now.")
    post.status = Post.Status.SCHEDULED
    post.scheduled_for = at
    post.scheduled_by = by
    return post_save_change(event, post, by=by, action="schedule")


@transaction.atomic
def post_unschedule(*, post: Post, by, expected_version: int | None = None) -> Post:
    """Turn a scheduled post back into a draft."""
    event, post = post_lock_for_change(
        post_id=post.pk, event_id=post.event_id, by=by, action=Action.UNSCHEDULE, expected_version=expected_version
    )
    post.status = Post.Status.DRAFT
    post.scheduled_for = None
    post.scheduled_by = None
    return post_save_change(event, post, by=by, action="unschedule")


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
                published.append(post_publish(post=post, by=post.scheduled_by, expected_version=post.version))
            except (ValidationError, PermissionDenied) as refused:
                # Nobody to ask: park it as a draft, where the newsroom will see it.
                logger.warning("Scheduled post %s not published: %s", post.pk, " ".join(_reasons(refused)))
                post_schedule_refuse(post=post, expected_version=post.version)
    return published


@transaction.atomic
def post_schedule_refuse(*, post: Post, expected_version: int) -> Post:
    """Send a scheduled post the scheduler may not publish back to the drafts (the scheduler calls this).

    The newsroom sees it return to its drafts, and the post's history says why
    it was not published, as for any other change.
    """
    event, post = post_lock_for_change(
        post_id=post.pk, event_id=post.event_id, by=None, action=None, expected_version=expected_version
    )
    if post.status != Post.Status.SCHEDULED:
        raise ValidationError("This post is not scheduled.")
    post.status = Post.Status.DRAFT
    post.scheduled_for = None
    return post_save_change(event, post, by=None, action="schedule refused")


def _reasons(refused: Exception) -> list[str]:
    return list(refused.messages) if isinstance(refused, ValidationError) else [str(refused)]


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


def _post_lock(post_id: int) -> Post:
    return Post.objects.select_for_update().get(pk=post_id)


def post_lock_for_change(
    *, post_id: int, event_id: int, by, action: Action | None, expected_version: int | None
) -> tuple[Event, Post]:
    """Lock the event, then the post (always in that order, so two changes cannot deadlock),
    and check that `by` may do `action` to the post as it is now and saw the version stored now.

    `action` None is for the system's own changes (the scheduler's), which no role limits.
    The version is checked before the post's state: "a colleague changed it" explains
    more than the state their change left.
    """
    event = event_lock(event_id=event_id)
    post = _post_lock(post_id)
    if action is not None:
        policy = PostPolicy(by, post)
        policy.require_role(action)
        _version_check(post, expected_version)
        policy.require(action)
    else:
        _version_check(post, expected_version)
    return event, post


def _apply_publish(post: Post, *, at: datetime | None = None) -> None:
    if not (post.headline or post.body_html.strip() or post.quotes.exists()):
        raise ValidationError("An empty post cannot be published: add a headline, a body or a quote.")
    post.status = Post.Status.PUBLISHED
    post.published_at = at or timezone.now()
    post.scheduled_for = None


def _apply_retract(post: Post, *, note: str) -> None:
    post.status = Post.Status.RETRACTED
    post.retracted_at = timezone.now()
    post.retraction_note = note.strip()
    post.is_pinned = False


def _unpin_others(event: Event, post: Post, *, by) -> None:
    """Unpin whatever else is pinned in the event: each is that post's own change, numbered before this one."""
    for previous in Post.objects.select_for_update().filter(event=event, is_pinned=True).exclude(pk=post.pk):
        previous.is_pinned = False
        post_save_change(event, previous, by=by, action="unpin", public_action=EventChange.Action.POST_UNPINNED)


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


def post_save_change(event: Event, post: Post, *, by, action: str, public_action: str | None = None) -> Post:
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
    return _post_log_public_state(event, post, by=by, public_action=public_action)


def posts_push_again(posts, *, by, reason: str) -> None:
    """Give readers the state of each published post in `posts` again, under new seqs, because
    something they show changed outside them (a speaker's name, a journalist's byline).

    Their content and versions stay as they are. `reason` tells the newsroom what happened.
    """
    chosen = (
        posts.filter(status=Post.Status.PUBLISHED)
        .order_by("event_id", "pk").values_list("event_id", "pk").distinct()
    )
    by_event: dict[int, list[int]] = {}
    for event_id, post_id in chosen:
        by_event.setdefault(event_id, []).append(post_id)
    for event_id, post_ids in by_event.items():
        # Event first, then its posts, in id order: the same order as every other post change.
        event = event_lock(event_id=event_id)
        locked = Post.objects.select_for_update().filter(pk__in=post_ids, status=Post.Status.PUBLISHED)
        for post in locked.order_by("pk"):
            post.seq = seq_take(event=event)
            post.save(update_fields=["seq"])
            newsroom_notify_on_commit(event_id=event.pk, post_id=post.pk, action=reason, by=by)
            _post_log_public_state(event, post, by=by, public_action=EventChange.Action.POST_EDITED)


def posts_crediting_push_again(*, user, by, **signal_kwargs) -> None:
    """A journalist's byline changed (accounts.services.byline_changed): every published post
    crediting them shows the corrected byline under a new seq."""
    posts_push_again(Post.objects.filter(bylines__author=user), by=by, reason="byline_update")


def _post_log_public_state(event: Event, post: Post, *, by, public_action: str) -> Post:
    post = post_for_render(post_id=post.pk)
    change_log(
        event=event,
        seq=post.seq,
        action=public_action,
        message={"type": "post", "action": public_action, "post": rendering.post_state(post)},
        by=by,
        post=post,
    )
    return post


def _bylines_set(post: Post, authors: Sequence) -> None:
    authors = list(dict.fromkeys(authors))
    # The newsroom sends a journalist without a display name to set one before writing; an
    # API token's holder (or an author credited by others) never passes there.
    nameless = [author.username for author in authors if not user_has_byline(author)]
    if nameless:
        raise ValidationError(
            "A byline shows the name readers see, and %(who)s has none yet: set it in the newsroom, "
            "under Your byline, before writing.",
            params={"who": ", ".join(nameless)},
            code="display_name_missing",
        )
    Byline.objects.filter(post=post).delete()
    Byline.objects.bulk_create(Byline(post=post, author=author, position=i) for i, author in enumerate(authors))


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
