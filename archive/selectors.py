"""Reads that several surfaces share, each starting from the policy in archive.permissions."""

from itertools import chain

from django.db.models import Case, Count, Exists, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import ExtractYear

from archive import permissions
from archive.models import (
    Alias,
    Collection,
    CollectionVersion,
    Passage,
    Record,
    RecordKind,
    Term,
    TermKind,
)
from archive.models.vocabulary import fold_label


def latest_version(collection: Collection) -> CollectionVersion | None:
    # The manifest lists every item (megabytes at 50,000 items): pages never need it.
    return collection.versions.defer("manifest").order_by("-number").first()


def collection_record_ids(user, collection: Collection) -> frozenset[int]:
    """The records a search "within this collection" covers: an editor's working draft, or
    for readers the newest published version. The record rule still applies on top."""
    if permissions.can_edit_collection(user, collection):
        items = collection.items.all()
    else:
        version = latest_version(collection)
        if version is None:
            return frozenset()
        items = version.items.all()
    return frozenset(items.values_list("record_id", flat=True))


def editable_collection_choices(user) -> list[tuple[str, str]]:
    """(slug, title) of the collections the user may add items to, for "add to collection"."""
    if not permissions.can_create_collection(user):
        return []
    return list(permissions.editable_collections(user).values_list("slug", "title"))


# -- term pages, the home page and the corroboration table -----------------------------------


def records_tagged(user, term):
    """Records the user may see that carry the term, on the record or on one of its passages."""
    visible = permissions.visible_records(user)
    tagged = Q(tags=term) | Q(passages__tags=term)
    return visible.filter(pk__in=Record.objects.filter(tagged).values("pk"))


def passages_tagged(user, term):
    return Passage.objects.filter(
        tags=term, record__in=permissions.visible_records(user).values("pk")
    ).select_related("record")


def counts_by_year(records) -> list[tuple[int, int]]:
    """(year the described events start, how many records), oldest first; undated left out."""
    rows = (
        records.exclude(event_start__isnull=True)
        .annotate(year=ExtractYear("event_start"))
        .values("year")
        .annotate(n=Count("pk", distinct=True))
        .order_by("year")
    )
    return [(row["year"], row["n"]) for row in rows]


def narrator_key(record_pk: int, pseudonym: str | None) -> str:
    """Testimonies count as independent when their narrators differ; a testimony without
    narrator details counts as its own narrator."""
    return f"narrator:{pseudonym.strip().casefold()}" if pseudonym else f"record:{record_pk}"


def distinct_narrators(records) -> int:
    rows = records.filter(kind=RecordKind.TESTIMONY).values_list(
        "pk", "testimony__narrator_pseudonym"
    )
    return len({narrator_key(pk, name) for pk, name in rows})


def term_counts(user, kind: str, limit: int = 10) -> list[tuple[Term, int]]:
    """The terms of a kind most often found on records the user may see, with those counts."""
    counts = records_per_term(user, kind)
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    terms = Term.objects.in_bulk([term_id for term_id, _ in top])
    return [(terms[term_id], n) for term_id, n in top]


def records_by_term(kinds) -> dict[int, set[int]]:
    """{term id: ids of the records carrying it, on the record or on one of its passages},
    for the terms of these kinds, over every record: callers narrow it to what a user may
    see. Plain reads of the tag rows, because SQLite plans "record_id IN (visible records)"
    over them some fifty times slower than reading them all and filtering here."""
    pairs = chain(
        Record.tags.through.objects.filter(term__kind__in=kinds).values_list(
            "term_id", "record_id"
        ),
        Passage.tags.through.objects.filter(term__kind__in=kinds).values_list(
            "term_id", "passage__record_id"
        ),
    )
    out: dict[int, set[int]] = {}
    for term_id, record_id in pairs:
        out.setdefault(term_id, set()).add(record_id)
    return out


def records_per_term(user, kind: str) -> dict[int, int]:
    """{term id: records the user may see tagged with it, on the record or a passage}."""
    visible = set(permissions.visible_records(user).values_list("pk", flat=True))
    counts = {term: len(records & visible) for term, records in records_by_term([kind]).items()}
    return {term: n for term, n in counts.items() if n}


def corroboration(user) -> dict:
    """Practices against camps: for each pair, the distinct narrators of testimony the user
    may see that describes both (on the record or any of its passages)."""
    testimony = permissions.visible_records(user).filter(kind=RecordKind.TESTIMONY)
    narrator = {
        pk: narrator_key(pk, name)
        for pk, name in testimony.values_list("pk", "testimony__narrator_pseudonym")
    }
    tags: dict[int, set[int]] = {pk: set() for pk in narrator}
    for term_id, records in records_by_term([TermKind.CAMP, TermKind.PRACTICE]).items():
        for record_id in records & narrator.keys():
            tags[record_id].add(term_id)
    terms = Term.objects.in_bulk({t for found in tags.values() for t in found})
    cells: dict[tuple[int, int], set[str]] = {}
    for record_id, found in tags.items():
        camps = [t for t in found if terms[t].kind == TermKind.CAMP]
        practices = [t for t in found if terms[t].kind == TermKind.PRACTICE]
        for p in practices:
            for c in camps:
                cells.setdefault((p, c), set()).add(narrator[record_id])
    camps = sorted({terms[c] for _, c in cells}, key=lambda t: t.preferred_label)
    practices = sorted({terms[p] for p, _ in cells}, key=lambda t: t.preferred_label)
    return {
        "camps": camps,
        "rows": [(p, [(c, len(cells.get((p.pk, c.pk), ()))) for c in camps]) for p in practices],
    }


def terms_best_first(terms: QuerySet[Term], text: str) -> QuerySet[Term]:
    """Terms matching typed text, ordered so that a term whose label or alias is exactly the
    text comes first, then those that start with it, then the rest (a word in a description,
    say): typing "Uyghurs" offers Uyghurs before Turkic peoples."""
    text = text.strip()
    if not text:
        return terms
    folded = fold_label(text)
    aliases = Alias.objects.filter(term=OuterRef("pk"))
    rank = Case(
        When(
            Q(preferred_label__iexact=text) | Q(Exists(aliases.filter(folded=folded))),
            then=Value(0),
        ),
        When(
            Q(preferred_label__istartswith=text)
            | Q(Exists(aliases.filter(folded__startswith=folded))),
            then=Value(1),
        ),
        default=Value(2),
    )
    return terms.annotate(match_rank=rank).order_by("match_rank", "preferred_label", "kind")


def existing_term_slugs(slugs) -> frozenset[str]:
    """Which of these slugs (from a version's snapshot) still name a term."""
    return frozenset(Term.objects.filter(slug__in=list(slugs)).values_list("slug", flat=True))
