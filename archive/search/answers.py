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

from bisect import bisect_left, insort
from collections import Counter
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

    def shifted(self, delta: int) -> "Part":
        """The same part after its segment moved by `delta` in the view's numbering."""
        if not delta:
            return self
        return Part(
            frozenset(d + delta for d in self.matched),
            [(score, d + delta) for score, d in self.kept],
            self.groups,
        )


EMPTY = Part(frozenset(), [], {})


@dataclass(frozen=True)
class Answer:
    base: tuple  # ((segment key, offset), …): the segments `part` covers, from the first
    deletions: tuple  # their deleted-document counts `part` reflects
    part: Part
    tails: tuple  # ((key, offset, deleted count), Part) for each segment after the base
    kept: list  # every part's kept documents, best first
    groups: dict
    _by_date: dict = field(default_factory=dict, compare=False)

    @property
    def weight(self) -> int:
        return len(self.part.matched) + sum(len(part.matched) for _, part in self.tails)

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
            tuple((entry, part.without(gone, columns, filters)) for entry, part in self.tails),
        )


_answers = LRUCache(MAX_DOCUMENTS, weigh=lambda answer: answer.weight)


def answer(view: IndexView, scope, allowed, query, filters: dict, columns: FacetColumns) -> Answer:
    """The query's answer among `allowed` (the record documents of access scope `scope`, or,
    with scope None, a set that must not be kept), with facet `filters` applied."""
    among = _Among(view, scope, allowed)
    if scope is None:
        return fresh(view, among, query, filters, columns)
    key = (scope, repr(query), tuple(sorted((k, tuple(v)) for k, v in filters.items())))
    kept = _answers.peek(key)
    found = _carried(kept, view, among, query, filters, columns) if kept else None
    if found is None:
        found = fresh(view, among, query, filters, columns)
    if found is not kept:
        _answers.put(key, found)
    return found


class _Among:
    """The allowed record documents, sliced by document number range."""

    def __init__(self, view: IndexView, scope, allowed):
        self.view, self.scope, self.allowed = view, scope, allowed

        self._ordered = None

    def between(self, start: int, end: int) -> set[int]:
        if self._ordered is None:
            # Per index state and scope, shared by every answer of that scope.
            self._ordered = (
                sorted(self.allowed)
                if self.scope is None
                else self.view.cached(("sorted", self.scope), lambda: sorted(self.allowed))
            )
        ordered = self._ordered
        return set(ordered[bisect_left(ordered, start) : bisect_left(ordered, end)])


def fresh(view: IndexView, among: _Among, query, filters: dict, columns) -> Answer:
    n = _base_segments(view)
    part = (
        Part.evaluate(
            view.segments(0, n), among.between(0, view.ends[n - 1]), query, columns, filters
        )
        if n
        else EMPTY
    )
    base = tuple((key, offset) for _, offset, key, _ in view.leaves[:n])
    deletions = tuple(len(deleted) for *_, deleted in view.leaves[:n])
    tails = tuple(
        (view.state[i], _segment_part(view, i, among, query, filters, columns))
        for i in range(n, len(view.leaves))
    )
    return _combined(base, deletions, part, tails)


def _segment_part(view: IndexView, i: int, among: _Among, query, filters, columns) -> Part:
    """The answer within segment i alone. Only for segments the worker wrote or merged, which
    hold whole records (a record and its passages are written in one commit)."""
    start = view.leaves[i][1]
    allowed = among.between(start, view.ends[i])
    if not allowed:
        return EMPTY
    return Part.evaluate(view.segments(i, i + 1), allowed, query, columns, filters)


def _base_segments(view: IndexView) -> int:
    """How many leading segments form the base: up to the last big one."""
    big = max(BASE_MINIMUM, BASE_SHARE * (view.ends[-1] if view.ends else 0))
    n = 0
    for i, (leaf, *_) in enumerate(view.leaves):
        if leaf.doc_count_all() >= big:
            n = i + 1
    return n


def clear() -> None:
    """Forget every kept answer (the search benchmark times evaluation with this)."""
    _answers.clear()


def _carried(old: Answer, view: IndexView, among: _Among, query, filters, columns):
    """`old` brought to the view's index state, or None if it has to be computed afresh."""
    n = len(old.base)
    leaves = view.leaves
    if tuple((key, offset) for _, offset, key, _ in leaves[:n]) != old.base:
        return None  # a rebuild, or a merge that took in one of the answer's segments
    if _base_segments(view) > n:
        return None  # a merge made a big segment of small ones: it joins the base
    deletions = tuple(len(deleted) for *_, deleted in leaves[:n])
    if any(now < before for now, before in zip(deletions, old.deletions, strict=True)):
        return None  # deletions only grow, unless the index was replaced by a copy
    part = old.part
    if deletions != old.deletions:
        gone: set[int] = set()
        for i, before in enumerate(old.deletions):
            if deletions[i] != before:
                gone |= view.deleted(i)
        part = part.without(gone, columns, filters)
    # Each segment after the base: the same part if unchanged, minus its new deletions if
    # those grew, evaluated if new (an edit's segment, or a merge's).
    # A small segment moves when a segment before it comes or goes: its part moves with it.
    same = dict(old.tails)
    placed = {entry[0]: (entry, part) for entry, part in old.tails}
    tails = []
    for i in range(n, len(leaves)):
        entry = view.state[i]
        found = same.get(entry)
        if found is None and entry[0] in placed:
            before, part_before = placed[entry[0]]
            if entry[2] >= before[2]:
                found = part_before.shifted(entry[1] - before[1])
                if entry[2] > before[2]:
                    found = found.without(view.deleted(i), columns, filters)
        if found is None:
            found = _segment_part(view, i, among, query, filters, columns)
        tails.append((entry, found))
    tails = tuple(tails)
    if part is old.part and len(tails) == len(old.tails):
        if all(a[1] is b[1] and a[0] == b[0] for a, b in zip(tails, old.tails, strict=True)):
            return old
    return _combined(old.base, deletions, part, tails)


def _combined(base, deletions, part: Part, tails: tuple) -> Answer:
    parts = [p for p in (part, *(p for _, p in tails)) if p.matched]
    if not parts:
        kept, groups = [], part.groups
    elif len(parts) == 1:
        kept, groups = parts[0].kept, parts[0].groups
    else:
        parts.sort(key=lambda p: len(p.kept), reverse=True)
        kept = list(parts[0].kept)
        others = [entry for p in parts[1:] for entry in p.kept]
        if len(others) * 8 < len(kept):  # a few edits' documents: insert them in place
            for entry in others:
                insort(kept, entry, key=rank_key)
        else:
            kept = list(merge(*(p.kept for p in parts), key=rank_key))
        groups = {name: sum((p.groups[name] for p in parts), Counter()) for name in parts[0].groups}
    return Answer(base, deletions, part, tails, kept, groups)
