"""haystack Whoosh backend with exact-value fields and the archive analyzer.

Stock haystack maps every field it does not know to stemmed TEXT, so facet values came back
split and stemmed; it hard-codes a StemmingAnalyzer; and it stores the full text. Here exact
fields are ID/KEYWORD, text uses archive.search.analysis, and text is not stored (passages
are read from the database for snippets, so the index holds no second copy of testimony).
"""

from haystack.backends.whoosh_backend import WhooshEngine, WhooshSearchBackend
from haystack.constants import DJANGO_CT, DJANGO_ID, ID
from whoosh import columns
from whoosh.fields import COLUMN, DATETIME, KEYWORD, STORED, TEXT, Schema
from whoosh.fields import ID as WHOOSH_ID

from archive.search.analysis import pairs_analyzer, text_analyzer
from archive.search.index_formats import ParagraphFrequency, ParagraphPairs, ParagraphPositions

LIST_SEPARATOR = "\x1f"


class TagListColumn(columns.WrappedColumn):
    """A column holding each document's list of values (tag slugs, years).

    Whoosh's overlapping facet counter otherwise rebuilds a list of values for every
    document in the index on every search, which cost hundreds of milliseconds per facet;
    with a list column it reads only the documents that matched. (Whoosh 2.7.4's own
    ListColumn has no writer, and PickleColumn would unpickle from index files.)
    """

    class Writer(columns.WrappedColumnWriter):
        def add(self, docnum, value):
            self._child.add(docnum, LIST_SEPARATOR.join(value).encode() if value else b"")

    class Reader(columns.WrappedColumnReader):
        def __getitem__(self, docnum):
            value = self._child[docnum]
            return value.decode().split(LIST_SEPARATOR) if value else []

        def __iter__(self):
            for value in self._child:
                yield value.decode().split(LIST_SEPARATOR) if value else []

    def stores_lists(self):
        return True


class FacetKeyword(KEYWORD):
    """Comma-separated exact values, indexed for matching and kept in a list column."""

    def __init__(self, **kwargs):
        super().__init__(commas=True, lowercase=True, **kwargs)
        self.column_type = TagListColumn(columns.VarBytesColumn())

    def to_column_value(self, value):
        return [v.strip().lower() for v in value.split(",") if v.strip()]

    def from_column_value(self, value):
        return value


class ArchiveWhooshBackend(WhooshSearchBackend):
    def build_schema(self, fields):
        schema = {
            ID: WHOOSH_ID(stored=True, unique=True),
            DJANGO_CT: WHOOSH_ID(stored=True),
            DJANGO_ID: WHOOSH_ID(stored=True),
            # Hash of the prepared document; index_status compares it with the database.
            "fingerprint": STORED(),  # read back only, never searched
        }
        content_field = ""
        for field in fields.values():
            name = field.index_fieldname
            if field.field_type == "exact":
                # Sortable: a column, so single-valued facets and sorting read matches only.
                schema[name] = WHOOSH_ID(stored=True, sortable=True)
            elif field.field_type == "exact_multi":
                schema[name] = FacetKeyword(stored=True)
            elif field.field_type == "archive_text":
                schema[name] = TEXT(analyzer=text_analyzer(), stored=False, phrase=True)
                schema[name].format = ParagraphPositions(field_boost=1.0)
            elif field.field_type == "archive_words":
                # A record's words without positions: its phrases are matched in its
                # passages and title, so positions here were written and never read.
                schema[name] = TEXT(analyzer=text_analyzer(), stored=False, phrase=False)
                schema[name].format = ParagraphFrequency(field_boost=1.0)
            elif field.field_type == "archive_pairs":
                schema[name] = TEXT(analyzer=pairs_analyzer(), stored=False, phrase=False)
                schema[name].format = ParagraphPairs(field_boost=1.0)
            elif field.field_type in ("date", "datetime"):
                schema[name] = DATETIME(stored=True, sortable=True)
            elif field.field_type == "integer":
                # Read from the column only (¶ number, position): indexing them as numeric
                # terms cost 16 postings per passage for nothing.
                schema[name] = COLUMN(columns.NumericColumn("i"))
            else:
                raise ValueError(f"{name}: field type {field.field_type} has no Whoosh mapping")
            if field.document:
                content_field = name
        return content_field, Schema(**schema)


class ArchiveWhooshEngine(WhooshEngine):
    backend = ArchiveWhooshBackend
