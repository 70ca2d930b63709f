"""A webhook endpoint as its partner registers and reads it; the secret only in the answer to POST."""

from rest_framework import serializers

from liveblog.api.filters import Text
from liveblog.api.serializers import PublicModelSerializer
from webhooks import services
from webhooks.models import WebhookEndpoint


class WebhookCreateSerializer(serializers.Serializer):
    url = Text(
        max_length=services.MAX_URL_LENGTH,
        help_text="Where every change is POSTed: an http:// or https:// URL.",
    )
    events = serializers.ListField(
        child=serializers.SlugField(max_length=200),
        allow_empty=False,
        max_length=services.MAX_EVENTS_PER_ENDPOINT,
        help_text="The slugs of the events to follow.",
    )

    def validate_url(self, url):
        return services.webhook_url_check(url)

    def validate_events(self, slugs):
        return services.webhook_events_find(slugs)


class WebhookSerializer(PublicModelSerializer):
    """An endpoint, as GET shows it: never its secret."""

    events = serializers.SerializerMethodField()
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "events", "is_active", "created_at", "disabled_at", "disabled_reason"]
        read_only_fields = fields

    def get_events(self, endpoint) -> list[str]:
        return [subscription.event.slug for subscription in endpoint.subscriptions.all()]


class WebhookCreatedSerializer(WebhookSerializer):
    """The answer to POST: the endpoint and, this once, the secret its deliveries are signed with."""

    secret = serializers.SerializerMethodField()

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]
        read_only_fields = fields

    def get_secret(self, endpoint) -> str:
        return self.context["secret"]


class WebhookListSerializer(serializers.Serializer):
    results = WebhookSerializer(many=True)
