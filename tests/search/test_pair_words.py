"""A rebuild indexes the pairs of frequent words only (archive/search/pair_words.py), and
phrases find exactly what they found with every pair indexed."""

import json

import pytest

from archive.search import engine, pair_words, postings
from archive.search.evaluate import IndexView
from archive.search.query import SearchParams, search
from tests.search.helpers import ANONYMOUS, indexed_record

pytestmark = pytest.mark.django_db

# Each in one passage only, so never frequent in the sample.
RARE = ["basalt", "cobalt", "dolomit", "feldspar", "gneiss", "hornfel", "jasper", "kyanit"]

QUERIES = [
    '"the camp"',  # two frequent words: their pair
    '"the basalt gate"',  # frequent, rare, frequent
    '"basalt gate"',
    '"quartzite rhyolite"',  # two rare words
    '"guards of the camp searched"',
    '"camp basalt"',  # both words occur, never adjacent
    '"gate of the camp"',
    'camp -"the basalt gate"',
    '"searched every phone" OR "feldspar gate"',
    '"basalt gate"~3',
]


@pytest.fixture
def corpus(settings):
    settings.ARCHIVE_PAIR_WORDS_MIN_SAMPLE = 0  # choose words even for a few passages
    made = []
    for i in range(48):
        rare = RARE[i] if i < len(RARE) else ""
        made.append(
            indexed_record(
                "The guards of the camp searched every phone at the checkpoint.",
                f"They walked past the {rare} gate of the camp at night.",
                "Later the quartzite rhyolite stones were counted." if i == 0 else "Later.",
                title=f"Account {i}",
            )
        )
    return made


def _answers() -> dict:
    found = {}
    for q in QUERIES:
        result = search(ANONYMOUS, SearchParams(q=q, page_size=100))
        found[q] = (
            result.count,
            sorted(
                (h.record.pk, round(h.score or 0, 6), tuple(p.number for p in h.passages))
                for h in result.hits
            ),
        )
    return found


def _pair_postings(text: str) -> int:
    view = IndexView(engine.searcher(), engine.generation_key())
    return sum(len(postings.read_postings(leaf, "pairs", text)[0]) for leaf, *_ in view.leaves)


@pytest.mark.parametrize("procs", [1, 2])
def test_a_rebuild_keeps_the_pairs_of_frequent_words_and_phrases_answer_the_same(corpus, procs):
    every_pair = _answers()
    assert _pair_postings("the basalt") > 0  # the worker's generation keeps every pair
    assert [every_pair[q][0] for q in ('"basalt gate"', '"camp basalt"')] == [1, 0]
    assert every_pair['"the camp"'][0] >= len(corpus)

    engine.rebuild(procs=procs)

    words = pair_words.load(engine.current_generation())
    assert {"the", "camp", "gate", "guard"} <= words and not words & set(RARE)
    assert _pair_postings("the basalt") == 0 and _pair_postings("quartzit rhyolit") == 0
    assert _pair_postings("the camp") >= 2 * len(corpus)  # in two passages of each record
    assert _answers() == every_pair
    assert engine.status().in_sync


def test_edits_after_a_rebuild_keep_that_generations_pairs(corpus):
    engine.rebuild()
    edited = indexed_record("A new account: the basalt gate and the camp.", title="New")
    assert _pair_postings("the basalt") == 0  # the worker wrote with the generation's words
    for q in ('"the basalt gate"', '"the camp"'):
        hits = search(ANONYMOUS, SearchParams(q=q, page_size=100)).hits
        assert edited.pk in {h.record.pk for h in hits}
        assert [p.number for h in hits if h.record.pk == edited.pk for p in h.passages] == [1]


def test_a_small_archive_keeps_every_pair(corpus, settings):
    settings.ARCHIVE_PAIR_WORDS_MIN_SAMPLE = 500
    engine.rebuild()
    stored = json.loads((engine.current_generation() / pair_words.WORDS_FILE).read_text())
    assert stored is None
    assert _pair_postings("the basalt") > 0
