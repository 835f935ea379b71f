"""Searching: the query language compiled to Whoosh, run with the user's access filter.

The access filter is part of every engine query (main results, counts, facets, passages,
suggestions, more-like-this); nothing is filtered after hits are fetched. Counts and facets
are of records; passages only pick and highlight the best paragraphs of the page's records.
"""

import difflib
import math
import re
import uuid
from dataclasses import dataclass, field

from whoosh import query as wq

from archive import permissions
from archive.models import IndexQueue, Passage, Record, RecordKind, TermKind
from archive.search import answers, engine, evaluate, limits, postings
from archive.search.analysis import analyze, fold, highlight_html, stem
from archive.search.camp_hints import camp_hint
from archive.search.evaluate import TEXT_FIELD, WORDS_FIELD, Evaluator, IndexView, LRUCache
from archive.search.facets import (
    FACET_INDEX_FIELD,
    FACETS,
    FacetColumns,
    rank_key,
)
from archive.search.query_language import (
    And,
    Field,
    Not,
    Or,
    Phrase,
    Range,
    Word,
    describe,
    parse,
    positive_leaves,
)
from archive.search.scoring import LocalExpansion
from archive.search.vocabulary import SearchVocabulary, search_vocabulary

TEXT = TEXT_FIELD  # the Evaluator reads it as records' `words` and passages' `text`
WORD_RE = re.compile(r"\w+")
PAGE_SIZE = 20
PASSAGES_PER_RECORD = 3
FACET_LIMIT = 15
SORTS = ("relevance", "date", "-date")

# Query-language field -> (index field, term kinds it resolves against).
TAG_FIELDS = {
    "camp": {TermKind.CAMP},
    "practice": {TermKind.PRACTICE},
    "technology": {TermKind.TECHNOLOGY},
    "org": {TermKind.ORGANIZATION},
    "place": {TermKind.PLACE, TermKind.CAMP},
    "person": {TermKind.PERSON},
    "group": {TermKind.ETHNIC_GROUP},
}
KIND_ALIASES = {
    "testimony": RecordKind.TESTIMONY,
    "testimonies": RecordKind.TESTIMONY,
    "article": RecordKind.ARTICLE_EXCERPT,
    "articles": RecordKind.ARTICLE_EXCERPT,
    "article_excerpt": RecordKind.ARTICLE_EXCERPT,
    "excerpt": RecordKind.ARTICLE_EXCERPT,
}
LANGUAGE_NAMES = {
    "en": "English",
    "zh": "Chinese",
    "ug": "Uyghur",
    "kk": "Kazakh",
    "ru": "Russian",
    "tr": "Turkish",
    "de": "German",
    "fr": "French",
    "ky": "Kyrgyz",
}


@dataclass
class SearchParams:
    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    page_size: int = PAGE_SIZE
    # A collection's slug, and the records a search within it covers (set by the caller
    # from archive.selectors.collection_record_ids); None searches the whole archive.
    collection: str = ""
    within: frozenset[int] | None = None


@dataclass
class PassageHit:
    number: int
    highlight: str  # safe HTML
    url: str


@dataclass
class RecordHit:
    record: Record
    score: float | None
    passages: list[PassageHit]


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class SearchResult:
    params: SearchParams
    count: int = 0
    hits: list[RecordHit] = field(default_factory=list)
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    suggestion: str | None = None
    notice: str | None = None
    # Nothing was searched (over a bound, throttled, no such collection): the page shows the
    # notice alone, since "0 records" would claim the archive holds none.
    refused: bool = False

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.count / self.params.page_size))


# -- compiling --------------------------------------------------------------------------------


