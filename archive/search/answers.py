"""A query's answer, kept between searches and carried across index commits.

After a report is published, many readers ask the same few questions while archivists keep
saving. An answer (the record documents a query matches, ranked, the ones that pass the facet
selections, and the facet counts) depends on nothing but the documents themselves: a score
is local to its document (scoring.py) and facet counts are a sum over documents (facets.py).
An index commit only appends segments and marks documents deleted, and Whoosh's merges
replace only the later, smaller segments. So an answer computed on the segments of one index
state still holds for those segments in a later state once the documents deleted since are
taken out; only the segments added since (each edit's small segment: the "tail") are
evaluated again, and the big segment's share is never evaluated twice.

SECURITY: answers are kept per access scope (every document, or a role's access tokens and
the day that decides embargoes) and hold only record documents of that scope. What a given
user may not see on top of that (records whose narrowing change is still queued) is taken out
with `without()` before anything is counted or shown. Searches with per-user grants or within
a collection are evaluated afresh and never kept.
"""

from dataclasses import dataclass, field
from heapq import merge

from archive.search.evaluate import Evaluator, IndexView, LRUCache
from archive.search.facets import FacetColumns, apply_facets, rank_key

# A segment holding this share of the index's documents (and at least BASE_MINIMUM) is part
# of an answer's base, evaluated once; the smaller ones after it are its tail, evaluated again
# at each commit. Whoosh merges small segments into larger ones as commits go on, so the tail
# stays a few small segments, and a merge that makes a big one starts the answer afresh.
BASE_SHARE = 0.05
BASE_MINIMUM = 2000
# Weighed by matched documents, about 250 bytes each: at most some 250 MB per process.
MAX_DOCUMENTS = 1_000_000


@dataclass(frozen=True)
class Part:
    """A query's answer over some of the index's segments."""

    matched: frozenset[int]  # allowed record documents the query matches
    kept: list  # (score, document) of those passing every facet selection, best first
    groups: dict  # facet name -> Counter of values over the documents it counts

    @classmethod
    def evaluate(cls, view: IndexView, allowed, query, columns, filters) -> "Part":
        scores = Evaluator(view, allowed).run(query)
        ranked = sorted(((score, docnum) for docnum, score in scores.items()), key=rank_key)
        kept, groups = apply_facets(ranked, columns, filters)
        return cls(frozenset(scores), kept, groups)

    def without(self, gone, columns: FacetColumns, filters) -> "Part":
        """This part minus some documents, their facet counts taken back out."""
        gone = self.matched.intersection(gone)
        if not gone:
            return self
        _, lost = apply_facets([(0.0, d) for d in gone], columns, filters)
        return Part(
            self.matched - gone,
            [entry for entry in self.kept if entry[1] not in gone],
            {name: counts - lost[name] for name, counts in self.groups.items()},
        )


EMPTY = Part(frozenset(), [], {})


@dataclass(frozen=True)
class Answer:
    base: tuple  # ((segment key, offset), …): the segments `part` covers, from the first
    deletions: tuple  # their deleted-document counts `part` reflects
    part: Part
    tail_state: tuple  # IndexView.state of the segments after them, which `tail` covers
    tail: Part
    kept: list  # both parts' kept documents, best first
    groups: dict
    _by_date: dict = field(default_factory=dict, compare=False)

    @property
    def weight(self) -> int:
        return len(self.part.matched) + len(self.tail.matched)

    def by_date(self, columns: FacetColumns, *, newest_first: bool) -> list:
        if newest_first not in self._by_date:  # computed at most once per answer
            self._by_date[newest_first] = columns.by_date(self.kept, newest_first=newest_first)
        return self._by_date[newest_first]

    def without(self, gone, columns: FacetColumns, filters) -> "Answer":
        """For one search: the answer minus documents this user may not see."""
        if not gone:
            return self
        return _combined(
            self.base,
            self.deletions,
            self.part.without(gone, columns, filters),
            self.tail_state,
            self.tail.without(gone, columns, filters),
        )


