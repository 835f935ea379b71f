"""haystack field types that map to exact (unanalysed) Whoosh fields; see backend.py."""

from haystack import indexes


class ExactField(indexes.CharField):
    """One exact value (ID field): identifiers, kind, state, language."""

    field_type = "exact"


class ExactMultiField(indexes.MultiValueField):
    """Several exact values (KEYWORD field): tag slugs, years, access tokens.

    Stock haystack turns multi-value fields into stemmed, tokenized text, so facets came back
    as "alic" and "smith"; these stay whole and lower-case.
    """

    field_type = "exact_multi"

    def convert(self, value):
        values = super().convert(value) or []
        return [str(v).lower() for v in values]


class ArchiveTextField(indexes.CharField):
    """Full text with the archive analyzer (folding, stemming, CJK bigrams)."""

    field_type = "archive_text"


class ArchiveWordsField(indexes.CharField):
    """A record's full text with the archive analyzer, counted without positions."""

    field_type = "archive_words"


class ArchivePairsField(indexes.CharField):
    """Adjacent token pairs of the text (analysis.PairFilter), for fast exact phrases."""

    field_type = "archive_pairs"
