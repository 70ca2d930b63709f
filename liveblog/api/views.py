"""The API's endpoints: parse, call a selector or a service, answer. Thin on purpose.

Reads work out their ETag first and answer a matching If-None-Match with a
bare 304 before anything is serialized. Writes go through liveblog.services,
so the post and event policies of liveblog/permissions.py apply exactly as in
the admin, and each write names the version it started from.
"""

import re
from collections.abc import Callable

from django.db import transaction
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.utils.urls import replace_query_param

from liveblog import pagecache, selectors, services
from liveblog.api import caching, filters, schema, serializers  # noqa: F401 - schema registers the auth schemes
from liveblog.api.errors import ApiError
from liveblog.api.pagination import (
    EventPagination,
    PostPagination,
    QuotePagination,
    SpeakerPagination,
)
from liveblog.models import Event, Post, Quote, Speaker
from liveblog.permissions import Action, PostPolicy
from liveblog.seqcache import seq_remember

MAX_ID = 2**63 - 1
FEED_PAGE_SIZE = 100
_VERSION_HEADER = re.compile(r'\s*"?([0-9]{1,10})"?\s*')


class ReadOrJournalistWrite(BasePermission):
    """Anyone may read; writing needs a signed-in journalist. Which journalist may do what
    (contributor, editor) is the post and event policies' call, made inside the services."""

    message = "Partner keys can only read. Writing needs a journalist's token: Authorization: Token <key>."

    def has_permission(self, request, view):
        return request.method in SAFE_METHODS or bool(request.user and request.user.is_authenticated)


class ApiView(generics.GenericAPIView):
    permission_classes = [ReadOrJournalistWrite]

    def read(self, request, validators: caching.Validators, body: Callable[[], object]):
        """A public read: a 304, or the JSON every caller of this URL and state shares, serialized
        once per change (liveblog/pagecache.py), or `body()` serialized now."""
        return pagecache.stored_or_render(
            request, validators=validators,
            render=lambda: HttpResponse(JSONRenderer().render(body()), content_type="application/json"),
        )

    def get_authenticate_header(self, request):
        # Both schemes, so a 401 says how to get in whichever the caller meant to use.
        return 'Token realm="api", Api-Key realm="api"'

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if not response.has_header("Cache-Control"):
            # Errors, writes and drafts: nothing a CDN or a browser should keep.
            response["Cache-Control"] = "no-store"
        return response


class PagedListView(ApiView, generics.ListAPIView):
    """A paged list whose ETag is the state of the rows on the page (one query, then 304 or serialize)."""

    filter_class = filters.QueryFilter

    def get_queryset(self):
        return self.filter_class.apply(self.base_queryset(), self.filter_class.from_request(self.request))

    def base_queryset(self):
        raise NotImplementedError

    def row_state(self, obj) -> tuple:
        return caching.row_state(obj)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        validators = caching.validators_for(
            request,
            [self.row_state(obj) for obj in page],
            self.paginator.has_next,
            self.paginator.has_previous,
            policy=caching.REFERENCE,
        )
        return self.read(
            request, validators, lambda: self.get_paginated_response(self.get_serializer(page, many=True).data).data
        )


def event_or_404(slug: str) -> Event:
    event = selectors.event_with_last_change(slug=slug)
    if event is None:
        raise NotFound(f"No event has the slug {slug!r}.")
    return event


def event_validators(request, event: Event) -> caching.Validators:
    # Every public change of the event bumps seq, so (event, seq) is all its reads depend on.
    return caching.validators_for(
        request, event.pk, event.seq, last_modified=event.last_changed_at, label=f"{event.seq}-"
    )


# Events ----------------------------------------------------------------------------------------


@extend_schema(tags=["events"])
class EventList(PagedListView):
    """Events, newest first."""

    serializer_class = serializers.EventSerializer
    pagination_class = EventPagination
    filter_class = filters.EventFilter

    def base_queryset(self):
        return Event.objects.all()

    @extend_schema(operation_id="events_list", summary="List events", parameters=[filters.EventFilter])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["events"])
