"""Which adjacent-word pairs an index generation keeps: those of two frequent words.

A two-word phrase is answered by one lookup of its pair term. That matters when both words
are frequent: without the pair, their long position lists would be read and compared.
When either word is rare, its own short list already narrows the phrase to a few passages,
whose positions are checked instead (evaluate.Evaluator.passage_phrase).

At 10,000 passages, 74 % of the distinct pairs (most of them found once) had a word in
fewer than 1 % of passages. Writing each one's term entry was the largest single cost of a
rebuild (docs/BENCHMARKS.md).

Each generation decides once, from a sample of the passages when it is built. The words
are stored with the generation (WORDS_FILE) and every writer and reader of it uses that
generation's list (engine.generation_schema), so a pair is looked up only where it was
written. Words that become frequent later only take the slower path until the next rebuild.
A small archive keeps every pair.
"""

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.db.models import F

from archive.models import Passage
from archive.search.analysis import index_tokens

WORDS_FILE = "pair-words.json"
SAMPLE_EVERY = 8  # passages whose id is a multiple of this are read
MIN_SHARE = 0.01  # a word in at least this share of the sampled passages is frequent


def choose(texts: Iterable[str], min_share: float = MIN_SHARE) -> frozenset[str] | None:
    """The frequent words of these passages; None (keep every pair) if there are fewer than
    settings.ARCHIVE_PAIR_WORDS_MIN_SAMPLE of them."""
    counts: Counter[str] = Counter()
    sampled = 0
    for text in texts:
        counts.update(set(index_tokens(text)))
        sampled += 1
    if sampled < settings.ARCHIVE_PAIR_WORDS_MIN_SAMPLE:
        return None
    least = max(2, min_share * sampled)
    return frozenset(word for word, n in counts.items() if n >= least)


def sample() -> Iterable[str]:
    """Every SAMPLE_EVERY-th passage's text, by id, whoever may see it: the choice affects
    only how a phrase is looked up, never what it finds."""
    texts = (
        Passage.objects.alias(bucket=F("id") % SAMPLE_EVERY)
        .filter(bucket=0)
        .values_list("text", flat=True)
    )
    return texts.iterator(chunk_size=2000)


def save(path: Path, words: frozenset[str] | None) -> None:
    (path / WORDS_FILE).write_text(json.dumps(None if words is None else sorted(words)))


def load(path: Path) -> frozenset[str] | None:
    """A generation's words; None for a generation that keeps every pair (or predates the
    choice, when every pair was kept)."""
    file = path / WORDS_FILE
    if not file.exists():
        return None
    words = json.loads(file.read_text())
    return None if words is None else frozenset(words)
