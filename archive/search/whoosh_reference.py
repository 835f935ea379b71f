"""The Evaluator's queries as Whoosh's own searcher would run them: the reference the tests
hold evaluate.Evaluator to, and what bench/search.py times as raw Whoosh."""

from whoosh import query as wq

from archive.search.evaluate import TEXT_FIELD, TITLE_FIELD, WORDS_FIELD


def for_whoosh(q: wq.Query) -> wq.Query:
    """The same query for Whoosh's own searcher over record documents, meaning what the
    Evaluator makes of it: words in a record's `words`, and a phrase in its title or within
    one of its passages (Whoosh's NestedParent: a record's passages follow its document in
    its segment). The tests hold the Evaluator to it, and bench/search.py times it as raw
    Whoosh."""
    if isinstance(q, wq.Term | wq.Prefix) and q.fieldname == TEXT_FIELD:
        return type(q)(WORDS_FIELD, q.text, boost=q.boost)
    if isinstance(q, wq.Phrase) and q.fieldname == TEXT_FIELD:
        in_a_passage = InParent(
            wq.Term("doc_type", "record"), wq.Phrase(TEXT_FIELD, q.words, slop=q.slop)
        )
        return wq.Or([wq.Phrase(TITLE_FIELD, q.words, slop=q.slop), in_a_passage])
    if isinstance(q, wq.Not):
        return wq.Not(for_whoosh(q.query))
    if isinstance(q, wq.And | wq.Or):
        return type(q)([for_whoosh(s) for s in q.subqueries], boost=q.boost)
    return q


class InParent(wq.NestedParent):
    """Whoosh's NestedParent, whose matcher's skip_to is fixed: Whoosh's skips a finished
    child (ReadTooFar inside an AND), can stop on a parent before the target, and moves on
    from the parent it is on when asked to skip to it."""

    def matcher(self, searcher, context=None):
        m = super().matcher(searcher, context)
        if isinstance(m, wq.NestedParent.NestedParentMatcher):
            m.__class__ = _InParentMatcher
        return m


class _InParentMatcher(wq.NestedParent.NestedParentMatcher):
    def skip_to(self, id):
        if self._nextdoc is None or self._nextdoc >= id:
            return  # finished, or already there: the child has moved past this parent
        child = self.child
        if child.is_active() and child.id() < id:
            child.skip_to(id)
        # A child at or past `id` may still belong to the parent before `id`.
        while child.is_active():
            parent = self.comb.before(child.id() + 1)
            if parent is not None and parent >= id:
                break
            child.skip_to(self.comb.after(child.id()) or self.maxdoc)
        if child.is_active():
            self._gather()
        else:
            self._nextdoc = None
