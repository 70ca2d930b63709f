"""What partners read and what newsroom tools send, field by field.

A post reads the same in a page of posts, in the changes feed and on the live
socket: all three come from liveblog/representation.py. The serializers here
declare the fields for the OpenAPI schema and hand the values to that builder.
"""

import json

from django.db import models
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from liveblog import representation
from liveblog.api.filters import Text
from liveblog.models import Event, Post, Quote, Speaker

MAX_QUOTES_PER_POST = 20
MAX_KEY_POINTS_SENT = 50
# The one time format (liveblog.representation.timestamp), for the schema: UTC, `Z`.
TIMESTAMP_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?Z$"


# Reading ---------------------------------------------------------------------------------------


@extend_schema_field({"type": "string", "format": "date-time", "pattern": TIMESTAMP_PATTERN})
class Timestamp(serializers.DateTimeField):
    """A time as every output writes it: ISO 8601 in UTC with a `Z`."""

    def to_representation(self, value):
        return representation.timestamp(value)


class PublicModelSerializer(serializers.ModelSerializer):
    """Model times come out as `Timestamp`s."""

    serializer_field_mapping = {**serializers.ModelSerializer.serializer_field_mapping, models.DateTimeField: Timestamp}


class AuthorSerializer(serializers.Serializer):
    """One name of a post's byline (for the schema: PostSerializer's values come from the builder)."""

    name = serializers.CharField(read_only=True)
    job_title = serializers.CharField(read_only=True)


class SpeakerSummarySerializer(PublicModelSerializer):
    class Meta:
        model = Speaker
        fields = ["name", "slug", "role", "organisation"]
        read_only_fields = fields


class PostQuoteSerializer(PublicModelSerializer):
    speaker = SpeakerSummarySerializer()

    class Meta:
        model = Quote
        fields = ["id", "text", "context", "said_at", "speaker"]
        read_only_fields = fields


class MediaItemSerializer(serializers.Serializer):
    """One picture of a post's `media` (for the schema, like AuthorSerializer)."""

    type = serializers.ChoiceField(choices=["image"])
    url = serializers.URLField()
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)
    alt_text = serializers.CharField()
    caption = serializers.CharField()
    credit = serializers.CharField()


class LeadImageSerializer(serializers.Serializer):
    """The picture at the top of an event's live page (for the schema, like MediaItemSerializer)."""

    url = serializers.URLField()
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)
    alt_text = serializers.CharField()


class PostSerializer(PublicModelSerializer):
    """A post as readers see it (drafts only reach the journalists who may edit them).

    The fields below are what the schema says; the values are
    `representation.post_public`'s, with absolute links, plus `version`.
    """

    body_text = serializers.CharField(read_only=True, help_text="The body as plain text.")
    authors = AuthorSerializer(many=True, read_only=True, help_text="The byline, in order.")
    quotes = PostQuoteSerializer(many=True, read_only=True)
    media = MediaItemSerializer(
        many=True,
        read_only=True,
        help_text="The post's images, in order, with alt text, caption and credit. "
        "Embeds (videos, social posts) are part of body_html.",
    )
    permalink = serializers.URLField(read_only=True, help_text="The post on the event's live page.")

    class Meta:
        model = Post
        fields = [
            "id", "seq", "version", "status", "kind", "headline", "body_html", "body_text",
            "is_pinned", "is_key_event", "published_at", "updated_at", "correction_note", "authors",
            "quotes", "media", "permalink",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "seq": {"allow_null": True, "help_text": "The event seq of this post's last public change; null for drafts."},
            "version": {"help_text": "Send it back with an edit (optimistic locking)."},
        }

    def to_representation(self, post: Post) -> dict:
        public = representation.post_public(post)
        if "version" in self.fields:  # ChangedPostSerializer, the feed's post, has none
            public["version"] = post.version
        return representation.absolute_links(public, absolute=self.context["request"].build_absolute_uri)


class PostTombstoneSerializer(PublicModelSerializer):
    """What is left of a retracted post: enough for a client to remove it."""

    class Meta:
        model = Post
        fields = ["id", "seq", "status", "retracted_at", "retraction_note"]
        read_only_fields = fields

    def to_representation(self, post: Post) -> dict:
        return representation.post_tombstone(post)


def post_representation(post: Post, *, request) -> dict:
    serializer = PostTombstoneSerializer if post.status == Post.Status.RETRACTED else PostSerializer
    return serializer(post, context={"request": request}).data


