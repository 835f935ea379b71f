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

from collections import OrderedDict
from threading import Lock

from whoosh import query as wq
from whoosh.reading import SegmentReader

from archive.search import postings
from archive.search.scoring import FIXED_AVERAGE_LENGTH

K1, B = 1.2, 0.75
MAX_PREFIX_TERMS = 2000  # a wildcard reads at most this many terms' posting lists
SEGMENT_CACHE_SIZE = 512  # entries: about 20 per segment


class _SegmentCache:
    """Column data of immutable segments, shared by all searches in the process."""

    def __init__(self):
        self._data: OrderedDict = OrderedDict()
        self._lock = Lock()

    def get(self, key, build):
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        value = build()
        with self._lock:
            self._data[key] = value
            while len(self._data) > SEGMENT_CACHE_SIZE:
                self._data.popitem(last=False)
        return value


_cache = _SegmentCache()


class IndexView:
    """One searcher's segments, with document numbers global to the searcher."""

    def __init__(self, searcher, generation: str = ""):
        reader = searcher.reader()
        leaves = reader.leaf_readers() if not reader.is_atomic() else [(reader, 0)]
        self.leaves = []
        for leaf, offset in leaves:
            if not isinstance(leaf, SegmentReader):  # an empty index has an EmptyReader
                continue
            key = (generation, leaf.segment().segment_id())
            self.leaves.append((leaf, offset, key, postings.deleted_docs(leaf)))

    # -- posting lists -------------------------------------------------------------------------

    def postings(self, fieldname: str, text: str) -> dict[int, float]:
        out: dict[int, float] = {}
        for leaf, offset, _, deleted in self.leaves:
            ids, weights = postings.read_postings(leaf, fieldname, text)
            if deleted:
                pairs = zip(ids, weights, strict=True)
                out.update((d + offset, w) for d, w in pairs if d not in deleted)
            elif offset:
                out.update(zip((d + offset for d in ids), weights, strict=True))
            else:
                out.update(zip(ids, weights, strict=True))
        return out

    def ids(self, fieldname: str, text: str) -> set[int]:
        out: set[int] = set()
        for leaf, offset, _, deleted in self.leaves:
            ids = postings.read_ids(leaf, fieldname, text)
            if offset:
                ids = [d + offset for d in ids]
            out.update(ids)
            if deleted:
                out.difference_update(d + offset for d in deleted)
        return out

    def filter_ids(self, fieldname: str, text: str) -> set[int]:
        """ids() for the few filter terms every search reads (record type, access tokens):
        each segment's list is decoded once and kept, since segments never change."""
        out: set[int] = set()
        for leaf, offset, key, deleted in self.leaves:

            def build(leaf=leaf):
                return postings.read_ids(leaf, fieldname, text)

            ids = _cache.get((key, "ids", fieldname, text), build)
            out.update((d + offset for d in ids) if offset else ids)
            if deleted:
                out.difference_update(d + offset for d in deleted)
        return out

    def expand_prefix(self, fieldname: str, prefix: str) -> list[str]:
        terms: set[str] = set()
        for leaf, *_ in self.leaves:
            terms.update(postings.expand_prefix(leaf, fieldname, prefix, MAX_PREFIX_TERMS))
        return sorted(terms)[:MAX_PREFIX_TERMS]

    # -- columns -------------------------------------------------------------------------------

    def column(self, fieldname: str, translate: bool = True) -> list:
        """Values of a column field for every document, by global document number."""
        out: list = []
        for leaf, _, key, _ in self.leaves:

            def build(leaf=leaf):
                return postings.column_values(leaf, fieldname, translate)

            out.extend(_cache.get((key, "col", fieldname, translate), build))
        return out

    def norms(self, fieldname: str) -> list[float]:
        """BM25's length normalization K1 * (1 - B + B * length / avgdl) for every document."""
        out: list[float] = []
        for leaf, _, key, _ in self.leaves:

            def build(leaf=leaf):
                lengths = postings.field_lengths(leaf, fieldname)
                return [K1 * (1 - B + B * n / FIXED_AVERAGE_LENGTH) for n in lengths]

            out.extend(_cache.get((key, "norm", fieldname), build))
        return out

    def positions(self, fieldname: str, text: str, docnums: list[int]) -> dict[int, list[int]]:
        """Positions of a term in the given documents (ascending global numbers)."""
        out: dict[int, list[int]] = {}
        bounds = [offset for _, offset, _, _ in self.leaves[1:]] + [float("inf")]
        for (leaf, offset, _, _), end in zip(self.leaves, bounds, strict=True):
            wanted = [d - offset for d in docnums if offset <= d < end]
            found = postings.read_positions(leaf, fieldname, text, wanted)
            out.update((d + offset, p) for d, p in found.items())
        return out


class Evaluator:
    """Whoosh query tree -> {document number: score}, within `allowed`."""

    def __init__(self, view: IndexView, allowed: set[int], text_field: str = "text"):
        self.view = view
        self.allowed = allowed
        self.text_field = text_field
        self._norms = None

    def run(self, query: wq.Query) -> dict[int, float]:
        return self.evaluate(query)

    def evaluate(self, q: wq.Query) -> dict[int, float]:
        if isinstance(q, wq.Term):
            return self.term(q.fieldname, q.text)
        if isinstance(q, wq.Phrase):
            return self.phrase(q.fieldname, list(q.words), q.slop)
        if isinstance(q, wq.Prefix):
            terms = self.view.expand_prefix(q.fieldname, q.text)
            return self.union(self.term(q.fieldname, t) for t in terms)
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
        weights = self.view.postings(fieldname, text)
        if fieldname != self.text_field:
            return {d: 0.0 for d in weights if d in allowed}
        norms = self.norms()
        k = K1 + 1
        return {d: tf * k / (tf + norms[d]) for d, tf in weights.items() if d in allowed}

    def phrase(self, fieldname: str, words: list[str], slop: int) -> dict[int, float]:
        """Documents with the words in order, each within `slop` positions of the previous
        (slop 1: adjacent), as Whoosh's Phrase query defines it."""
        sets = sorted((self.view.ids(fieldname, w) for w in set(words)), key=len)
        candidates = sets[0] & self.allowed
        for s in sets[1:]:
            candidates &= s
            if not candidates:
                return {}
        docnums = sorted(candidates)
        positions = [self.view.positions(fieldname, w, docnums) for w in words]
        norms = self.norms() if fieldname == self.text_field else None
        out = {}
        for d in docnums:
            reach = positions[0].get(d)
            for later in positions[1:]:
                if not reach:
                    break
                reach = _follow(reach, later.get(d, ()), slop)
            if reach:
                tf = len(reach)
                out[d] = tf * (K1 + 1) / (tf + norms[d]) if norms else 0.0
        return out


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
