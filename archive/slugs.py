"""Slugs that are free in their table: the first "base", "base-2", "base-3" … not taken."""

from django.utils.text import slugify


def unique_slug(model, text: str, *, fallback: str) -> str:
    """A slug for `text` (or `fallback` when it has no slug-able character) that no row of
    `model` uses yet, short enough for the model's slug field."""
    limit = model._meta.get_field("slug").max_length
    base = (slugify(text) or fallback)[: limit - 8]  # room for "-" and a counter
    slug, n = base, 2
    while model.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug
