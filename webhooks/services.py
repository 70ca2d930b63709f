"""State changes for webhooks: registering, changing, re-enabling and removing endpoints.

The API (a partner, with its own key) and the admin (whoever may manage partner
keys) both come here, so the URL rules, the limit per key and "new endpoints
start from the event's current seq" hold for both.
"""

import secrets
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction

from accounts.models import PartnerApiKey, User
from accounts.roles import Action, user_require
from liveblog.models import Event
from webhooks.models import WebhookEndpoint, WebhookSubscription

MAX_ENDPOINTS_PER_KEY = 20
MAX_EVENTS_PER_ENDPOINT = 50
MAX_URL_LENGTH = 2000


def webhook_url_check(url: str) -> str:
    """The URL as it will be called, or a ValidationError saying what is wrong with it.

    Only http and https: anything else (file:, gopher:, ftp:) could make our
    worker read or talk to things no partner should reach through us.
    """
    url = url.strip()
    if not url:
        raise ValidationError("Give the URL deliveries should be POSTed to.", code="required")
    if len(url) > MAX_URL_LENGTH:
        raise ValidationError(f"A webhook URL is at most {MAX_URL_LENGTH} characters.", code="too_long")
    scheme = urlsplit(url).scheme.lower() if "://" in url else ""
    if scheme not in ("http", "https"):
        raise ValidationError(
            f"Webhook URLs start with http:// or https://; {url[:40]!r} does not.", code="scheme"
        )
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ValidationError(f"{url[:80]!r} is not a URL we can POST to.", code="invalid") from None
    return url


def webhook_events_find(slugs: Iterable[str]) -> list[Event]:
    """The events with these slugs, in the order given; a ValidationError names any unknown one."""
    wanted = list(dict.fromkeys(slugs))
    if not wanted:
        raise ValidationError("Name at least one event to follow (its slug).", code="required")
    if len(wanted) > MAX_EVENTS_PER_ENDPOINT:
        raise ValidationError(f"An endpoint follows at most {MAX_EVENTS_PER_ENDPOINT} events.", code="too_many")
    found = {event.slug: event for event in Event.objects.filter(slug__in=wanted)}
    unknown = [slug for slug in wanted if slug not in found]
    if unknown:
        names = ", ".join(repr(slug[:60]) for slug in unknown[:5])
        raise ValidationError(f"No event has the slug {names}.", code="unknown_event")
    return [found[slug] for slug in wanted]


def _require_manager(by: User | None) -> None:
    # by=None is the partner itself, through the API with its own key; people need the admin right.
    if by is not None:
        user_require(by, Action.MANAGE_API_KEYS)


@transaction.atomic
def webhook_create(
    *, partner_key: PartnerApiKey, url: str, events: Iterable[Event], by: User | None = None
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint for a partner; returns it and its signing secret, shown once.

    It receives the changes made from now on; what came before is in the
    changes feed (`?after=0`).
    """
    _require_manager(by)
    events = list(events)
    # Locks the key row, so two requests at once cannot both pass the limit.
    PartnerApiKey.objects.select_for_update().get(pk=partner_key.pk)
    if not partner_key.is_active:
        raise ValidationError("This partner key is revoked; its webhooks cannot be changed.", code="revoked")
    if WebhookEndpoint.objects.filter(partner_key=partner_key).count() >= MAX_ENDPOINTS_PER_KEY:
        raise ValidationError(
            f"A partner key has at most {MAX_ENDPOINTS_PER_KEY} webhook endpoints; delete one first.",
            code="too_many",
        )
    secret = secrets.token_hex(32)
    endpoint = WebhookEndpoint.objects.create(
        partner_key=partner_key, url=webhook_url_check(url), secret=secret, created_by=by
    )
    _subscriptions_set(endpoint=endpoint, events=events)
    return endpoint, secret


@transaction.atomic
def webhook_update(*, endpoint: WebhookEndpoint, url: str, events: Iterable[Event], by: User) -> WebhookEndpoint:
    """Change where an endpoint is and which events it follows (the admin). Events it keeps
    following keep their place; new ones start from their current seq."""
    _require_manager(by)
    endpoint.url = webhook_url_check(url)
    endpoint.save(update_fields=["url"])
    _subscriptions_set(endpoint=endpoint, events=list(events))
    return endpoint


def _subscriptions_set(*, endpoint: WebhookEndpoint, events: list[Event]) -> None:
    if not events:
        raise ValidationError("Name at least one event to follow (its slug).", code="required")
    wanted = {event.pk: event for event in events}
    endpoint.subscriptions.exclude(event_id__in=wanted).delete()
    kept = set(endpoint.subscriptions.values_list("event_id", flat=True))
    # The event's seq now, read from the row: changes committed before this one are not sent.
    current = dict(Event.objects.filter(pk__in=wanted).values_list("pk", "seq"))
    WebhookSubscription.objects.bulk_create(
        WebhookSubscription(endpoint=endpoint, event_id=pk, last_delivered_seq=current[pk])
        for pk in wanted if pk not in kept
    )


def webhook_enable(*, endpoint: WebhookEndpoint, by: User) -> WebhookEndpoint:
    """Turn a disabled endpoint back on (the partner fixed it): it resumes where it stopped."""
    _require_manager(by)
    endpoint.disabled_at = None
    endpoint.disabled_reason = ""
    endpoint.failing_since = None
    endpoint.failures_in_a_row = 0
    endpoint.next_attempt_at = None
    endpoint.save(
        update_fields=["disabled_at", "disabled_reason", "failing_since", "failures_in_a_row", "next_attempt_at"]
    )
    return endpoint


def webhook_delete(*, endpoint: WebhookEndpoint, by: User | None = None) -> None:
    """Stop delivering to an endpoint and forget it, with its delivery log."""
    _require_manager(by)
    endpoint.delete()