class Compiler:
    """AST -> Whoosh query; aliases expand to every spelling of the term they name."""

    def __init__(self, vocabulary: SearchVocabulary):
        self.vocabulary = vocabulary

    def compile(self, node) -> wq.Query | None:
        if isinstance(node, Word):
            return self.word(node)
        if isinstance(node, Phrase):
            return self.phrase(node.text, node.slop, expand=True)
        if isinstance(node, Field):
            return self.field(node)
        if isinstance(node, Not):
            inner = self.compile(node.child)
            return wq.Not(inner) if inner is not None else None
        if isinstance(node, Or):
            parts = [q for q in (self.compile(c) for c in node.children) if q is not None]
            return wq.Or(parts) if parts else None
        if isinstance(node, And):
            parts = [
                q
                for q in (self.compile(c) for c in self.group_aliases(node.children))
                if q is not None
            ]
            return wq.And(parts) if parts else None
        raise TypeError(node)

    def group_aliases(self, children) -> list:
        """Join runs of plain words that spell a vocabulary term: Integrated Joint Operations
        Platform (unquoted) is then one alias, matched as a phrase in any of its spellings."""
        out, i = [], 0
        while i < len(children):
            for n in range(min(self.vocabulary.max_words, len(children) - i), 1, -1):
                run = children[i : i + n]
                if all(isinstance(c, Word) and not c.prefix for c in run):
                    text = " ".join(c.text for c in run)
                    if self.vocabulary.spellings_of(text):
                        out.append(Phrase(text))
                        i += n
                        break
            else:
                out.append(children[i])
                i += 1
        return out

    def word(self, node: Word) -> wq.Query | None:
        if node.prefix:
            return self.prefix(node.text)
        return self.phrase(node.text, None, expand=True)

    @staticmethod
    def prefix(text: str) -> wq.Query | None:
        """detain*: the index holds stems, so match the folded prefix and its stem
        ("education*" must find the stem "educ"); in "re-edu*" all but the last part are
        plain words."""
        parts = WORD_RE.findall(fold(text))
        if not parts:
            return None
        last = parts[-1]
        options = {last, stem(last)}
        prefixes = [wq.Prefix(TEXT, o) for o in sorted(options)]
        tail = prefixes[0] if len(prefixes) == 1 else wq.Or(prefixes)
        if len(parts) == 1:
            return tail
        return wq.And([*(wq.Term(TEXT, stem(p)) for p in parts[:-1]), tail])

    def phrase(self, text: str, slop: int | None, *, expand: bool) -> wq.Query | None:
        spellings = self.vocabulary.spellings_of(text) if expand else None
        variants = [self.exact(s, slop) for s in (spellings or (text,))]
        # Spellings often fold and stem alike (Uighur, uighur): each distinct query once.
        variants = list(dict.fromkeys(v for v in variants if v is not None))
        if not variants:
            return None
        return variants[0] if len(variants) == 1 else wq.Or(variants)

    @staticmethod
    def exact(text: str, slop: int | None) -> wq.Query | None:
        tokens = analyze(text)
        if not tokens:
            return None
        if len(tokens) == 1:
            return wq.Term(TEXT, tokens[0])
        return wq.Phrase(TEXT, tokens, slop=slop or 1)

    def field(self, node: Field) -> wq.Query | None:
        name, value = node.name, node.value
        if name == "year":
            if isinstance(value, Range):
                return wq.Or([wq.Term("years", str(y)) for y in range(value.lo, value.hi + 1)])
            return wq.Term("years", value.text)
        text = value.text
        if name == "kind":
            return wq.Term("kind", KIND_ALIASES.get(text.lower(), text.lower()))
        if name == "lang":
            return wq.Term("lang", text.lower().split("-")[0])
        if isinstance(value, Word) and value.prefix:
            return wq.Prefix(name, text.lower())
        slug = self.vocabulary.slug_for(name, text, TAG_FIELDS[name])
        return wq.Term(name, slug or text.lower())


# -- running ----------------------------------------------------------------------------------


def clean_filters(raw: dict[str, list[str]]) -> dict[str, list[str]]:
    """Keep known facet parameters with short, non-empty values; drop everything else."""
    return {
        name: sorted({v.strip().lower() for v in values if v and v.strip() and len(v) <= 120})[
            : limits.MAX_FACET_VALUES
        ]
        for name, values in raw.items()
        if name in FACETS and any(v and v.strip() for v in values)
    }


