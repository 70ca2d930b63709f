"""Event services: open coverage, change its status and details, set its key points."""

from collections.abc import Sequence
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from liveblog import rendering
from liveblog.changelog import change_log, event_lock, seq_take
from liveblog.models import Event, EventChange, KeyPoint
from liveblog.permissions import Action, EventPolicy
from liveblog.services.images import image_check
from liveblog.services.slugs import unique_slug

MAX_KEY_POINTS = 12


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
    EventPolicy(by).require(Action.MANAGE_EVENTS)
    event = Event(
        title=title.strip(),
        slug=slug or unique_slug(Event, title),
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
    EventPolicy(by, event).require(Action.MANAGE_EVENTS)
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
    EventPolicy(by, event).require(Action.SET_KEY_POINTS)
    cleaned = [point.strip() for point in points if point and point.strip()]
    if len(cleaned) > MAX_KEY_POINTS:
        raise ValidationError(f"An event has at most {MAX_KEY_POINTS} key points.")
    event = event_lock(event_id=event.pk)
    key_points = [KeyPoint(event=event, position=i, text=text) for i, text in enumerate(cleaned)]
    for key_point in key_points:
        key_point.full_clean(exclude=["event"])
    KeyPoint.objects.filter(event=event).delete()
    KeyPoint.objects.bulk_create(key_points)
    change_log(
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


@transaction.atomic
def event_update(
    *, event: Event, by, title: str | None = None, standfirst: str | None = None, time_zone: str | None = None
) -> Event:
    """Change an event's title, standfirst or time zone; readers' pages follow."""
    EventPolicy(by, event).require(Action.MANAGE_EVENTS)
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


@transaction.atomic
def event_set_lead_image(*, event: Event, by, image, alt_text: str) -> Event:
    """Give the event the picture link previews and search results show. A public change:
    the live page shows it, and caches keyed by the event's seq must not keep the old one."""
    EventPolicy(by, event).require(Action.MANAGE_EVENTS)
    alt_text = alt_text.strip()
    if not alt_text:
        raise ValidationError({"lead_image_alt": "Say what the picture shows, for readers who cannot see it."})
    image_check(image)
    event = event_lock(event_id=event.pk)
    event.lead_image = image
    event.lead_image_alt = alt_text
    event.full_clean()
    event.save()
    _event_push(event, by=by)
    return event


def _event_push(event: Event, *, by) -> None:
    """Send the event's title, standfirst and status to readers as one public change."""
    change_log(
        event=event,
        seq=seq_take(event=event),
        action=EventChange.Action.EVENT_UPDATED,
        message={"type": "event", "event": rendering.event_state(event)},
        by=by,
    )