_answers = LRUCache(MAX_DOCUMENTS, weigh=lambda answer: answer.weight)


def answer(view: IndexView, scope, allowed, query, filters: dict, columns: FacetColumns) -> Answer:
    """The query's answer among `allowed` (the record documents of access scope `scope`, or,
    with scope None, a set that must not be kept), with facet `filters` applied."""
    if scope is None:
        return fresh(view, allowed, query, filters, columns)
    key = (scope, repr(query), tuple(sorted((k, tuple(v)) for k, v in filters.items())))
    kept = _answers.peek(key)
    found = _carried(kept, view, allowed, query, filters, columns) if kept else None
    if found is None:
        found = fresh(view, allowed, query, filters, columns)
    if found is not kept:
        _answers.put(key, found)
    return found


def fresh(view: IndexView, allowed, query, filters: dict, columns: FacetColumns) -> Answer:
    n = _base_segments(view)
    end = view.ends[n - 1] if n else 0
    part = (
        Part.evaluate(view.segments(0, n), {d for d in allowed if d < end}, query, columns, filters)
        if n
        else EMPTY
    )
    base = tuple((key, offset) for _, offset, key, _ in view.leaves[:n])
    deletions = tuple(len(deleted) for *_, deleted in view.leaves[:n])
    return _combined(base, deletions, part, *_tail(view, n, allowed, query, filters, columns))


def _base_segments(view: IndexView) -> int:
    """How many leading segments form the base: up to the last big one."""
    big = max(BASE_MINIMUM, BASE_SHARE * (view.ends[-1] if view.ends else 0))
    n = 0
    for i, (leaf, *_) in enumerate(view.leaves):
        if leaf.doc_count_all() >= big:
            n = i + 1
    return n


def _tail(view: IndexView, n: int, allowed, query, filters, columns, old=None) -> tuple:
    """(state, Part) of the segments after the first n; `old` is reused if they are the same."""
    state = view.state[n:]
    if old is not None and state == old.tail_state:
        return state, old.tail
    if n == len(view.leaves):
        return state, EMPTY
    start = view.leaves[n][1]
    allowed = {d for d in allowed if d >= start}
    return state, Part.evaluate(view.segments(n), allowed, query, columns, filters)


def clear() -> None:
    """Forget every kept answer (the search benchmark times evaluation with this)."""
    _answers.clear()


def _carried(old: Answer, view: IndexView, allowed, query, filters, columns) -> Answer | None:
    """`old` brought to the view's index state, or None if it has to be computed afresh."""
    n = len(old.base)
    leaves = view.leaves
    if tuple((key, offset) for _, offset, key, _ in leaves[:n]) != old.base:
        return None  # a rebuild, or a merge that took in one of the answer's segments
    if _base_segments(view) > n:
        return None  # a merge made a big segment of small ones: it joins the base
    deletions = tuple(len(deleted) for *_, deleted in leaves[:n])
    part = old.part
    if deletions != old.deletions:
        gone: set[int] = set()
        for i, before in enumerate(old.deletions):
            if deletions[i] != before:
                gone |= view.deleted(i)
        part = part.without(gone, columns, filters)
    tail_state, tail = _tail(view, n, allowed, query, filters, columns, old)
    if part is old.part and tail is old.tail:
        return old
    return _combined(old.base, deletions, part, tail_state, tail)


def _combined(base, deletions, part: Part, tail_state, tail: Part) -> Answer:
    if not tail.matched:
        kept, groups = part.kept, part.groups
    elif not part.matched:
        kept, groups = tail.kept, tail.groups
    else:
        kept = list(merge(part.kept, tail.kept, key=rank_key))
        groups = {name: part.groups[name] + tail.groups[name] for name in part.groups}
    return Answer(base, deletions, part, tail_state, tail, kept, groups)