def search(user, params: SearchParams) -> SearchResult:
    """Run a search as `user` sees the archive."""
    params.filters = clean_filters(params.filters)
    result = SearchResult(params=params)
    parsed = parse(params.q[: limits.MAX_QUERY_LENGTH + 1])
    refused = limits.refusal(params.q, parsed.node)
    if refused:
        result.notice, result.refused = refused, True
        return result
    result.notice = parsed.notice
    vocabulary = search_vocabulary()
    compiler = Compiler(vocabulary)
    user_query = compiler.compile(parsed.node) if parsed.node is not None else None
    if params.q.strip() and user_query is None:
        result.notice = result.notice or "Nothing searchable in the query: no words to look for."
        return result
    main_query = user_query or wq.Every()
    by_date = params.sort in ("date", "-date") or user_query is None

    s = engine.searcher()
    # The query is evaluated as sets over whole posting lists (evaluate.py), restricted to
    # the records the user may see; facet selections, facet counts, sorting and paging then
    # work on the column values of that set. Answers are kept per access scope and carried
    # across index commits (answers.py).
    view = IndexView(s, engine.generation_key())
    access = access_of(view, user)
    allowed = access.documents
    columns = FacetColumns(view)
    # Kept answers and passage choices are shared by a scope; not those of one user's grants
    # or of one collection.
    scope = None if params.within is not None or access.granted else access.key
    if scope is None:
        if params.within is not None:
            allowed = allowed & _documents_of(view, params.within)
        records_allowed = allowed & view.filter_ids("doc_type", "record")
        found = answers.answer(view, None, records_allowed, main_query, params.filters, columns)
    else:
        records_allowed = access.shared_records(view)
        found = answers.answer(view, scope, records_allowed, main_query, params.filters, columns)
        if access.lagging:
            records_allowed = records_allowed - access.lagging
            found = found.without(access.lagging, columns, params.filters)
    if access.pending:
        stale = _stale_matches(view, found.matched, access.pending, main_query, params.filters)
        found = found.without(stale, columns, params.filters)
        # A suggestion must not come from words a queued record is about to lose either.
        records_allowed = records_allowed - _documents_of(view, access.pending)
    result.count = len(found.kept)
    if user_query is not None and not result.notice:
        result.notice = _capped_wildcards(view, user_query)
    result.facets = _facet_values(found.groups, params.filters, vocabulary)
    kept = found.kept
    if by_date:
        kept = found.by_date(columns, newest_first=params.sort != "-date")
    start = (max(1, params.page) - 1) * params.page_size
    window = kept[start : start + params.page_size]  # past the end there is nothing
    docs, scores = {}, {}
    for score, docnum in window:
        pk = columns.record_id(docnum)
        docs[pk], scores[pk] = docnum, None if by_date else score
    ids = list(docs)
    # SECURITY: the index can lag the database (a record unpublished a moment ago); show a
    # hit only if the database agrees the user may see it now.
    records = permissions.visible_records(user).select_related("source").in_bulk(ids)
    visible = {pk: docs[pk] for pk in ids if pk in records}
    passages = (
        _best_passages(view, allowed, parsed.node, compiler, visible, scope, records)
        if user_query
        else {}
    )
    result.hits = [
        RecordHit(records[pk], scores[pk], passages.get(pk, [])) for pk in ids if pk in records
    ]
    if (
        result.count == 0
        and parsed.node is not None
        and limits.terms(parsed.node) <= limits.MAX_SUGGEST_QUERY_TERMS
    ):
        result.suggestion = _suggest(s, view, records_allowed, params, parsed.node, vocabulary)
        result.notice = result.notice or camp_hint(parsed.node, vocabulary)
    return result


def _capped_wildcards(view: IndexView, query: wq.Query) -> str | None:
    """A notice for wildcards that match more words than are searched, so a lawyer knows the
    results may be incomplete and how to fix it."""
    limit = evaluate.MAX_PREFIX_TERMS
    capped = sorted(
        {
            leaf.text
            for leaf in query.leaves()
            if isinstance(leaf, wq.Prefix)
            and leaf.field() == TEXT
            and len(view.expand_prefix(WORDS_FIELD, leaf.text)) >= limit
        }
    )
    if not capped:
        return None
    return (
        f"{', '.join(p + '*' for p in capped)} matches {limit:,} words or more: only the "
        f"first {limit:,} (alphabetically) were searched. Type more of the word to search all."
    )