class EventSerializer(PublicModelSerializer):
    seq = serializers.IntegerField(read_only=True, help_text="The number of the event's latest public change.")
    url = serializers.SerializerMethodField(help_text="This event in the API.")
    posts_url = serializers.SerializerMethodField()
    live_url = serializers.SerializerMethodField(help_text="The event's live page, for readers.")
    lead_image = serializers.SerializerMethodField(help_text="The picture at the top of the live page, or null.")

    class Meta:
        model = Event
        fields = [
            "slug", "title", "standfirst", "status", "time_zone", "starts_at", "ends_at", "lead_image", "seq",
            "url", "posts_url", "live_url",
        ]
        read_only_fields = fields

    @extend_schema_field(LeadImageSerializer(allow_null=True))
    def get_lead_image(self, event: Event) -> dict | None:
        state = representation.event_absolute_links(
            {"lead_image": representation.event_lead_image(event)}, absolute=self.context["request"].build_absolute_uri
        )
        return state["lead_image"]

    def get_url(self, event: Event) -> str:
        return reverse("api:event-detail", kwargs={"slug": event.slug}, request=self.context["request"])

    def get_posts_url(self, event: Event) -> str:
        return reverse("api:event-posts", kwargs={"slug": event.slug}, request=self.context["request"])

    def get_live_url(self, event: Event) -> str:
        return self.context["request"].build_absolute_uri(event.get_absolute_url())


class EventDetailSerializer(EventSerializer):
    key_points = serializers.SerializerMethodField(help_text="The key points box, in reading order.")

    class Meta(EventSerializer.Meta):
        fields = [*EventSerializer.Meta.fields, "key_points"]
        read_only_fields = fields

    def get_key_points(self, event: Event) -> list[str]:
        return [point.text for point in event.key_points.all()]


class SpeakerSerializer(PublicModelSerializer):
    description = serializers.CharField(read_only=True, help_text='Role and organisation: "Prime Minister, United Kingdom".')
    photo = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    quotes_url = serializers.SerializerMethodField(help_text="This speaker's quotes, newest first.")

    class Meta:
        model = Speaker
        fields = ["slug", "name", "role", "organisation", "description", "bio", "photo", "url", "quotes_url"]
        read_only_fields = fields

    def get_photo(self, speaker: Speaker) -> str | None:
        return self.context["request"].build_absolute_uri(speaker.photo.url) if speaker.photo else None

    def get_url(self, speaker: Speaker) -> str:
        return reverse("api:speaker-detail", kwargs={"slug": speaker.slug}, request=self.context["request"])

    def get_quotes_url(self, speaker: Speaker) -> str:
        base = reverse("api:quote-list", request=self.context["request"])
        return f"{base}?speaker={speaker.slug}"


class QuoteSerializer(PublicModelSerializer):
    speaker = SpeakerSummarySerializer()
    quoted_at = serializers.SerializerMethodField(help_text="When said; when that is unknown, when published.")
    event = serializers.SlugRelatedField(source="post.event", slug_field="slug", read_only=True)
    permalink = serializers.SerializerMethodField(help_text="The post the quote appears in.")

    class Meta:
        model = Quote
        fields = ["id", "text", "context", "said_at", "quoted_at", "speaker", "event", "post", "permalink"]
        read_only_fields = fields

    @extend_schema_field(Timestamp(allow_null=True))
    def get_quoted_at(self, quote: Quote):
        return representation.timestamp(getattr(quote, "quoted_at", None) or quote.said_at or quote.post.published_at)

    def get_permalink(self, quote: Quote) -> str:
        return self.context["request"].build_absolute_uri(quote.post.get_absolute_url())


# The changes feed (?after=) --------------------------------------------------------------------


def change_for_partner(message: str, *, absolute) -> dict:
    """A logged change as the websocket sent it, less the live page's HTML, with absolute links
    (`absolute` is typically `request.build_absolute_uri`)."""
    change = json.loads(message)
    change.pop("html", None)
    post = change.get("post")
    if post is not None:
        post.pop("html", None)
        change["post"] = representation.absolute_links(post, absolute=absolute)
    if change.get("type") == "event":
        change["event"] = representation.event_absolute_links(change["event"], absolute=absolute)
    return change


class ChangedPostSerializer(PostSerializer):
    """A post in the changes feed: a post's fields as in a page of posts, without `version`."""

    status = serializers.ChoiceField(choices=[Post.Status.PUBLISHED], read_only=True)

    class Meta(PostSerializer.Meta):
        fields = [name for name in PostSerializer.Meta.fields if name != "version"]
        read_only_fields = fields


class EventStateSerializer(PublicModelSerializer):
    """The event as a change of type `event` carries it (`representation.event_public`)."""

    # Not in changes logged before events carried their lead image.
    lead_image = LeadImageSerializer(read_only=True, allow_null=True, required=False)

    class Meta:
        model = Event
        fields = ["slug", "title", "standfirst", "status", "starts_at", "ends_at", "lead_image"]
        read_only_fields = fields

    def to_representation(self, event: Event) -> dict:
        return representation.event_public(event)


@extend_schema_field(
    PolymorphicProxySerializer(
        component_name="ChangedPostOrTombstone",
        serializers=[ChangedPostSerializer, PostTombstoneSerializer],
        resource_type_field_name=None,
    )
)
class ChangedPostField(serializers.JSONField):
    pass


