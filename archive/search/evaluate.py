"""Evaluating a compiled query as whole sets of documents instead of one posting at a time.

The Compiler's Whoosh query (terms, phrases, prefixes, AND/OR/NOT) is evaluated here over
the index's posting lists, read a block at a time (postings.py), with Python sets and dicts
doing the boolean work. The result is every allowed record document with its score, which
is what counts, facets, sorting and paging need anyway. Whoosh's searcher walked the same
lists one document per call and took seconds at 100,000 passages.

Scores are the archive's local BM25 (scoring.py): a document's score depends only on its
own text, never on collection statistics that include documents the user may not see.

SECURITY: `allowed` (record documents the user may see, minus deleted ones) is intersected
into every result before anything is counted or returned; a NOT only removes from it.
"""

from array import array
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from itertools import pairwise
from threading import Lock

from whoosh import query as wq
from whoosh.reading import SegmentReader

from archive.search import postings
from archive.search.analysis import pairs
from archive.search.scoring import FIXED_AVERAGE_LENGTH

K1, B = 1.2, 0.75
TEXT_FIELD = "text"  # what the Compiler searches; in a passage, its words with positions
WORDS_FIELD = "words"  # a record's words (title and passages), counted, without positions
PAIRS_FIELD = "pairs"
TITLE_FIELD = "title"
# A wildcard reads at most this many terms' posting lists (the first, alphabetically): each
# costs about 0.2 ms, and three wildcards of two letters read 2,000 each at 0.7 s a search
# (docs/BENCHMARKS.md, "Bounds").
MAX_PREFIX_TERMS = 500
# Look a few documents up by binary search when the list is this many times longer.
BISECT_RATIO = 16
# An evaluator over at most this many documents (a page's passages) looks them up one by one.
SMALL_SCOPE = 4000


class LRUCache:
    """Values derived from immutable segments, shared by all searches in the process; the
    least recently used go first once their total weight passes `max_weight`."""

    def __init__(self, max_weight: int, weigh=lambda value: 1):
        self.max_weight, self.weigh = max_weight, weigh
        self._data: OrderedDict = OrderedDict()
        self._held = 0
        self._lock = Lock()

    def get(self, key, build):
        found = self.peek(key)
        if found is not None:
            return found
        value = build()
        with self._lock:
            if key not in self._data:
                self._add(key, value)
        return value

    def peek(self, key):
        """The value kept under `key`, or None."""
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        return None

    def put(self, key, value) -> None:
        """Keep `value` under `key`, replacing what was there."""
        with self._lock:
            if key in self._data:
                self._held -= self.weigh(self._data.pop(key))
            self._add(key, value)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._held = 0

    def _add(self, key, value) -> None:
        self._data[key] = value
        self._held += self.weigh(value)
        while self._held > self.max_weight and len(self._data) > 1:
            _, old = self._data.popitem(last=False)
            self._held -= self.weigh(old)


# Columns, norms and filter sets: about 20 entries per segment.
_cache = LRUCache(512)
# Sets of documents built segment by segment (IndexView.segment_set), weighed by documents:
# a set of 100,000 takes about 4 MB (its table; the numbers are shared), so at most some
# 150 MB per process.
_segment_sets = LRUCache(4_000_000, weigh=len)
# The same columns and norms joined for a whole index state, read by every search in it: about
# a dozen of 1 MB each at 100,000 passages, so only the last few states' are kept.
_whole_columns = LRUCache(40)
# Decoded posting lists as arrays, 8 bytes a posting: 8 million postings is about 64 MB per
# process, the lists of a few hundred common words; and, for segments after the first, the
# same lists in global document numbers (a dict with weights, or a set).
_postings_cache = LRUCache(
    8_000_000, weigh=lambda value: len(value[0]) if isinstance(value, tuple) else len(value)
)