def _documents_of(view: IndexView, record_ids: frozenset[int]) -> frozenset[int]:
    """Every document (record and passages) of these records."""
    out: set[int] = set()
    for pk in record_ids:
        out |= view.ids("record_id", str(pk))
    return frozenset(out)


def allowed_records(view: IndexView, user) -> frozenset[int]:
    """Record documents the user may see: the engine side of archive.permissions."""
    return allowed_documents(view, user) & view.filter_ids("doc_type", "record")


def allowed_documents(view: IndexView, user) -> frozenset[int]:
    """Every document (record or passage) the user may see."""
    return access_of(view, user).documents


@dataclass(frozen=True)
class Access:
    """The documents a user may see, by the index's access fields: the set shared by everyone
    of the same scope, plus records granted to the user, minus documents of records whose
    index update is still queued and which the database now hides from the user (the index
    may lag a change that narrowed access)."""

    key: tuple  # names the shared set
    shared: frozenset[int]
    granted: frozenset[int] = frozenset()
    lagging: frozenset[int] = frozenset()
    # Records (ids) the user may see whose index update is still queued: their documents
    # may hold words and tags the database no longer does (_stale_matches).
    pending: frozenset[int] = frozenset()

    @property
    def documents(self) -> frozenset[int]:
        allowed = self.shared | self.granted if self.granted else self.shared
        return allowed - self.lagging if self.lagging else allowed

    def shared_records(self, view: IndexView) -> frozenset[int]:
        return view.cached(
            ("records", self.key), lambda: self.shared & view.filter_ids("doc_type", "record")
        )


def access_of(view: IndexView, user) -> Access:
    scope = permissions.search_scope(user)
    if scope.everything:
        queued = frozenset(IndexQueue.objects.values_list("record_id", flat=True))
        return Access(("everything",), view.live_docs(), pending=queued)
    key = ("allowed", scope.tokens, scope.today)
    shared = _level_documents(view, scope.tokens, scope.today)
    granted = frozenset(_granted_documents(view, scope)) if scope.records else frozenset()
    hidden, pending = _queued(view, user)
    return Access(key, shared, granted, hidden, pending)


def _level_documents(view: IndexView, tokens, today: str) -> frozenset[int]:
    """Documents carrying any of the access tokens and not under embargo today, kept per
    role (a handful of token sets); grants are added per search, so many users with
    different grants do not each keep a copy of the whole set."""

    def build(leaf, offset: int, key) -> frozenset[int]:
        opened: set[int] = set()
        for token in tokens:
            opened.update(view.segment_ids(leaf, offset, key, "access", token))
        return frozenset(opened - _embargoed_in(view, leaf, offset, key, today))

    return view.segment_set(("allowed", tokens, today), build)


def _granted_documents(view: IndexView, scope) -> set[int]:
    granted: set[int] = set()
    for pk in scope.records:
        granted |= view.ids("record_id", str(pk))
    return (granted & view.filter_ids("access", "published")) - _embargoed(view, scope.today)


def _embargoed(view: IndexView, today: str) -> frozenset[int]:
    def build(leaf, offset: int, key) -> frozenset[int]:
        return frozenset(_embargoed_in(view, leaf, offset, key, today))

    return view.segment_set(("embargoed", today), build)


def _embargoed_in(view: IndexView, leaf, offset: int, key, today: str) -> set[int]:
    """A segment's documents whose embargo date lies after today: an embargo ends by itself
    at midnight UTC, because the date is compared here, at search time."""
    out: set[int] = set()
    for date in postings.expand_prefix(leaf, "embargo", ""):
        if date > today:
            out.update(view.segment_ids(leaf, offset, key, "embargo", date))
    return out


def _queued(view: IndexView, user) -> tuple[frozenset[int], frozenset[int]]:
    """Records whose index update is still queued: the documents of those the database now
    hides from the user, and the ids of those it shows them. The visible ones are looked up
    among the queued only, not the whole visible set."""
    queued = set(IndexQueue.objects.values_list("record_id", flat=True))
    if not queued:
        return frozenset(), frozenset()
    visible = set(
        permissions.visible_records(user).filter(pk__in=queued).values_list("pk", flat=True)
    )
    out: set[int] = set()
    for pk in queued - visible:
        out |= view.ids("record_id", str(pk))
    return frozenset(out), frozenset(visible)


