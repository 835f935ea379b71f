"""Relevance that depends on nothing but the document itself.

BM25 weighs a term by how rare it is in the whole index (IDF) and normalizes by the average
document length, and both statistics include documents the user may not see. Adding two
drafts containing a word measurably changed the scores and order of public hits, so a
patient user could count hidden records that use a word. Here the IDF is constant and the
average length fixed, so a score depends only on the document's own text and the query.
Ranking keeps BM25's term-frequency saturation and length normalization; it loses the
rare-word boost, which is the price of not leaking.
"""

from whoosh.classify import ExpansionModel
from whoosh.scoring import WeightingModel, WeightLengthScorer, WeightScorer, bm25

# Roughly a passage of 120 words; constant so no collection statistic enters a score.
FIXED_AVERAGE_LENGTH = 120.0


class LocalBM25(WeightingModel):
    def __init__(self, B: float = 0.75, K1: float = 1.2):
        self.B, self.K1 = B, K1

    def supports_block_quality(self):
        return True

    def scorer(self, searcher, fieldname, text, qf=1):
        if not searcher.schema[fieldname].scorable:
            return WeightScorer.for_(searcher, fieldname, text)
        return LocalBM25Scorer(searcher, fieldname, text, self.B, self.K1)


class LocalBM25Scorer(WeightLengthScorer):
    def __init__(self, searcher, fieldname, text, B, K1):
        self.B, self.K1 = B, K1
        self.setup(searcher, fieldname, text)

    def _score(self, weight, length):
        return bm25(1.0, weight, length, FIXED_AVERAGE_LENGTH, self.B, self.K1)


class LocalExpansion(ExpansionModel):
    """Key terms for more-like-this by their weight in the source text alone."""

    def normalizer(self, maxweight, top_total):
        return maxweight or 1.0

    def score(self, weight_in_top, weight_in_collection, top_total):
        return weight_in_top