# Decoded positions of a term in one segment, for phrase and proximity checks; weighed by
# documents (about 210 bytes each: at most some 250 MB per process). The benchmark's 20
# queries touch 711,000 at 100,000 passages; a smaller cap made LRU evict what the next
# query needed, and every phrase paid the decoding again (p95 300 ms instead of 120).
_positions_cache = LRUCache(1_200_000, weigh=len)
# Once decoded, a term's positions serve every later phrase check that touches it; only the
# rare check of a few documents of a very long list reads just their blocks instead.
POSITIONS_CACHE_SHARE = 0.002


def _decoded(leaf, key, fieldname: str, text: str) -> tuple[array, array]:
    def build():
        ids, weights = postings.read_postings(leaf, fieldname, text)
        return array("I", ids), array("f", weights)

    return _postings_cache.get((key, fieldname, text), build)


def _shifted(key, deleted: frozenset[int], offset: int) -> frozenset[int]:
    """A segment's deleted documents in global numbers, kept while its deletions stay the
    same (they only grow, so their count names them)."""
    if not offset:
        return deleted
    return _cache.get(
        (key, "deleted", len(deleted), offset), lambda: frozenset(d + offset for d in deleted)
    )


def _shifted_postings(key, fieldname: str, text: str, offset: int, ids, weights) -> dict:
    """{global document: weight} of a segment after the first, kept with the decoded lists."""

    def build():
        return dict(zip((d + offset for d in ids), weights, strict=True))

    return _postings_cache.get((key, fieldname, text, offset, "weights"), build)


def _global_ids(leaf, key, fieldname: str, text: str, offset: int):
    """A term's documents in one segment, in global numbers; a later segment's are kept
    shifted, so a commit (which only adds segments and deletions) re-shifts nothing."""
    ids = _decoded(leaf, key, fieldname, text)[0]
    if not offset:
        return ids
    return _postings_cache.get(
        (key, fieldname, text, offset, "ids"), lambda: frozenset(d + offset for d in ids)
    )


class RecordOf:
    """Passage document -> its record's document, looked up through the record_id column, so
    nothing the size of the index is built again after a commit."""

    def __init__(self, owners: list, record_docs: dict):
        self.owners, self.record_docs = owners, record_docs

    def get(self, passage: int) -> int | None:
        return self.record_docs.get(self.owners[passage])


class IndexView:
    """One searcher's segments, with document numbers of the view's own: segments in order
    of size, largest first.

    Whoosh orders segments by size, smallest first, and appends each commit's new segment,
    so its numbers for the big segment's documents change at nearly every commit. Here the
    big segment starts at 0 whatever small segments come and go, and so do its cached
    posting lists and every kept answer (answers.py). `searcher_numbers` translates for
    Whoosh's own searcher (more-like-this)."""

    def __init__(self, searcher, generation: str = ""):
        reader = searcher.reader()
        leaves = reader.leaf_readers() if not reader.is_atomic() else [(reader, 0)]
        found = [
            (leaf, whoosh_offset)
            for leaf, whoosh_offset in leaves
            if isinstance(leaf, SegmentReader)  # an empty index has an EmptyReader
        ]
        found.sort(key=lambda lo: (-lo[0].doc_count_all(), lo[0].segment().segment_id()))
        self.leaves, self._whoosh_offsets, offset = [], [], 0
        for leaf, whoosh_offset in found:
            key = (generation, leaf.segment().segment_id())
            self.leaves.append((leaf, offset, key, postings.deleted_docs(leaf)))
            self._whoosh_offsets.append(whoosh_offset)
            offset += leaf.doc_count_all()
        self._set_leaves(self.leaves)
        self.all_leaves = self.leaves  # columns and norms always cover every document
        self.whole = self
        # The frequent words whose pairs this generation indexes (None: every pair).
        self.pair_words = getattr(searcher.schema[PAIRS_FIELD].format, "words", None)

    def searcher_numbers(self, docnums) -> set[int]:
        """These documents as the searcher the view was made from numbers them."""
        whole = self.whole
        out = set()
        for d in docnums:
            i = whole._segment_of(d)
            out.add(d - whole.leaves[i][1] + whole._whoosh_offsets[i])
        return out

    def _segment_of(self, docnum: int) -> int:
        return bisect_right(self.ends, docnum)

    def _set_leaves(self, leaves: list) -> None:
        self.leaves = leaves
        self.state = tuple((key, offset, len(deleted)) for _, offset, key, deleted in leaves)
        self.ends = [offset + leaf.doc_count_all() for leaf, offset, _, _ in leaves]

    def segments(self, start: int, stop: int | None = None) -> "IndexView":
        """The same index, searching only the segments leaves[start:stop]; document numbers,
        columns, norms and wildcard expansions stay those of the whole index, so whatever a
        query matches in these segments, it matches here with the same score."""
        part = object.__new__(IndexView)
        part._set_leaves(self.leaves[start:stop])
        part.state = ("part", *part.state)
        part.all_leaves, part.whole = self.all_leaves, self.whole
        part.pair_words = self.pair_words
        return part

    # -- posting lists -------------------------------------------------------------------------

    def postings(self, fieldname: str, text: str, among=None) -> dict[int, float]:
        """{document: weight} for a term; with `among` (a small set of documents) only those,
        found by binary search instead of building the whole list."""
        out: dict[int, float] = {}
        for (leaf, offset, key, deleted), end in zip(self.leaves, self.ends, strict=True):
            ids, weights = _decoded(leaf, key, fieldname, text)
            if among is not None and len(among) * BISECT_RATIO < len(ids):
                n = len(ids)
                for d in among:
                    local = d - offset
                    if not offset <= d < end or local in deleted:
                        continue
                    i = bisect_left(ids, local)
                    if i < n and ids[i] == local:
                        out[d] = weights[i]
                continue
            if offset:
                out.update(_shifted_postings(key, fieldname, text, offset, ids, weights))
            else:
                out.update(zip(ids, weights, strict=True))
            if deleted:
                # Take deleted documents out afterwards, looking up whichever side is
                # smaller, rather than test every posting in Python.
                gone = _shifted(key, deleted, offset)
                for d in gone.intersection(out) if len(out) < len(gone) else out.keys() & gone:
                    del out[d]
        return out

    def ids(self, fieldname: str, text: str) -> set[int]:
        out: set[int] = set()
        for leaf, offset, key, deleted in self.leaves:
            out.update(_global_ids(leaf, key, fieldname, text, offset))
            if deleted:
                out.difference_update(_shifted(key, deleted, offset))
        return out

    @staticmethod
    def segment_ids(leaf, offset: int, key, fieldname: str, text: str):
        """A term's documents in one segment, deleted ones included, in global numbers."""
        return _global_ids(leaf, key, fieldname, text, offset)

    def filter_ids(self, fieldname: str, text: str) -> frozenset[int]:
        """ids() for the few filter terms every search reads (record type, access tokens),
        kept between searches and carried across commits (segment_set)."""

        def build(leaf, offset: int, key) -> frozenset[int]:
            return frozenset(self.segment_ids(leaf, offset, key, fieldname, text))

        return self.segment_set(("ids", fieldname, text), build)

    def segment_set(self, name, build) -> frozenset[int]:
        """The live documents of a set that is built one segment at a time, kept between
        searches: `build(leaf, offset, key)` gives a segment's documents in global numbers,
        deleted ones included.

        A segment never changes and its deletions only grow, so each segment's share is
        built once where it sits and only has deletions taken out as they come. A commit
        (one small new segment, a few deletions in old ones) then costs a copy of the big
        segment's share, in C, not a rebuild of the whole set in Python."""

        def whole() -> frozenset[int]:
            pieces = []
            for leaf, offset, key, deleted in self.leaves:
                every = _segment_sets.get(
                    (key, offset, name), lambda s=leaf, o=offset, k=key: build(s, o, k)
                )
                if deleted and every:
                    gone = _shifted(key, deleted, offset)
                    every = _segment_sets.get(
                        (key, offset, name, len(deleted)), lambda e=every, g=gone: e - g
                    )
                if every:
                    pieces.append(every)
            if len(pieces) <= 1:
                return pieces[0] if pieces else frozenset()
            pieces.sort(key=len, reverse=True)
            return pieces[0].union(*pieces[1:])  # copies the biggest table, adds the rest

        return self.cached(("set", name), whole)

    def identity(self, docnum: int) -> tuple:
        """What names a document for as long as it exists: its segment and number there."""
        _, offset, key, _ = self.leaves[self._segment_of(docnum)]
        return key, docnum - offset

    def deleted(self, index: int) -> frozenset[int]:
        """The deleted documents of the view's segment number `index`, in global numbers."""
        _, offset, key, deleted = self.leaves[index]
        return _shifted(key, deleted, offset)

    def live_docs(self) -> frozenset[int]:
        def build(leaf, offset: int, key) -> frozenset[int]:
            return frozenset(range(offset, offset + leaf.doc_count_all()))

        return self.segment_set("live", build)

    def cached(self, name, build):
        """A value derived from this index state only, kept between searches."""
        return _cache.get((self.state, name), build)

    def record_of_passage(self) -> "RecordOf":
        """Passage document -> its record's document (live documents only)."""
        owners = self.column("record_id")

        def build():
            return {owners[d]: d for d in self.filter_ids("doc_type", "record")}

        return RecordOf(owners, self.cached("record_docs", build))

    def expand_prefix(self, fieldname: str, prefix: str) -> list[str]:
        if self.whole is not self:  # the whole index's first MAX_PREFIX_TERMS, as a search of it
            return self.whole.expand_prefix(fieldname, prefix)
        limit = MAX_PREFIX_TERMS

        def build() -> list[str]:
            terms: set[str] = set()
            for leaf, *_ in self.leaves:
                terms.update(postings.expand_prefix(leaf, fieldname, prefix, limit))
            return sorted(terms)[:limit]

        # Asked again by highlighting and by search's check for a capped wildcard.
        return self.cached(("prefix", fieldname, prefix, limit), build)

    # -- columns -------------------------------------------------------------------------------

    def column(self, fieldname: str, translate: bool = True) -> list:
        """Values of a column field for every document, by global document number."""

        def build():
            out: list = []
            for leaf, _, key, _ in self.all_leaves:

                def read(leaf=leaf):
                    return postings.column_values(leaf, fieldname, translate)

                out.extend(_cache.get((key, "col", fieldname, translate), read))
            return out

        return _whole_columns.get((self.whole.state, "col", fieldname, translate), build)

    def norms(self, fieldname: str) -> list[float]:
        """BM25's length normalization K1 * (1 - B + B * length / avgdl) for every document."""

        def build():
            out: list[float] = []
            for leaf, _, key, _ in self.all_leaves:

                def read(leaf=leaf):
                    lengths = postings.field_lengths(leaf, fieldname)
                    return [K1 * (1 - B + B * n / FIXED_AVERAGE_LENGTH) for n in lengths]

                out.extend(_cache.get((key, "norm", fieldname), read))
            return out

        return _whole_columns.get((self.whole.state, "norm", fieldname), build)

    def positions(self, fieldname: str, text: str, docnums: list[int]) -> dict[int, list[int]]:
        """Positions of a term in the given documents (ascending global numbers)."""
        out: dict[int, list[int]] = {}
        for (leaf, offset, key, _), end in zip(self.leaves, self.ends, strict=True):
            wanted = [d - offset for d in docnums if offset <= d < end]
            if not wanted:
                continue
            frequency = len(_decoded(leaf, key, fieldname, text)[0])
            if len(wanted) < POSITIONS_CACHE_SHARE * frequency:
                found = postings.read_positions(leaf, fieldname, text, wanted)
                out.update((d + offset, p) for d, p in found.items())
                continue

            def build(leaf=leaf):
                return postings.read_all_positions(leaf, fieldname, text)

            every = _positions_cache.get((key, fieldname, text), build)
            get = every.get
            for d in wanted:
                found = get(d)
                if found is not None:
                    out[d + offset] = found
        return out