# Queued records a search checks against the database at most; any more that match are left
# out until the worker has indexed them (after a long outage a search must not re-read
# hundreds of records). Writing one record's documents costs some 50 ms, once per change.
MAX_PENDING_CHECKS = 20


def _stale_matches(view: IndexView, matched, pending, query, filters) -> frozenset[int]:
    """Record documents among `matched` whose record's update is still queued and which the
    query and facet selections no longer match in the database's current text and tags.

    SECURITY: an archivist removes a name from a record; until the worker has re-indexed it,
    the index still holds the name, and a search for it must not find the record (nor count
    it, nor facet it). The records are checked by evaluating the same query on their
    documents as they would be indexed now; past MAX_PENDING_CHECKS they are left out."""
    candidates: dict[int, int] = {}
    for pk in pending:
        for docnum in view.ids("record_id", str(pk)) & matched:
            candidates[docnum] = pk
    if not candidates:
        return frozenset()
    checked = sorted(set(candidates.values()))[:MAX_PENDING_CHECKS]
    # A record's last queued change names its current state: each change queues a new row.
    # Its time too, since SQLite may give a rolled-back row's id to the next one.
    changes: dict[int, tuple] = {}
    rows = IndexQueue.objects.filter(record_id__in=checked).order_by("id")
    for record_id, row_id, created in rows.values_list("record_id", "id", "created_at"):
        changes[record_id] = (row_id, created)
    now = {pk for pk in checked if _matches_now(pk, changes.get(pk), query, filters)}
    return frozenset(d for d, pk in candidates.items() if pk not in now)


def _matches_now(pk: int, change, query, filters) -> bool:
    current = _current_views.get(
        (pk, change),
        lambda: IndexView(engine.current_documents([pk]), f"current-{uuid.uuid4().hex}"),
    )
    return bool(Evaluator(current, _selected(current, filters)).run(query))


# One record's documents as the database held them at its last queued change, written to a
# small index in memory: searches while the change waits for the worker reuse it.
_current_views = LRUCache(500)


def _facet_values(
    groups: dict, selections: dict[str, list[str]], vocabulary: SearchVocabulary
) -> dict[str, list[FacetValue]]:
    facets = {}
    for name in FACETS:
        counts = {
            (k.decode() if isinstance(k, bytes) else str(k)): v
            for k, v in groups.get(name, {}).items()
            if k not in (None, "", b"")  # records with no value in this field
        }
        chosen = set(selections.get(name, []))
        for value in chosen:
            counts.setdefault(value, 0)
        ordered = sorted(counts.items(), key=lambda kv: (kv[0] not in chosen, -kv[1], kv[0]))
        if name == "year":
            ordered = sorted(counts.items(), key=lambda kv: kv[0], reverse=True)
        shown = [kv for kv in ordered if kv[1] > 0 or kv[0] in chosen][:FACET_LIMIT] + [
            kv for kv in ordered[FACET_LIMIT:] if kv[0] in chosen
        ]
        facets[name] = [
            FacetValue(value, _facet_label(name, value, vocabulary), count, value in chosen)
            for value, count in shown
        ]
    return facets


def _facet_label(name: str, value: str, vocabulary: SearchVocabulary) -> str:
    if name == "kind":
        return str(RecordKind(value).label) if value in RecordKind.values else value
    if name == "lang":
        return LANGUAGE_NAMES.get(value, value)
    # From the search vocabulary: as fresh as the aliases a search expands (vocabulary.py).
    entry = vocabulary.by_slug.get(value)
    return entry.label if entry else value


