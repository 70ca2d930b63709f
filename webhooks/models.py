"""Partner webhooks: where to POST an event's public changes, how far each got, and every attempt.

An endpoint belongs to a partner key and follows one or more events; for each
event it keeps a cursor (the last seq delivered), so what it receives is the
event's change log after that cursor, in order. The secret is kept as issued:
the server needs it to sign every delivery, so it cannot be stored as a hash.
"""

from django.conf import settings
from django.db import models

from accounts.models import PartnerApiKey
from liveblog.models import Event


class WebhookEndpoint(models.Model):
    """A partner's URL that receives the public changes of the events it follows."""

    partner_key = models.ForeignKey(PartnerApiKey, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(max_length=2000, help_text="Where deliveries are POSTed (http or https).")
    # Plain: every delivery is signed with it, so the server must be able to read it back.
    secret = models.CharField(max_length=64, editable=False)
    events = models.ManyToManyField(Event, through="WebhookSubscription", related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Retry state, shared by the endpoint's events: one URL that is down is down for all of them.
    failing_since = models.DateTimeField(null=True, blank=True)
    failures_in_a_row = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = "webhook endpoint"
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.url

    @property
    def is_active(self) -> bool:
        return self.disabled_at is None


class WebhookSubscription(models.Model):
    """One event an endpoint follows, and the last of its changes the endpoint has received."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="subscriptions")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    last_delivered_seq = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["endpoint", "event"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="webhook_subscription_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.endpoint} ← {self.event.slug} after {self.last_delivered_seq}"


class WebhookDelivery(models.Model):
    """One attempt to deliver one change: what the partner answered, or why it did not."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    seq = models.PositiveBigIntegerField()
    attempted_at = models.DateTimeField()
    is_success = models.BooleanField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField()

    class Meta:
        verbose_name = "webhook delivery"
        verbose_name_plural = "webhook deliveries"
        ordering = ["-attempted_at", "-pk"]
        indexes = [
            models.Index(fields=["endpoint", "-attempted_at"], name="webhook_delivery_recent"),
            models.Index(fields=["attempted_at"], name="webhook_delivery_age"),  # pruning
        ]

    def __str__(self) -> str:
        outcome = "delivered" if self.is_success else "failed"
        return f"{self.event_id}#{self.seq} to {self.endpoint_id}: {outcome}"
