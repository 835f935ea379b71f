"""haystack Whoosh backend with exact-value fields and the archive analyzer.

Stock haystack maps every field it does not know to stemmed TEXT, so facet values came back
split and stemmed; it hard-codes a StemmingAnalyzer; and it stores the full text. Here exact
fields are ID/KEYWORD, text uses archive.search.analysis, and text is not stored (passages
are read from the database for snippets, so the index holds no second copy of testimony).
"""

from haystack.backends.whoosh_backend import WhooshEngine, WhooshSearchBackend
from haystack.constants import DJANGO_CT, DJANGO_ID, ID
from whoosh.fields import DATETIME, KEYWORD, NUMERIC, TEXT, Schema
from whoosh.fields import ID as WHOOSH_ID

from archive.search.analysis import text_analyzer


class ArchiveWhooshBackend(WhooshSearchBackend):
    def build_schema(self, fields):
        schema = {
            ID: WHOOSH_ID(stored=True, unique=True),
            DJANGO_CT: WHOOSH_ID(stored=True),
            DJANGO_ID: WHOOSH_ID(stored=True),
            # Hash of the prepared document; index_status compares it with the database.
            "fingerprint": WHOOSH_ID(stored=True),
        }
        content_field = ""
        for field in fields.values():
            name = field.index_fieldname
            if field.field_type == "exact":
                schema[name] = WHOOSH_ID(stored=True)
            elif field.field_type == "exact_multi":
                schema[name] = KEYWORD(stored=True, commas=True, lowercase=True)
            elif field.field_type == "archive_text":
                schema[name] = TEXT(analyzer=text_analyzer(), stored=False, phrase=True)
            elif field.field_type in ("date", "datetime"):
                schema[name] = DATETIME(stored=True, sortable=True)
            elif field.field_type == "integer":
                schema[name] = NUMERIC(stored=True, numtype=int, sortable=True)
            else:
                raise ValueError(f"{name}: field type {field.field_type} has no Whoosh mapping")
            if field.document:
                content_field = name
        return content_field, Schema(**schema)


class ArchiveWhooshEngine(WhooshEngine):
    backend = ArchiveWhooshBackend
