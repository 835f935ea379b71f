"""Posting formats for the words, text and pairs fields that analyze each paragraph once.

A passage's words are indexed three times: in its record's document (`words`: title plus
every passage), in its own document (`text`), and as the pairs of adjacent words. Whoosh's
formats run the analyzer for each, so a rebuild analyzed every paragraph three times, about
a fifth of its time (docs/BENCHMARKS.md). These formats take the tokens from a small cache
of analyzed paragraphs instead and write exactly what Whoosh's Positions and Frequency
formats write for the archive analyzer's tokens.

Splitting a text at blank lines does not change its tokens: no token holds a line break
(analysis._TOKEN_RE), and positions simply continue from one paragraph to the next.
"""

import functools
from collections import Counter, defaultdict
from itertools import pairwise

from whoosh import formats
from whoosh.system import pack_uint

from archive.search.analysis import PAIR_SEPARATOR, index_tokens

PARAGRAPH_BREAK = "\n\n"


@functools.lru_cache(maxsize=4096)
def paragraph_tokens(text: str) -> tuple[str, ...]:
    """The analyzer's tokens for one paragraph, kept while the record's documents are
    written (a record's own document comes first, then each of its passages)."""
    return tuple(index_tokens(text))


def tokens(text: str) -> list[str]:
    if PARAGRAPH_BREAK not in text:
        return list(paragraph_tokens(text))
    out: list[str] = []
    for paragraph in text.split(PARAGRAPH_BREAK):
        out.extend(paragraph_tokens(paragraph))
    return out


class ParagraphPositions(formats.Positions):
    """formats.Positions for the archive text analyzer, each paragraph analyzed once.

    The field's analyzer must be analysis.text_analyzer() (backend.py pairs them); the
    `analyzer` argument is not consulted."""

    def word_values(self, value, analyzer, **kwargs):
        poses = defaultdict(list)
        for position, word in enumerate(tokens(value)):
            poses[word].append(position)
        boost = self.field_boost
        encode = self.encode
        return ((w, len(p), len(p) * boost, encode(p)) for w, p in poses.items())


class ParagraphFrequency(formats.Frequency):
    """formats.Frequency for the archive text analyzer: a record's words, counted without
    positions (phrases are matched in passages and titles, whose fields keep them)."""

    def word_values(self, value, analyzer, **kwargs):
        return _counted(Counter(tokens(value)), self.field_boost)


class ParagraphPairs(formats.Frequency):
    """formats.Frequency for analysis.pairs_analyzer(): each word joined to the one before
    it, from the same cached tokens; with `words` (a generation's frequent words,
    pair_words.py), only the pairs of two of them."""

    words: frozenset[str] | None = None  # None: every pair

    def word_values(self, value, analyzer, **kwargs):
        adjacent = pairwise(tokens(value))
        words = self.words
        if words is None:
            counts = Counter(a + PAIR_SEPARATOR + b for a, b in adjacent)
        else:
            counts = Counter(
                a + PAIR_SEPARATOR + b for a, b in adjacent if a in words and b in words
            )
        return _counted(counts, self.field_boost)


def _counted(counts: Counter, boost: float):
    """What formats.Frequency.word_values gives for these token counts."""
    return ((w, n, n * boost, pack_uint(n)) for w, n in counts.items())
