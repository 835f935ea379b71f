"""A query's answer, kept between searches and carried across index commits.

After a report is published, many readers ask the same few questions while archivists keep
saving. An answer (the record documents a query matches, ranked, the ones that pass the facet
selections, and the facet counts) depends on nothing but the documents themselves: a score
is local to its document (scoring.py) and facet counts are a sum over documents (facets.py).
An index commit only appends segments and marks documents deleted, and Whoosh's merges
replace only the later, smaller segments. So an answer computed on the segments of one index
state still holds for those segments in a later state once the documents deleted since are
taken out; only the segments added since (each edit's small segment, or a merge's) are
evaluated, and the big segment's share is never evaluated twice.

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

# Segments holding this share of the index's documents (and at least BASE_MINIMUM each: a
# rebuild's) are evaluated together when an answer is first computed; every smaller segment on
# its own, so that a commit, which adds one small segment, costs the evaluation of that one.
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
    parts: tuple  # ((the IndexView.state entries of the segments it covers, Part), …)
    kept: list  # every part's kept documents, best first
    groups: dict
    _by_date: dict = field(default_factory=dict, compare=False)

    @property
    def weight(self) -> int:
        return sum(len(part.matched) for _, part in self.parts)

    @property
    def matched(self) -> frozenset[int]:
        """Every document the query matches, whether or not it passes the facet selections."""
        return frozenset().union(*(part.matched for _, part in self.parts))

    def by_date(self, columns: FacetColumns, *, newest_first: bool) -> list:
        if newest_first not in self._by_date:  # computed at most once per answer
            self._by_date[newest_first] = columns.by_date(self.kept, newest_first=newest_first)
        return self._by_date[newest_first]

    def take_date_orders(self, old: "Answer", columns: FacetColumns) -> None:
        """Carry `old`'s date orders over to this answer, which holds the same documents
        under the same numbers but for some taken out and some added: the old order without
        the first, the second inserted where sorting would put them."""
        if not old._by_date:
            return
        now = {docnum for _, docnum in self.kept}
        before = {docnum for _, docnum in old.kept}
        added = [entry for entry in self.kept if entry[1] not in before]
        if len(added) * 8 > len(self.kept):
            return  # as cheap to sort afresh
        gone = before - now
        for newest_first, order in old._by_date.items():
            key = columns.date_key(newest_first=newest_first)
            carried = [entry for entry in order if entry[1] not in gone] if gone else list(order)
            for entry in added:
                insort(carried, entry, key=key)
            self._by_date[newest_first] = carried

    def without(self, gone, columns: FacetColumns, filters) -> "Answer":
        """For one search: the answer minus documents this user may not see."""
        if not gone:
            return self
        return _combined(
            tuple((entries, part.without(gone, columns, filters)) for entries, part in self.parts)
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
    """The big segments evaluated together, each smaller one on its own."""
    n = _base_segments(view)
    parts = []
    if n:
        allowed = among.between(0, view.ends[n - 1])
        parts.append(
            (view.state[:n], Part.evaluate(view.segments(0, n), allowed, query, columns, filters))
        )
    for i in range(n, len(view.leaves)):
        parts.append(((view.state[i],), _segment_part(view, i, among, query, filters, columns)))
    return _combined(tuple(parts))


def _segment_part(view: IndexView, i: int, among: _Among, query, filters, columns) -> Part:
    """The answer within segment i alone: a segment holds whole records (the worker writes a
    record and its passages in one commit, merges take whole segments, and a rebuild adds a
    record's documents as one group)."""
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
    """`old` brought to the view's index state, or None if it has to be computed afresh.

    Each part whose segments are all still there is kept: moved with them if segments before
    them came or went, minus the documents deleted since. A part whose segment went (merged)
    is dropped, and every segment no part covers (an edit's, or a merge's) is evaluated on its
    own."""
    where = {entry[0]: i for i, entry in enumerate(view.state)}
    parts, covered = [], set()
    renumbered = False  # a part moved or went: a document number may now name another
    for entries, part in old.parts:
        moved = _moved(entries, part, view, where, columns, filters)
        if moved is None:
            renumbered = True
            continue
        parts.append(moved)
        covered.update(where[key] for key, _, _ in entries)
        renumbered = renumbered or moved[0][0][1] != entries[0][1]
    if not parts and old.parts:
        return None  # a rebuild: the big segments are evaluated together again
    for i in range(len(view.leaves)):
        if i not in covered:
            parts.append(((view.state[i],), _segment_part(view, i, among, query, filters, columns)))
    if len(parts) == len(old.parts) and all(
        new[1] is before[1] and new[0] == before[0]
        for new, before in zip(parts, old.parts, strict=True)
    ):
        return old
    carried = _combined(tuple(parts))
    if not renumbered:
        carried.take_date_orders(old, columns)
    return carried


def _moved(entries: tuple, part: Part, view: IndexView, where: dict, columns, filters):
    """(entries, part) in the view's state, or None if a segment went or lost deletions
    (deletions only grow, unless the index was replaced by a copy)."""
    if any(key not in where for key, _, _ in entries):
        return None
    now = tuple(view.state[where[key]] for key, _, _ in entries)
    if len({new[1] - before[1] for new, before in zip(now, entries, strict=True)}) != 1:
        return None  # its segments moved apart
    if any(new[2] < before[2] for new, before in zip(now, entries, strict=True)):
        return None
    part = part.shifted(now[0][1] - entries[0][1])
    gone: set[int] = set()
    for new, before in zip(now, entries, strict=True):
        if new[2] > before[2]:
            gone |= view.deleted(where[new[0]])
    return now, part.without(gone, columns, filters) if gone else part


def _combined(parts: tuple) -> Answer:
    matching = [part for _, part in parts if part.matched]
    if not matching:
        kept, groups = [], {}
    elif len(matching) == 1:
        kept, groups = matching[0].kept, matching[0].groups
    else:
        matching.sort(key=lambda p: len(p.kept), reverse=True)
        kept = list(matching[0].kept)
        others = [entry for p in matching[1:] for entry in p.kept]
        if len(others) * 8 < len(kept):  # a few edits' documents: insert them in place
            for entry in others:
                insort(kept, entry, key=rank_key)
        else:
            kept = list(merge(*(p.kept for p in matching), key=rank_key))
        groups = {
            name: sum((p.groups[name] for p in matching), Counter()) for name in matching[0].groups
        }
    return Answer(parts, kept, groups)
