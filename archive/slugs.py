"""Slugs for new rows: `unique_slug` for public vocabulary ("base", "base-2", … the first
not taken) and `unguessable_slug` for rows some readers may not see (collections)."""

import secrets

from django.utils.text import slugify

# Lowercase letters and digits without the look-alikes (0/o, 1/l/i), as slugs get read aloud.
SUFFIX_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
SUFFIX_LENGTH = 6


def _base(model, text: str, fallback: str) -> str:
    limit = model._meta.get_field("slug").max_length
    return (slugify(text) or fallback)[: limit - 8]  # room for "-" and a counter or suffix


def unique_slug(model, text: str, *, fallback: str) -> str:
    """A slug for `text` (or `fallback` when it has no slug-able character) that no row of
    `model` uses yet, short enough for the model's slug field. Only for tables every reader
    sees whole: "-2" says a row with the plain slug exists."""
    base = _base(model, text, fallback)
    slug, n = base, 2
    while model.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def unguessable_slug(model, text: str, *, fallback: str) -> str:
    """A slug for `text` with a random suffix on every new row, so the slug a creator gets
    is the same whether or not a row they cannot see bears the same title (a sequential
    "-2" would reveal a private collection), and a hidden row's slug cannot be guessed from
    its title."""
    base = _base(model, text, fallback)
    while True:
        suffix = "".join(secrets.choice(SUFFIX_ALPHABET) for _ in range(SUFFIX_LENGTH))
        slug = f"{base}-{suffix}"
        # A clash is about one in a billion and invisible to the creator: draw again.
        if not model.objects.filter(slug=slug).exists():
            return slug
