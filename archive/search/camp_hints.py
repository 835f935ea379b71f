"""What to tell a reader whose `camp:` search found nothing: whether the word names a
facility at all, and where records about it are kept instead. Built from the vocabulary alone,
which is public, never from records: the hint is the same whatever the reader may see."""

from archive.models import TermKind
from archive.search.query_language import And, Field, Not, Or, Range, Word
from archive.search.vocabulary import SearchVocabulary


def _camp_values(node) -> list[str]:
    if isinstance(node, Field):
        exact = not isinstance(node.value, Range) and not (
            isinstance(node.value, Word) and node.value.prefix
        )
        return [node.value.text] if node.name == "camp" and exact else []
    if isinstance(node, And | Or):
        return [v for child in node.children for v in _camp_values(child)]
    if isinstance(node, Not):
        return []  # a NOT camp: that finds nothing is not the camp's doing
    return []


def camp_hint(node, vocabulary: SearchVocabulary) -> str | None:
    """A sentence for the first `camp:` value of an empty search, or None if it has none."""
    for text in _camp_values(node):
        facility = vocabulary.slug_for("camp", text, {TermKind.CAMP})
        if facility and not isinstance(node, Field):
            continue  # the rest of the query may be what found nothing
        if facility:
            label = vocabulary.by_slug[facility].label
            return (
                f"No record you may read is tagged with {label} yet. Archivists tag a record "
                "with a facility when its text names that facility; records that name only "
                "the county or prefecture carry a place: tag, linked from the facility's page."
            )
        place = vocabulary.slug_for("place", text, {TermKind.PLACE})
        if place:
            label = vocabulary.by_slug[place].label
            return (
                f"“{text}” is the place {label}, not a facility: camp: takes a facility of "
                f"the ASPI dataset such as camp:guma-facility-1. Try place:{place} for records "
                f"about {label}; its page lists the facilities in it."
            )
        return (
            f"“{text}” names no facility. camp: takes a facility of the ASPI dataset by name "
            "or slug, such as camp:guma-facility-1; the facility map lists all of them."
        )
    return None