class EventDetail(ApiView):
    serializer_class = serializers.EventDetailSerializer

    @extend_schema(operation_id="event_retrieve", summary="An event, with its key points and current seq")
    def get(self, request, slug):
        event = event_or_404(slug)
        validators = caching.validators_for(
            request, caching.row_state(event), last_modified=event.last_changed_at, label=f"{event.seq}-"
        )
        return self.read(request, validators, lambda: self.get_serializer(event).data)

    @extend_schema(
        operation_id="event_update",
        summary="Change an event's status or key points (editors)",
        request=serializers.EventUpdateSerializer,
    )
    def patch(self, request, slug):
        event = event_or_404(slug)
        changes = _valid(serializers.EventUpdateSerializer, request.data)
        with transaction.atomic():
            if "key_points" in changes:
                services.event_set_key_points(event=event, points=changes["key_points"], by=request.user)
            if "status" in changes:
                services.event_set_status(event=event, status=changes["status"], by=request.user)
        return Response(self.get_serializer(event_or_404(slug)).data)


# Posts -----------------------------------------------------------------------------------------


@extend_schema(tags=["posts"])
class EventPosts(ApiView):
    serializer_class = serializers.PostSerializer

    @extend_schema(
        operation_id="posts_list",
        summary="Published posts, newest first; or with ?after=<seq>, every change since",
        parameters=[filters.PostFilter],
        responses=PolymorphicProxySerializer(
            component_name="PostPageOrChangePage",
            serializers=[serializers.PostPageSerializer, serializers.ChangePageSerializer],
            resource_type_field_name=None,
        ),
    )
    def get(self, request, slug):
        params = filters.PostFilter.from_request(request)
        event = event_or_404(slug)
        # Lets the 304 fast path (fastpath.py) vouch for this event from now on.
        seq_remember(
            slug=event.slug, event_id=event.pk, seq=event.seq,
            changed_at=event.last_changed_at.timestamp() if event.last_changed_at else None,
        )
        if "after" in params and params["after"] > event.seq:
            raise ValidationError(
                {"after": [f"This event has no change {params['after']}: its latest is {event.seq}. Load the posts again."]}
            )
        validators = event_validators(request, event)
        if "after" in params:
            return self.read(
                request, validators, lambda: self._changes(request, event, after=params["after"], limit=params.get("limit"))
            )
        return self.read(request, validators, lambda: self._posts(request, event, params))

    def _posts(self, request, event: Event, params: dict) -> dict:
        paginator = PostPagination()
        posts = filters.PostFilter.apply(selectors.event_published_posts(event=event), params)
        page = paginator.paginate_queryset(posts, request, view=self)
        return {
            "seq": event.seq,
            "next": paginator.get_next_link(),
            "previous": paginator.get_previous_link(),
            "results": self.get_serializer(page, many=True).data,
        }

    def _changes(self, request, event: Event, *, after: int, limit: int | None) -> dict:
        limit = min(limit or FEED_PAGE_SIZE, FEED_PAGE_SIZE)
        rows = list(selectors.event_changes_after(event=event, seq=after).only("seq", "message")[: limit + 1])
        has_more = len(rows) > limit
        rows = rows[:limit]
        last_seq = rows[-1].seq if rows else after
        return {
            "after": after,
            "last_seq": last_seq,
            "seq": event.seq,
            "has_more": has_more,
            "next": replace_query_param(request.build_absolute_uri(), "after", last_seq) if has_more else None,
            "changes": [serializers.change_for_partner(row.message, absolute=request.build_absolute_uri) for row in rows],
        }

    @extend_schema(
        operation_id="post_create",
        summary="Write a post (contributors: drafts; editors: published too)",
        request=serializers.PostCreateSerializer,
        responses={201: serializers.PostSerializer},
    )
    def post(self, request, slug):
        event = event_or_404(slug)
        data = _valid(serializers.PostCreateSerializer, request.data)
        quotes = [services.QuoteInput(**quote) for quote in data["quotes"]] if "quotes" in data else ()
        # One transaction: a contributor asking for "published" gets a 403 and no stray draft.
        with transaction.atomic():
            post = services.post_create_draft(
                event=event, by=request.user, headline=data["headline"], body=data["body"],
                kind=data["kind"], quotes=quotes,
            )
            if data["status"] == Post.Status.PUBLISHED:
                post = services.post_publish(post=post, by=request.user)
            if data["is_key_event"]:
                post = services.post_set_key_event(post=post, by=request.user, is_key_event=True)
            if data["is_pinned"]:
                post = services.post_set_pinned(post=post, by=request.user, is_pinned=True)
        url = reverse("api:post-detail", kwargs={"slug": slug, "post_id": post.pk}, request=request)
        body = self.get_serializer(selectors.post_for_render(post_id=post.pk)).data
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": url})


IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description='The post version you started from, e.g. "7" (instead of the body\'s `version`).',
)
IF_MATCH_REQUIRED = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description='The post version you are retracting, e.g. "7"; without it the answer is 428.',
)


@extend_schema(tags=["posts"])
class PostDetail(ApiView):
    serializer_class = serializers.PostSerializer

    @extend_schema(
        operation_id="post_retrieve",
        summary="One post (a retracted one as a tombstone; drafts only for who may edit them)",
        responses=PolymorphicProxySerializer(
            component_name="PostOrTombstone",
            serializers=[serializers.PostSerializer, serializers.PostTombstoneSerializer],
            resource_type_field_name=None,
        ),
    )
    def get(self, request, slug, post_id):
        marker = self._marker(request, slug, post_id)
        if marker.is_public:
            validators = caching.validators_for(
                request, marker.pk, marker.seq, marker.status,
                last_modified=marker.last_changed_at, label=f"{marker.seq}-",
            )
            return self.read(
                request, validators,
                lambda: serializers.post_representation(selectors.post_for_render(post_id=marker.pk), request=request),
            )
        post = selectors.post_for_render(post_id=marker.pk)
        response = Response(serializers.post_representation(post, request=request))
        response["Cache-Control"] = "private, no-store"
        return response

    @extend_schema(
        operation_id="post_update",
        summary="Edit, publish, pin, mark or retract a post",
        request=serializers.PostUpdateSerializer,
        parameters=[IF_MATCH],
        responses=PolymorphicProxySerializer(
            component_name="PostOrTombstone",
            serializers=[serializers.PostSerializer, serializers.PostTombstoneSerializer],
            resource_type_field_name=None,
        ),
    )
    def patch(self, request, slug, post_id):
        post = self._marker(request, slug, post_id)
        data = _valid(serializers.PostUpdateSerializer, request.data)
        expected = _expected_version(request, data.get("version"))
        if expected is None:
            raise ValidationError(
                {"version": ['Send the version you started from (field "version" or header If-Match).']}
            )
        # One service call: one version and at most one public change, whatever the mix of fields.
        changes = {name: data[name] for name in ("headline", "body", "kind", "status", "is_pinned", "is_key_event")
                   if name in data}
        post = services.post_update(
            post=post, by=request.user, expected_version=expected,
            retraction_note=data["retraction_note"], **changes,
        )
        post = selectors.post_for_render(post_id=post.pk)
        return Response(serializers.post_representation(post, request=request))

    @extend_schema(
        operation_id="post_retract",
        summary="Retract a published post (editors)",
        parameters=[IF_MATCH_REQUIRED],
        request=None,
        responses={200: serializers.PostTombstoneSerializer},
    )
    def delete(self, request, slug, post_id):
        post = self._marker(request, slug, post_id)
        PostPolicy(request.user, post).require_role(Action.RETRACT)
        expected = _expected_version(request, None)
        if expected is None:
            # Like PATCH, a retraction must say which version it saw: the post may have changed since.
            raise ApiError(
                status.HTTP_428_PRECONDITION_REQUIRED, "precondition_required",
                'Send the version you are retracting in an If-Match header, e.g. If-Match: "7".',
            )
        post = services.post_retract(post=post, by=request.user, expected_version=expected)
        return Response(serializers.PostTombstoneSerializer(post).data)

    def _marker(self, request, slug: str, post_id: int) -> Post:
        marker = selectors.post_marker(event_slug=slug, post_id=post_id) if post_id <= MAX_ID else None
        # A draft is invisible (404, not 403) to whoever may not see it.
        if marker is None or not PostPolicy(request.user, marker).can(Action.VIEW):
            raise NotFound(f"Event {slug!r} has no post {post_id}.")
        return marker


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _expected_version(request, from_body: int | None) -> int | None:
    """The version a write started from: the body's `version` or the If-Match header (either, or both if equal)."""
    header = request.headers.get("If-Match")
    if header is None:
        return from_body
    match = _VERSION_HEADER.fullmatch(header)
    if match is None:
        raise ValidationError({"If-Match": ['If-Match carries the post\'s version, e.g. "7".']})
    from_header = int(match[1])
    if from_body is not None and from_body != from_header:
        raise ValidationError({"If-Match": [f"If-Match says version {from_header}, the body {from_body}."]})
    return from_header


