"""Query parameters of the list endpoints: validated (a bad value is a 400 naming it), then applied.

Each filter is a serializer of the query string, so the OpenAPI schema lists
exactly the parameters that are checked here.
"""

from datetime import datetime, time

from django.db.models import Q, QuerySet
from django.utils import timezone
from rest_framework import serializers

from liveblog.models import Event, Post

MAX_SEQ = 2**63 - 1


class Text(serializers.CharField):
    """A CharField that also refuses text PostgreSQL cannot store (lone surrogates; NUL already is)."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise serializers.ValidationError("This text is not valid Unicode.") from None
        return value


class QueryFilter(serializers.Serializer):
    """Validates `request.query_params`; subclasses narrow a queryset in `apply`."""

    cursor = serializers.CharField(
        required=False, help_text="Where a page starts: copy it from a response's `next` or `previous`."
    )
    limit = serializers.IntegerField(
        required=False, min_value=1, help_text="Items per page (default 20); values over 100 count as 100."
    )

    @classmethod
    def from_request(cls, request) -> dict:
        # A plain dict, not the QueryDict: a QueryDict makes DRF read a missing boolean as False.
        params = cls(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        return params.validated_data

    @classmethod
    def apply(cls, queryset: QuerySet, params: dict) -> QuerySet:
        return queryset


class EventFilter(QueryFilter):
    status = serializers.ChoiceField(choices=Event.Status.choices, required=False)

    @classmethod
    def apply(cls, queryset, params):
        if "status" in params:
            queryset = queryset.filter(status=params["status"])
        return queryset


class PostFilter(QueryFilter):
    kind = serializers.ChoiceField(choices=Post.Kind.choices, required=False)
    is_key_event = serializers.BooleanField(required=False, help_text="Only key events (true) or only others.")
    is_pinned = serializers.BooleanField(required=False, help_text="Only the pinned post (true) or only others.")
    after = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_SEQ,
        help_text=(
            "Instead of the newest posts: every public change after this seq, oldest first, "
            "retractions included (the websocket's resume). Cannot be combined with the other filters."
        ),
    )

    def validate(self, attrs):
        if "after" in attrs:
            clashing = sorted(set(attrs) & {"kind", "is_key_event", "is_pinned", "cursor"})
            if clashing:
                raise serializers.ValidationError(
                    {"after": [f"The changes feed cannot be filtered; leave out {', '.join(clashing)}."]}
                )
        return attrs

    @classmethod
    def apply(cls, queryset, params):
        lookups = {name: params[name] for name in ("kind", "is_key_event", "is_pinned") if name in params}
        return queryset.filter(**lookups)


class SpeakerFilter(QueryFilter):
    pass


class QuoteFilter(QueryFilter):
    speaker = serializers.SlugField(required=False, max_length=140, help_text="A speaker's slug.")
    event = serializers.SlugField(required=False, max_length=120, help_text="An event's slug.")
    since = serializers.DateTimeField(
        required=False, help_text="Said (or, when unknown, published) at or after this time (ISO 8601)."
    )
    until = serializers.DateTimeField(required=False, help_text="Said (or published) before this time.")
    q = Text(required=False, max_length=200, help_text="Words in the quote (case-insensitive).")

    def to_internal_value(self, data):
        # A bare date means the whole day: since=2025-03-15 is from its start, until=… to its end.
        data = dict(data)
        for name, at in (("since", time.min), ("until", time.max)):
            value = data.get(name)
            if isinstance(value, str) and len(value) == 10 and value[4:5] == "-":
                try:
                    day = datetime.strptime(value, "%Y-%m-%d")  # noqa: DTZ007 - made aware below
                except ValueError:
                    continue
                data[name] = timezone.make_aware(datetime.combine(day.date(), at)).isoformat()
        return super().to_internal_value(data)

    @classmethod
    def apply(cls, queryset, params):
        conditions = Q()
        if "speaker" in params:
            conditions &= Q(speaker__slug=params["speaker"])
        if "event" in params:
            conditions &= Q(post__event__slug=params["event"])
        if "since" in params:
            conditions &= Q(quoted_at__gte=params["since"])
        if "until" in params:
            conditions &= Q(quoted_at__lte=params["until"])
        if params.get("q", "").strip():
            conditions &= Q(text__icontains=params["q"].strip())
        return queryset.filter(conditions)