def _best_passages(view, allowed, node, compiler, records: dict, scope, loaded) -> dict:
    """Top passages of each listed record ({record id: its record document}; `loaded` holds
    the Record objects) for the query's positive words and phrases."""
    leaves = [compiler.compile(leaf) for leaf in positive_leaves(node)]
    leaves = [q for q in leaves if q is not None]
    if not leaves or not records:
        return {}
    passage_query = wq.Or(leaves)
    query_key = repr(passage_query)
    best: dict[int, list[int]] = {}
    keys = {}
    for pk, docnum in records.items():
        if scope is not None:
            keys[pk] = (scope, query_key, view.identity(docnum))
            chosen = _passage_choices.peek(keys[pk])
            if chosen is not None:
                best[pk] = chosen
    missing = [pk for pk in records if pk not in best]
    if missing:
        found = _choose_passages(view, allowed, passage_query, missing)
        for pk in missing:
            best[pk] = tuple(found.get(pk, ()))
            if pk in keys:
                _passage_choices.put(keys[pk], best[pk])
    best = {pk: numbers for pk, numbers in best.items() if numbers}
    terms = _highlighted.get(
        (view.state, query_key), lambda: frozenset(_highlight_terms(view, passage_query))
    )
    # The passages as the database holds them now; text is read only for snippets not kept.
    rows = Passage.objects.filter(
        record_id__in=list(best), number__in={n for numbers in best.values() for n in numbers}
    ).values_list("record_id", "number", "pk", "content_hash")
    found = {
        (record_id, number): (pk, digest)
        for record_id, number, pk, digest in rows
        if number in best[record_id]
    }
    snippets = {}
    for pk, digest in found.values():
        snippets[pk] = _snippets.peek((digest, terms))
    unread = [pk for pk, snippet in snippets.items() if snippet is None]
    if unread:
        for pk, digest, text in Passage.objects.filter(pk__in=unread).values_list(
            "pk", "content_hash", "text"
        ):
            snippets[pk] = _snippets.get(
                (digest, terms), lambda text=text: highlight_html(text, terms)
            )
    out: dict[int, list[PassageHit]] = {}
    for record_id, numbers in best.items():
        record_url = loaded[record_id].get_absolute_url()
        for number in numbers:
            pk, _ = found.get((record_id, number), (None, None))
            if snippets.get(pk) is None:  # index ahead of or behind the database for a moment
                continue
            out.setdefault(record_id, []).append(
                PassageHit(number, snippets[pk], f"{record_url}#p{number}")
            )
    return out


def _choose_passages(view, allowed, passage_query, record_ids: list[int]) -> dict:
    # Only these records' passages are evaluated, under the same access rule as the records.
    docs: set[int] = set()
    for pk in record_ids:
        docs |= view.ids("record_id", str(pk))
    docs = docs & view.filter_ids("doc_type", "passage") & allowed
    scores = Evaluator(view, docs, level="passage").run(passage_query)
    owners, numbers = view.column("record_id"), view.column("number")
    best: dict[int, list[int]] = {}
    for _, docnum in sorted(((score, d) for d, score in scores.items()), key=rank_key):
        chosen = best.setdefault(int(owners[docnum]), [])
        if len(chosen) < PASSAGES_PER_RECORD:  # one long record cannot crowd out the others
            chosen.append(int(numbers[docnum]))
    return best


# The passages chosen for a record and a query, keyed by the record's document in its
# segment: an edit re-indexes the record under a new document, so an entry never outlives
# the text it was chosen from. The choice is among the record's own passages, which carry
# the record's access, and is kept per access scope. About 200 bytes an entry.
_passage_choices = LRUCache(100_000)


def forget_kept() -> None:
    """Forget kept answers and passage choices (the search benchmark times evaluation)."""
    answers.clear()
    _passage_choices.clear()
    _current_views.clear()


# The words a query highlights, as the index state expands its wildcards.
_highlighted = LRUCache(2_000)

# Highlighted snippets, keyed by the passage's content hash and the highlighted terms, so a
# passage shown again for the same words (a popular search, the next page, another reader)
# is not analyzed again. Keyed by content, an entry can never show an old text; it is read
# only after the passage itself was fetched under the searcher's permissions. About 1 KB
# an entry.
_snippets = LRUCache(20_000)


def _highlight_terms(view: IndexView, query: wq.Query) -> set[str]:
    """The indexed words a query highlights; a wildcard's as the evaluator expands it (at most
    MAX_PREFIX_TERMS), where Whoosh's own expansion had no bound."""
    terms = set()
    for leaf in query.leaves():
        if leaf.field() != TEXT:
            continue
        if isinstance(leaf, wq.Prefix):
            terms.update(view.expand_prefix(TEXT, leaf.text))
        else:
            terms.update(text for _, text in leaf.iter_all_terms())
    return {t.decode() if isinstance(t, bytes) else t for t in terms}


