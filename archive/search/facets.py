"""Facets, dates and record ids from the index's columns, and counting facets over a set of
record documents.

Counting is a sum over documents (each document adds one to each of its values, if it passes
the other facets' selections), so the counts of two disjoint sets add up and a set's counts
can be taken back out: answers.py relies on that to carry an answer across index commits.
"""

from collections import Counter
from itertools import chain

from archive.search.evaluate import IndexView

# Facets shown, in order; the request parameter equals the index field except year.
FACETS = ("kind", "camp", "practice", "technology", "org", "place", "lang", "year")
FACET_INDEX_FIELD = {name: ("years" if name == "year" else name) for name in FACETS}


def rank_key(entry):
    return (-entry[0], entry[1])  # best first; ties in index order, as Whoosh does


class FacetColumns:
    """Per-document facet values, dates and record ids, read from the index's columns."""

    def __init__(self, view: IndexView):
        self._view = view
        self._columns = {}

    def _column(self, field: str):
        if field not in self._columns:
            # Dates stay raw integers: the same order, and a document without one has none.
            self._columns[field] = self._view.column(field, translate=field != "sort_date")
        return self._columns[field]

    def column(self, name: str) -> list:
        """A facet's values by document: a list for multi-valued facets, else one value."""
        return self._column(FACET_INDEX_FIELD[name])

    def record_id(self, docnum: int) -> int:
        return int(self._column("record_id")[docnum])

    def by_date(self, ranked: list, *, newest_first: bool) -> list:
        return sorted(ranked, key=self.date_key(newest_first=newest_first))

    def date_key(self, *, newest_first: bool):
        """The date order as a key: undated records last in both directions, ties in
        relevance order. answers.py inserts new hits into a kept order with it."""
        dated, dates = self._column("dated"), self._column("sort_date")
        sign = -1 if newest_first else 1

        def key(entry):
            score, docnum = entry
            if dated[docnum] == "1":
                return (0, sign * dates[docnum], -score, docnum)
            return (1, 0, -score, docnum)

        return key


MULTI_VALUED = {"camp", "practice", "technology", "org", "place", "year"}


def apply_facets(ranked: list, columns: FacetColumns, selections: dict[str, list[str]]):
    """Keep the documents that satisfy every selection (OR within a facet, AND across), and
    count each facet's values over the documents that satisfy every *other* selection, so a
    selected facet still shows what choosing another of its values would give."""
    chosen = {name: set(values) for name, values in selections.items() if values}
    docs = [docnum for _, docnum in ranked]
    passing = {}
    for name, want in chosen.items():
        column = columns.column(name)
        if name in MULTI_VALUED:
            passing[name] = {d for d in docs if not want.isdisjoint(column[d])}
        else:
            passing[name] = {d for d in docs if column[d] in want}
    groups: dict[str, dict[str, int]] = {}
    for name in FACETS:
        scope = docs
        for other, passed in passing.items():
            if other != name:
                scope = [d for d in scope if d in passed]
        column = columns.column(name)
        if name in MULTI_VALUED:
            groups[name] = Counter(chain.from_iterable(column[d] for d in scope))
        else:
            groups[name] = Counter(column[d] for d in scope)
    kept = ranked
    for passed in passing.values():
        kept = [entry for entry in kept if entry[1] in passed]
    return kept, groups