class ChangeSerializer(serializers.Serializer):
    """One public change: `post` for type post, `key_points` for key_points, `event` for event."""

    seq = serializers.IntegerField()
    type = serializers.ChoiceField(choices=["post", "key_points", "event"])
    action = serializers.ChoiceField(
        required=False,
        choices=[
            "post_published", "post_edited", "post_pinned", "post_unpinned",
            "post_key_event", "post_not_key_event", "post_retracted",
        ],
    )
    post = ChangedPostField(required=False)
    key_points = serializers.ListField(child=serializers.CharField(), required=False)
    event = EventStateSerializer(required=False)


class ChangePageSerializer(serializers.Serializer):
    """Changes after `after`, oldest first; poll again with after=`last_seq`."""

    after = serializers.IntegerField()
    last_seq = serializers.IntegerField(help_text="The seq of the last change here (or `after` when none).")
    seq = serializers.IntegerField(help_text="The event's latest seq when this page was read.")
    has_more = serializers.BooleanField(help_text="More changes are waiting: follow `next` now.")
    next = serializers.URLField(allow_null=True)
    changes = ChangeSerializer(many=True)


class PostPageSerializer(serializers.Serializer):
    """Published posts, newest first."""

    seq = serializers.IntegerField(help_text="The event's seq when this page was read: poll with after=seq.")
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = PostSerializer(many=True)


# Writing ---------------------------------------------------------------------------------------


class QuoteInputSerializer(serializers.Serializer):
    speaker = serializers.SlugField(max_length=140, help_text="The speaker's slug (see /api/v1/speakers/).")
    text = Text(max_length=5000)
    context = Text(max_length=200, required=False, allow_blank=True, default="", help_text='e.g. "told reporters".')
    said_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


def speakers_by_slug(slugs) -> dict[str, Speaker]:
    """The speakers named, in one query; a ValidationError names any that do not exist."""
    slugs = set(slugs)
    found = Speaker.objects.in_bulk(slugs, field_name="slug")
    missing = sorted(slugs - set(found))
    if missing:
        raise serializers.ValidationError(f"No speaker has the slug {', '.join(missing)}.")
    return found


class PostCreateSerializer(serializers.Serializer):
    headline = Text(max_length=200, required=False, allow_blank=True, default="")
    body = Text(
        max_length=100_000, required=False, allow_blank=True, default="",
        help_text="The text as a journalist types it in the admin; rendered and sanitized before readers see it.",
    )
    kind = serializers.ChoiceField(choices=Post.Kind.choices, default=Post.Kind.UPDATE)
    status = serializers.ChoiceField(
        choices=[Post.Status.DRAFT, Post.Status.PUBLISHED],
        default=Post.Status.DRAFT,
        help_text="published needs the editor role.",
    )
    is_key_event = serializers.BooleanField(default=False)
    is_pinned = serializers.BooleanField(default=False, help_text="Only a published post can be pinned.")
    quotes = QuoteInputSerializer(many=True, required=False, max_length=MAX_QUOTES_PER_POST)

    def validate_quotes(self, quotes):
        speakers = speakers_by_slug(quote["speaker"] for quote in quotes)
        return [{**quote, "speaker": speakers[quote["speaker"]]} for quote in quotes]


class PostUpdateSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1,
        help_text="The version you started from (or send it as If-Match). A stale one gets 409.",
    )
    headline = Text(max_length=200, required=False, allow_blank=True)
    body = Text(max_length=100_000, required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=Post.Kind.choices, required=False)
    status = serializers.ChoiceField(
        choices=[Post.Status.PUBLISHED, Post.Status.RETRACTED],
        required=False,
        help_text="published publishes a draft; retracted takes a published post down (editors).",
    )
    retraction_note = Text(max_length=300, required=False, allow_blank=True, default="")
    is_pinned = serializers.BooleanField(required=False)
    is_key_event = serializers.BooleanField(required=False)

    def validate(self, attrs):
        if attrs.get("status") == Post.Status.RETRACTED:
            others = sorted(set(attrs) - {"status", "retraction_note", "version"})
            if others:
                raise serializers.ValidationError(
                    {"status": [f"Retract on its own; leave out {', '.join(others)}."]}
                )
        return attrs


class EventUpdateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Event.Status.choices, required=False)
    key_points = serializers.ListField(
        child=Text(max_length=400, allow_blank=True),
        required=False,
        max_length=MAX_KEY_POINTS_SENT,
        help_text="The whole key points box, in order (at most 12 non-blank lines).",
    )


class SpeakerCreateSerializer(serializers.Serializer):
    name = Text(max_length=120)
    slug = serializers.SlugField(max_length=140, required=False, allow_blank=True, default="")
    role = Text(max_length=120, required=False, allow_blank=True, default="")
    organisation = Text(max_length=120, required=False, allow_blank=True, default="")
    bio = Text(max_length=5000, required=False, allow_blank=True, default="")


class QuoteCreateSerializer(QuoteInputSerializer):
    post = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text="The post's id.")
    version = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1,
        help_text="Optional: the post version you started from; a stale one gets 409.",
    )

    def validate_speaker(self, slug):
        return speakers_by_slug([slug])[slug]