MAX_SUGGEST_WORDS = 3
MAX_CANDIDATES = 3


def _suggest(s, view, allowed, params, node, vocabulary: SearchVocabulary) -> str | None:
    """A corrected query, offered only if it finds something this user may see.

    SECURITY: a candidate word must find a document the user may see on its own, not only
    as part of the whole query, or "-secretword secret" would suggest words that exist
    only in hidden records. Bounded, since a long misspelled query must not cost seconds.
    """
    words = [leaf for leaf in positive_leaves(node) if isinstance(leaf, Word) and not leaf.prefix]
    known = list(vocabulary.by_spelling)
    corrector = s.corrector(WORDS_FIELD)  # every record's words, titles included
    compiler = Compiler(vocabulary)
    allowed = allowed & _selected(view, params.filters)
    for word in words[:MAX_SUGGEST_WORDS]:
        folded = fold(word.text)
        if len(folded) > limits.MAX_SUGGEST_WORD_LENGTH:
            continue
        candidates = difflib.get_close_matches(folded, known, n=MAX_CANDIDATES, cutoff=0.8)
        # The index holds stems, so correct the stem ("survaillance" -> "survail" -> "surveil").
        # With its first letter fixed, the walk of the word list stays short.
        stemmed = stem(folded)
        if len(stemmed) > limits.SUGGEST_FIXED_PREFIX:  # Whoosh fails on a shorter word
            candidates += corrector.suggest(
                stemmed, limit=MAX_CANDIDATES, prefix=limits.SUGGEST_FIXED_PREFIX
            )
        for candidate in candidates[: 2 * MAX_CANDIDATES]:
            if candidate in (folded, stem(folded)):
                continue
            alone = compiler.compile(Word(candidate))
            if alone is None or not Evaluator(view, allowed).run(alone):
                continue
            suggested = _replace(node, word, Word(candidate))
            compiled = compiler.compile(suggested)
            if compiled is not None and Evaluator(view, allowed).run(compiled):
                return describe(suggested)
    return None


def _selected(view: IndexView, filters: dict[str, list[str]]) -> frozenset[int]:
    """Record documents meeting every facet selection (OR within a facet)."""
    result = view.filter_ids("doc_type", "record")
    for name, values in filters.items():
        field_name = FACET_INDEX_FIELD.get(name, name)
        chosen: set[int] = set()
        for value in values:
            chosen |= view.ids(field_name, value.lower())
        result = result & chosen
    return result


def _replace(node, target, new):
    """The AST with one leaf (by identity) replaced."""
    if node is target:
        return new
    if isinstance(node, And | Or):
        return type(node)(tuple(_replace(c, target, new) for c in node.children))
    if isinstance(node, Not):
        return Not(_replace(node.child, target, new))
    return node


def more_like_this(user, record: Record, limit: int = 5) -> list[Record]:
    """Records similar to `record` that the user may see. The caller checks the user may see
    `record` itself. The same allowed set as every search is passed into Whoosh's own
    more_like as its filter, because haystack's more_like_this ignored narrow() and returned
    restricted documents."""
    s = engine.searcher()
    docnum = s.document_number(id=f"archive.record.{record.pk}")
    if docnum is None:
        return []
    hits = s.more_like(
        docnum,
        WORDS_FIELD,
        text=record.canonical_text(),
        top=limit + 1,
        numterms=25,
        # Key terms by their weight in this record only: Bo1 uses whole-index frequencies.
        model=LocalExpansion,
        filter=_searcher_numbers(s, user),
    )
    ids = [int(h["record_id"]) for h in hits if int(h["record_id"]) != record.pk][:limit]
    records = permissions.visible_records(user).in_bulk(ids)
    return [records[pk] for pk in ids if pk in records]


def _searcher_numbers(s, user) -> set[int]:
    view = IndexView(s, engine.generation_key())
    access = access_of(view, user)
    # Records whose update is queued are left out until indexed: they may be alike only by
    # words they no longer hold.
    allowed = access.documents - _documents_of(view, access.pending)
    return view.searcher_numbers(allowed & view.filter_ids("doc_type", "record"))