# Speakers and quotes ---------------------------------------------------------------------------


@extend_schema(tags=["speakers"])
class SpeakerList(PagedListView):
    """Speakers, by name."""

    serializer_class = serializers.SpeakerSerializer
    pagination_class = SpeakerPagination
    filter_class = filters.SpeakerFilter

    def base_queryset(self):
        return Speaker.objects.all()

    @extend_schema(operation_id="speakers_list", summary="List speakers", parameters=[filters.SpeakerFilter])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="speaker_create",
        summary="Add a speaker (contributors and editors)",
        request=serializers.SpeakerCreateSerializer,
        responses={201: serializers.SpeakerSerializer},
    )
    def post(self, request):
        data = _valid(serializers.SpeakerCreateSerializer, request.data)
        speaker = services.speaker_create(by=request.user, **data)
        url = reverse("api:speaker-detail", kwargs={"slug": speaker.slug}, request=request)
        return Response(self.get_serializer(speaker).data, status=status.HTTP_201_CREATED, headers={"Location": url})


@extend_schema(tags=["speakers"])
class SpeakerDetail(ApiView):
    serializer_class = serializers.SpeakerSerializer

    @extend_schema(operation_id="speaker_retrieve", summary="A speaker")
    def get(self, request, slug):
        speaker = Speaker.objects.filter(slug=slug).first()
        if speaker is None:
            raise NotFound(f"No speaker has the slug {slug!r}.")
        validators = caching.validators_for(request, caching.row_state(speaker), policy=caching.REFERENCE)
        return self.read(request, validators, lambda: self.get_serializer(speaker).data)


@extend_schema(tags=["quotes"])
class QuoteList(PagedListView):
    """Quotes from published posts, newest first (by when said, else when published)."""

    serializer_class = serializers.QuoteSerializer
    pagination_class = QuotePagination
    filter_class = filters.QuoteFilter

    def base_queryset(self):
        return selectors.quotes_public()

    def row_state(self, quote: Quote) -> tuple:
        post = quote.post
        return (
            caching.row_state(quote), caching.row_state(quote.speaker), caching.row_state(post),
            post.event.slug,
        )

    @extend_schema(operation_id="quotes_list", summary="List quotes", parameters=[filters.QuoteFilter])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="quote_create",
        summary="Add a quote to a post (who may edit the post)",
        parameters=[IF_MATCH],
        request=serializers.QuoteCreateSerializer,
        responses={201: serializers.QuoteSerializer},
    )
    def post(self, request):
        data = _valid(serializers.QuoteCreateSerializer, request.data)
        post = Post.objects.filter(pk=data["post"]).first()
        if post is None or not PostPolicy(request.user, post).can(Action.VIEW):
            raise ValidationError({"post": [f"No post has the id {data['post']}."]})
        quote = services.quote_add(
            post=post, speaker=data["speaker"], text=data["text"], by=request.user,
            said_at=data["said_at"], context=data["context"],
            expected_version=_expected_version(request, data.get("version")),
        )
        quote = Quote.objects.select_related("speaker", "post__event").get(pk=quote.pk)
        return Response(self.get_serializer(quote).data, status=status.HTTP_201_CREATED)
