"""What one search may cost: every query form is bounded before anything is looked up, so no
anonymous caller can make a search take seconds (docs/search.md, "Bounds").

A query over a bound is refused whole with a message saying which bound and how to fix it,
rather than cut silently: a lawyer must know that what was searched is what they typed.
"""

from archive.search.analysis import analyze
from archive.search.query_language import And, Field, Not, Or, Phrase, Word

MAX_QUERY_LENGTH = 500  # characters
# Words searched, counting each word of a phrase and each character pair of Chinese,
# Japanese or Korean text (each is a lookup), and each field value.
MAX_TERMS = 50
MAX_WILDCARDS = 3  # each reads up to evaluate.MAX_PREFIX_TERMS posting lists
MAX_FACET_VALUES = 20  # values of one facet parameter; more are ignored
# "Did you mean" walks the index's whole word list for near spellings, at a cost that grows
# with the word's length; longer words (no real word is) get no suggestion.
MAX_SUGGEST_WORD_LENGTH = 20
# A suggestion keeps the word's first two letters: the walk then covers the words that begin
# with them instead of the whole list (docs/BENCHMARKS.md, "Bounds").
SUGGEST_FIXED_PREFIX = 2
# Each candidate is checked by running the whole corrected query again (up to 18 times): a
# long query that finds nothing gets no suggestion.
MAX_SUGGEST_QUERY_TERMS = 8


def refusal(q: str, node) -> str | None:
    """Why the query is not searched, or None."""
    if len(q) > MAX_QUERY_LENGTH:
        return (
            f"The query is over {MAX_QUERY_LENGTH} characters long: nothing was searched. "
            "Shorten it and search again."
        )
    if node is None:
        return None
    terms, wildcards = _cost(node)
    if terms > MAX_TERMS:
        return (
            f"The query searches for {terms} words; at most {MAX_TERMS} can be searched at "
            "once: nothing was searched. Remove some and search again."
        )
    if wildcards > MAX_WILDCARDS:
        return (
            f"The query has {wildcards} wildcards (*); at most {MAX_WILDCARDS} can be used "
            "at once: nothing was searched."
        )
    return None


def terms(node) -> int:
    """How many words the query searches for, as MAX_TERMS counts them."""
    return _cost(node)[0]


def _cost(node) -> tuple[int, int]:
    if isinstance(node, Word):
        return max(1, len(analyze(node.text))), int(node.prefix)
    if isinstance(node, Phrase):
        return max(1, len(analyze(node.text))), 0
    if isinstance(node, Field):
        return 1, int(isinstance(node.value, Word) and node.value.prefix)
    if isinstance(node, Not):
        return _cost(node.child)
    if isinstance(node, And | Or):
        costs = [_cost(child) for child in node.children]
        return sum(t for t, _ in costs), sum(w for _, w in costs)
    raise TypeError(node)
