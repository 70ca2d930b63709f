"""Small helpers for reader templates."""

from datetime import UTC, datetime

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def publisher_name() -> str:
    return settings.LIVEBLOG_PUBLISHER_NAME


@register.filter
def html_datetime(value: datetime | None) -> str:
    """A `datetime` attribute value HTML accepts: UTC, whole seconds, `Z` (HTML allows at most
    three fractional digits; Python's isoformat writes six)."""
    if value is None:
        return ""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
