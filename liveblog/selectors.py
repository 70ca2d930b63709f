"""Reads that several callers share, returned with their relations already fetched.

Each list here costs a fixed number of queries however many rows it returns.
"""

from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When

from liveblog.models import Byline, Event, EventChange, Post, Quote


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
    )


def event_published_posts(*, event: Event) -> QuerySet[Post]:
    """What readers see: published posts, the pinned one first, then newest first."""
    return posts_with_relations(
        Post.objects.filter(event=event, status=Post.Status.PUBLISHED)
    ).order_by("-is_pinned", "-published_at", "-id")


def post_for_render(*, post_id: int) -> Post:
    return posts_with_relations().get(pk=post_id)


def event_changes_after(*, event: Event, seq: int) -> QuerySet[EventChange]:
    """The public changes a reader who has applied up to `seq` is missing, in order."""
    return EventChange.objects.filter(event=event, seq__gt=seq).order_by("seq")
