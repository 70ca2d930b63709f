"""Unique slugs for events and speakers, from their titles and names."""

from django.utils.text import slugify


def unique_slug(model, text: str) -> str:
    base = slugify(text)[:100] or model.__name__.lower()
    slug, n = base, 2
    while model.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug
