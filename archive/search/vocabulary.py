"""The vocabulary as search sees it: every spelling of a term leads to all its spellings."""

import threading
import time
from dataclasses import dataclass

from django.db.models.signals import post_delete, post_save

from archive.models import Alias, Term
from archive.search.analysis import fold


@dataclass(frozen=True)
class TermSpellings:
    slug: str
    kind: str
    label: str
    spellings: tuple[str, ...]  # preferred label first, then aliases


class SearchVocabulary:
    """Folded spelling -> terms, plus slug lookups, rebuilt when the vocabulary changes."""

    def __init__(self):
        by_term: dict[int, TermSpellings] = {}
        aliases: dict[int, list[str]] = {}
        for term_id, label in Alias.objects.values_list("term_id", "label"):
            aliases.setdefault(term_id, []).append(label)
        self.by_spelling: dict[str, list[TermSpellings]] = {}
        self.by_slug: dict[str, TermSpellings] = {}
        for pk, slug, kind, label in Term.objects.values_list(
            "pk", "slug", "kind", "preferred_label"
        ):
            spellings = (label, *sorted(aliases.get(pk, [])))
            by_term[pk] = entry = TermSpellings(slug, kind, label, spellings)
            self.by_slug[slug] = entry
            for spelling in spellings:
                self.by_spelling.setdefault(fold(spelling), []).append(entry)
        self.max_words = max((len(k.split()) for k in self.by_spelling), default=1)

    def spellings_of(self, text: str) -> tuple[str, ...] | None:
        """All spellings of every term that `text` names, or None if it names none."""
        entries = self.by_spelling.get(fold(text))
        if not entries:
            return None
        seen: dict[str, None] = {}
        for entry in entries:
            for spelling in entry.spellings:
                seen.setdefault(spelling, None)
        return tuple(seen)

    def slug_for(self, kind_field: str, value: str, kinds: set[str]) -> str | None:
        """Resolve `camp:Dabancheng` or `camp:dabancheng-facility-1` to a slug of that kind."""
        entry = self.by_slug.get(value.lower())
        if entry and entry.kind in kinds:
            return entry.slug
        for entry in self.by_spelling.get(fold(value), []):
            if entry.kind in kinds:
                return entry.slug
        return None


# Edits in this process invalidate at once; other processes (web workers) pick them up within
# this many seconds, which keeps a vocabulary query off every search.
TTL_SECONDS = 30
_lock = threading.Lock()
_cached: SearchVocabulary | None = None
_loaded_at = 0.0


def search_vocabulary() -> SearchVocabulary:
    global _cached, _loaded_at
    with _lock:
        if _cached is None or time.monotonic() - _loaded_at > TTL_SECONDS:
            _cached, _loaded_at = SearchVocabulary(), time.monotonic()
        return _cached


def invalidate(**kwargs) -> None:
    global _cached
    with _lock:
        _cached = None


for model in (Term, Alias):
    post_save.connect(invalidate, sender=model, dispatch_uid=f"search-vocab-save-{model.__name__}")
    post_delete.connect(
        invalidate, sender=model, dispatch_uid=f"search-vocab-delete-{model.__name__}"
    )
