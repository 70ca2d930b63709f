"""Reads that several callers share, returned with their relations already fetched.

Each list here costs a fixed number of queries however many rows it returns.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce

from liveblog.models import Byline, Event, EventChange, Post, PostImage, Quote, Speaker

# Posts per page of the live stream: enough to read for a while, small enough to stay light.
STREAM_PAGE_SIZE = 20
FEED_SIZE = 50
SPEAKER_QUOTES_SIZE = 50


def events_for_index() -> QuerySet[Event]:
    """Every event, live ones first, then upcoming, then ended; newest first within each."""
    status_rank = Case(
        When(status=Event.Status.LIVE, then=Value(0)),
        When(status=Event.Status.SCHEDULED, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return Event.objects.annotate(status_rank=status_rank).order_by(
        "status_rank", "-starts_at", "-created_at"
    )


def posts_with_relations(queryset: QuerySet[Post] | None = None) -> QuerySet[Post]:
    """Posts with bylines (and their authors) and quotes (and their speakers) prefetched."""
    queryset = Post.objects.all() if queryset is None else queryset
    return queryset.select_related("event").prefetch_related(
        Prefetch("bylines", queryset=Byline.objects.select_related("author").order_by("position")),
        Prefetch("quotes", queryset=Quote.objects.select_related("speaker").order_by("position", "id")),
        Prefetch("images", queryset=PostImage.objects.order_by("position", "id")),
    )


def event_published_posts(*, event: Event) -> QuerySet[Post]:
    """What readers see: published posts, the pinned one first, then newest first."""
    return posts_with_relations(
        Post.objects.filter(event=event, status=Post.Status.PUBLISHED)
    ).order_by("-is_pinned", "-published_at", "-id")


KEY_POSTS_SIZE = 50


def _key_posts(event: Event) -> QuerySet[Post]:
    """The posts a reader in a hurry needs: key events and "what we know" summaries, newest first."""
    return Post.objects.filter(event=event, status=Post.Status.PUBLISHED).filter(
        Q(is_key_event=True) | Q(kind=Post.Kind.SUMMARY)
    ).order_by("-published_at", "-id")


def event_key_events(*, event: Event, limit: int = KEY_POSTS_SIZE) -> QuerySet[Post]:
    """For the key events list: the posts alone (one query), as the list shows only time and title."""
    return _key_posts(event)[:limit]


def event_key_posts(*, event: Event, limit: int = KEY_POSTS_SIZE) -> QuerySet[Post]:
    """For the key events view: the same posts, with what a whole post shows."""
    return posts_with_relations(_key_posts(event))[:limit]


def event_last_change_at(*, event: Event) -> datetime | None:
    """When readers last saw the event change (the log's latest entry), for "Last updated"."""
    return EventChange.objects.filter(event=event).order_by("-seq").values_list("created_at", flat=True).first()


def post_for_render(*, post_id: int) -> Post:
    return posts_with_relations().get(pk=post_id)


def event_changes_after(*, event: Event, seq: int) -> QuerySet[EventChange]:
    """The public changes a reader who has applied up to `seq` is missing, in order."""
    return EventChange.objects.filter(event=event, seq__gt=seq).order_by("seq")


def event_post_public(*, event_slug: str, post_id: int) -> Post:
    """One published or retracted post of the event, for its permalink; raises Post.DoesNotExist."""
    return posts_with_relations(
        Post.objects.filter(event__slug=event_slug, status__in=Post.PUBLIC_STATUSES)
    ).get(pk=post_id)


def event_feed_posts(*, event: Event, limit: int = FEED_SIZE) -> QuerySet[Post]:
    """The newest published posts in publication order, pinning aside, for the Atom feed."""
    return posts_with_relations(
        Post.objects.filter(event=event, status=Post.Status.PUBLISHED)
    ).order_by("-published_at", "-id")[:limit]


def speaker_published_quotes(*, speaker: Speaker, limit: int = SPEAKER_QUOTES_SIZE) -> QuerySet[Quote]:
    """A speaker's quotes across events, newest first, from published posts only."""
    return (
        Quote.objects.filter(speaker=speaker, post__status=Post.Status.PUBLISHED)
        .select_related("post__event")
        .annotate(quoted_at=Coalesce("said_at", "post__published_at"))
        .order_by("-quoted_at", "-id")[:limit]
    )


# The live stream, page by page ----------------------------------------------------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
# Up to 17 digits of microseconds (year ~5000) and a bigint id: anything longer is not ours.
_CURSOR = re.compile(r"([0-9]{1,17})-([0-9]{1,18})")


@dataclass(frozen=True)
class StreamCursor:
    """A place in an event's stream, as (published_at, id): a page `before` it shows what is older.

    Keyset rather than OFFSET, so posts published while a reader pages back
    neither shift the pages nor make the reader see a post twice.
    """

    published_at: datetime
    post_id: int

    @classmethod
    def parse(cls, value: str) -> "StreamCursor":
        """Read the `before` parameter; ValueError if it is not one of ours."""
        match = _CURSOR.fullmatch(value)
        if match is None:
            raise ValueError(f"{value!r} is not a stream position.")
        micros, post_id = (int(group) for group in match.groups())
        return cls(_EPOCH + micros * _MICROSECOND, post_id)

    @classmethod
    def at(cls, post: Post) -> "StreamCursor":
        return cls(post.published_at, post.pk)

    def __str__(self) -> str:
        return f"{(self.published_at - _EPOCH) // _MICROSECOND}-{self.post_id}"

    def older(self) -> Q:
        return Q(published_at__lt=self.published_at) | Q(published_at=self.published_at, id__lt=self.post_id)

    def newer(self) -> Q:
        return Q(published_at__gt=self.published_at) | Q(published_at=self.published_at, id__gt=self.post_id)


@dataclass(frozen=True)
class StreamPage:
    """One page of the live stream and where the pages around it start."""

    posts: list[Post]
    is_first: bool
    # `before` of the next older page; None on the oldest page.
    older: StreamCursor | None
    # `before` of the next newer page; None when the newer page is the first one.
    newer: StreamCursor | None


def _stream_unpinned(event: Event) -> QuerySet[Post]:
    # The pinned post sits on top of the first page only, so the pages behind it never repeat it.
    return Post.objects.filter(event=event, status=Post.Status.PUBLISHED, is_pinned=False)


def event_stream_page(
    *, event: Event, before: StreamCursor | None = None, size: int = STREAM_PAGE_SIZE
) -> StreamPage:
    """`size` posts of the stream: the first page (pinned post on top) or the page older than `before`.

    A fixed number of queries whatever the page: the posts (one extra row says
    whether an older page exists), their bylines and quotes, and on older pages
    the keys of the posts just newer, to link the page before this one.
    """
    if before is None:
        posts = list(event_published_posts(event=event)[: size + 1])
    else:
        posts = list(
            posts_with_relations(_stream_unpinned(event).filter(before.older())).order_by(
                "-published_at", "-id"
            )[: size + 1]
        )
    older = StreamCursor.at(posts[size - 1]) if len(posts) > size else None
    posts = posts[:size]
    newer = None
    if before is not None and posts:
        newer_keys = list(
            _stream_unpinned(event)
            .filter(StreamCursor.at(posts[0]).newer())
            .order_by("published_at", "id")
            .values_list("published_at", "id")[: size + 1]
        )
        # Fewer than a page of newer posts: the first page holds them (or links to them).
        if len(newer_keys) > size:
            newer = StreamCursor(*newer_keys[size])
    return StreamPage(posts=posts, is_first=before is None, older=older, newer=newer)


def post_stream_cursor(*, post: Post, size: int = STREAM_PAGE_SIZE) -> StreamCursor | None:
    """Where a page starting with `post` begins, or None when the post is on the first page."""
    if post.is_pinned:
        return None
    newer_count = _stream_unpinned(post.event).filter(StreamCursor.at(post).newer())[: size - 1].count()
    # Below size - 1 the post is on the first page even with a pinned post above it.
    if newer_count < size - 1:
        return None
    return StreamCursor(post.published_at, post.pk + 1)


# Partner API reads -----------------------------------------------------------------------------


def _last_change_at(event_ref: str):
    """When the change numbered by the outer row's `seq` was committed, as a subquery."""
    from django.db.models import OuterRef, Subquery  # local: the imports above belong to the stream

    changes = EventChange.objects.filter(event=OuterRef(event_ref), seq=OuterRef("seq"))
    return Subquery(changes.values("created_at")[:1])


def event_with_last_change(*, slug: str) -> Event | None:
    """The event, with `last_changed_at`: when its latest public change was committed (one query)."""
    return Event.objects.annotate(last_changed_at=_last_change_at("pk")).filter(slug=slug).first()


def post_page_state(*, event_slug: str, post_id: int) -> tuple | None:
    """(event id, event seq, status) of a published or retracted post, for its permalink's cache key:
    every public change of the event moves the seq, the post's own and its event's title alike."""
    return (
        Post.objects.filter(pk=post_id, event__slug=event_slug, status__in=Post.PUBLIC_STATUSES)
        .values_list("event_id", "event__seq", "status")
        .first()
    )


def speaker_with_page_state(*, slug: str) -> Speaker | None:
    """The speaker, with what their page's cache key needs from the events quoting them (one query).

    The page shows quotes from several events. Every change to one of those events moves
    its seq up, so the count and the sum of the quoting posts' event seqs change whenever
    the page may: a quote added or removed changes the count or the sum.
    """
    return (
        Speaker.objects.filter(slug=slug)
        .annotate(quote_count=Count("quotes"), quote_event_seq_sum=Sum("quotes__post__event__seq"))
        .first()
    )


def post_marker(*, event_slug: str, post_id: int) -> Post | None:
    """Just enough of a post to decide who may see it and whether a cached copy is current (one query)."""
    return (
        Post.objects.filter(pk=post_id, event__slug=event_slug)
        .only("id", "event_id", "status", "seq", "version", "created_by_id")
        .annotate(last_changed_at=_last_change_at("event_id"))
        .first()
    )


def quotes_public() -> QuerySet[Quote]:
    """Quotes readers can see (in published posts), with `quoted_at`: when said, else when published."""
    from django.db.models.functions import Coalesce

    return (
        Quote.objects.filter(post__status=Post.Status.PUBLISHED)
        .select_related("speaker", "post__event")
        .defer("post__body", "post__body_html", "speaker__bio")
        .annotate(quoted_at=Coalesce("said_at", "post__published_at"))
    )