class Evaluator:
    """Whoosh query tree -> {document number: score}, within `allowed`."""

    def __init__(self, view: IndexView, allowed: set[int], level: str = "record"):
        self.view = view
        self.allowed = allowed  # record documents, or passage documents at level "passage"
        self.level = level
        # The Compiler's text field, as this level's documents hold it.
        self.text_field = WORDS_FIELD if level == "record" else TEXT_FIELD
        self._norms = None
        self.among = allowed if len(allowed) <= SMALL_SCOPE else None

    def run(self, query: wq.Query) -> dict[int, float]:
        return self.evaluate(query)

    def evaluate(self, q: wq.Query) -> dict[int, float]:
        if isinstance(q, wq.Term):
            return self.term(self._field(q.fieldname), q.text)
        if isinstance(q, wq.Phrase):
            return self.phrase(q.fieldname, list(q.words), q.slop)
        if isinstance(q, wq.Prefix):
            fieldname = self._field(q.fieldname)
            terms = self.view.expand_prefix(fieldname, q.text)
            return self.union(self.term(fieldname, t) for t in terms)
        if isinstance(q, wq.And):
            positive = [s for s in q.subqueries if not isinstance(s, wq.Not)]
            negative = [s.query for s in q.subqueries if isinstance(s, wq.Not)]
            return self.intersect(positive, negative)
        if isinstance(q, wq.Or):
            return self.union(self.evaluate(s) for s in q.subqueries)
        if isinstance(q, wq.Not):
            excluded = self.evaluate(q.query)
            return {d: 0.0 for d in self.allowed if d not in excluded}
        if isinstance(q, wq.Every):
            return dict.fromkeys(self.allowed, 0.0)
        raise TypeError(f"cannot evaluate {type(q).__name__}")

    def _field(self, fieldname: str) -> str:
        return self.text_field if fieldname == TEXT_FIELD else fieldname

    def intersect(self, positive: list, negative: list) -> dict[int, float]:
        if not positive:
            result = dict.fromkeys(self.allowed, 0.0)
        else:
            parts = sorted((self.evaluate(p) for p in positive), key=len)
            result = parts[0]
            for part in parts[1:]:
                result = {d: s + part[d] for d, s in result.items() if d in part}
                if not result:
                    return {}
        for n in negative:
            if not result:
                break
            excluded = self.evaluate(n)
            result = {d: s for d, s in result.items() if d not in excluded}
        return result

    @staticmethod
    def union(parts) -> dict[int, float]:
        result: dict[int, float] = {}
        for part in parts:
            if not result:
                result = dict(part)
                continue
            get = result.get
            for d, s in part.items():
                result[d] = get(d, 0.0) + s
        return result

    def norms(self) -> list[float]:
        if self._norms is None:
            self._norms = self.view.norms(self.text_field)
        return self._norms

    def term(self, fieldname: str, text: str) -> dict[int, float]:
        allowed = self.allowed
        weights = self.view.postings(fieldname, text, among=self.among)
        if fieldname != self.text_field:
            return {d: 0.0 for d in weights if d in allowed}
        norms = self.norms()
        k = K1 + 1
        return {d: tf * k / (tf + norms[d]) for d, tf in weights.items() if d in allowed}

    def phrase(self, fieldname: str, words: list[str], slop: int) -> dict[int, float]:
        """Documents with the words in order, each within `slop` positions of the previous
        (slop 1: adjacent), as Whoosh's Phrase query defines it.

        Phrases are matched in passages, never across a paragraph break, then credited to
        their records."""
        found = self.passage_phrase(fieldname, words, slop)
        norms = self.norms()
        k = K1 + 1
        if self.level == "passage":
            return {d: tf * k / (tf + norms[d]) for d, tf in found.items()}
        # Titles are short and have their own field, so any phrase is checked there directly.
        per_record = self.positional(TITLE_FIELD, words, slop, self.allowed)
        record_of = self.view.record_of_passage()
        allowed = self.allowed
        for passage, tf in found.items():
            record = record_of.get(passage)
            if record is not None and record in allowed:
                per_record[record] = per_record.get(record, 0) + tf
        return {d: tf * k / (tf + norms[d]) for d, tf in per_record.items()}

    def passage_phrase(self, fieldname: str, words: list[str], slop: int) -> dict[int, int]:
        """{passage document: occurrences} for a phrase of two or more words."""
        if self.level == "passage":
            scope = self.allowed
        else:
            scope = self.view.filter_ids("doc_type", "passage")
        if slop > 1:
            return self.positional(fieldname, words, slop, scope)
        # Adjacent words: the pair terms narrow the candidates to (nearly) the answer. Where
        # a pair was not indexed, one of its words is rare (pair_words.py) and its own list
        # narrows them instead.
        among = self.among if self.level == "passage" else None
        indexed, rare = _pair_terms(words, self.view.pair_words)
        lists = sorted(
            [
                *(self.view.postings(PAIRS_FIELD, p, among=among) for p in indexed),
                *(self.view.postings(fieldname, w, among=among) for w in rare),
            ],
            key=len,
        )
        if len(words) == 2 and not rare:
            return {d: int(tf) for d, tf in lists[0].items() if d in scope}
        candidates = {d for d in lists[0] if d in scope}
        for other in lists[1:]:
            candidates = {d for d in candidates if d in other}
        return self.verify(fieldname, words, slop, candidates)

    def positional(self, fieldname: str, words: list[str], slop: int, scope) -> dict[int, int]:
        among = scope if len(scope) <= SMALL_SCOPE else None
        sets = sorted(
            (set(self.view.postings(fieldname, w, among=among)) for w in set(words)), key=len
        )
        candidates = sets[0] & scope
        for other in sets[1:]:
            candidates &= other
        return self.verify(fieldname, words, slop, candidates)

    def verify(self, fieldname: str, words: list[str], slop: int, candidates) -> dict[int, int]:
        if not candidates:
            return {}
        docnums = sorted(candidates)
        positions = [self.view.positions(fieldname, w, docnums) for w in words]
        out = {}
        for d in docnums:
            reach = positions[0].get(d)
            for later in positions[1:]:
                if not reach:
                    break
                reach = _follow(reach, later.get(d, ()), slop)
            if reach:
                out[d] = len(reach)
        return out


def _pair_terms(words: list[str], frequent: frozenset[str] | None) -> tuple[set, set]:
    """The indexed pair terms of a phrase, and the rare words of the pairs that are not:
    index_formats.ParagraphPairs keeps a pair when `frequent` is None or holds both words."""
    indexed, rare = set(), set()
    for term, (a, b) in zip(pairs(words), pairwise(words), strict=True):
        if frequent is None or (a in frequent and b in frequent):
            indexed.add(term)
        else:
            rare.update(w for w in (a, b) if w not in frequent)
    return indexed, rare


def _follow(reach: list[int], nexts, slop: int) -> list[int]:
    """Positions in `nexts` that come after some position in `reach` by at most `slop`."""
    out = []
    i, n = 0, len(reach)
    for q in nexts:
        while i < n and reach[i] < q - slop:
            i += 1
        if i < n and reach[i] < q:
            out.append(q)
    return out
