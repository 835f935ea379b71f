"""haystack index declarations: one document per record and one per passage.

Record documents carry the whole text (as counted words), the filters and the facets:
searches, counts and facets run on them, so counts are of records. Passage documents let a
hit name its ¶ and hold the positions that phrases are matched with. Both carry the access
tokens of archive.permissions, so the engine query enforces who may see what.
"""

from haystack import indexes

from archive import permissions
from archive.dates import period_end
from archive.models import Passage, Record
from archive.models.vocabulary import SEARCH_FIELD
from archive.search.fields import (
    ArchivePairsField,
    ArchiveTextField,
    ArchiveWordsField,
    ExactField,
    ExactMultiField,
)

# Index field name per term kind: the query language's field prefixes use the same names.
TAG_FIELDS = SEARCH_FIELD
MAX_YEARS = 200


def event_years(record: Record) -> list[int]:
    """Every year the described events may fall in; a record of 2017–2019 matches year:2018."""
    start = record.event_start or record.event_end
    end = record.event_end or record.event_start
    if start is None:
        return []
    last = period_end(end, record.event_end_precision if record.event_end else "year").year
    return list(range(start.year, min(last, start.year + MAX_YEARS) + 1))


class RecordIndex(indexes.SearchIndex, indexes.Indexable):
    # haystack wants the same document field in every index; a record's is left out (None),
    # its words go to `words`, which keeps no positions.
    text = ArchiveTextField(document=True, null=True)
    words = ArchiveWordsField()  # the title, then every passage
    title = ArchiveTextField(model_attr="title")  # phrases are matched in it or in a passage
    doc_type = ExactField()
    record_id = ExactField()
    public_id = ExactField()
    kind = ExactField(model_attr="kind")
    state = ExactField(model_attr="state")
    lang = ExactField()
    years = ExactMultiField()
    source = ExactField()
    access = ExactMultiField()
    embargo = ExactField()  # YYYYMMDD or empty; compared with today at search time
    sort_date = indexes.DateTimeField(null=True)
    dated = ExactField()  # "1" or "0", so undated records sort last either way
    camp = ExactMultiField()
    practice = ExactMultiField()
    technology = ExactMultiField()
    org = ExactMultiField()
    place = ExactMultiField()
    person = ExactMultiField()
    group = ExactMultiField()

    def get_model(self):
        return Record

    def index_queryset(self, using=None):
        return Record.objects.select_related("source").prefetch_related("tags", "passages__tags")

    def prepare(self, record):
        data = super().prepare(record)
        tags = {field: set() for field in TAG_FIELDS.values()}
        passages = sorted(record.passages.all(), key=lambda p: (p.position, p.number))
        for term in [*record.tags.all(), *(t for p in passages for t in p.tags.all())]:
            tags[TAG_FIELDS[term.kind]].add(term.slug)
        data.update({field: sorted(slugs) for field, slugs in tags.items()})
        data["words"] = "\n\n".join([record.title, *(p.text for p in passages)])
        data["text"] = None
        return data

    def prepare_doc_type(self, record):
        return "record"

    def prepare_record_id(self, record):
        return str(record.pk)

    def prepare_public_id(self, record):
        return record.public_id

    def prepare_lang(self, record):
        return record.language.split("-")[0].lower()

    def prepare_years(self, record):
        return event_years(record)

    def prepare_source(self, record):
        return str(record.source_id or "")

    def prepare_access(self, record):
        return permissions.index_tokens(record)

    def prepare_embargo(self, record):
        return permissions.index_embargo(record)

    def prepare_dated(self, record):
        return "1" if self.prepare_sort_date(record) else "0"

    def prepare_sort_date(self, record):
        date = record.event_start or (record.source.published_on if record.source else None)
        return date


class PassageIndex(indexes.SearchIndex, indexes.Indexable):
    text = ArchiveTextField(document=True, model_attr="text")
    pairs = ArchivePairsField(model_attr="text")  # phrases are evaluated on passages
    doc_type = ExactField()
    record_id = ExactField(model_attr="record_id")
    number = indexes.IntegerField(model_attr="number")
    position = indexes.IntegerField(model_attr="position")
    access = ExactMultiField()
    embargo = ExactField()

    def get_model(self):
        return Passage

    def index_queryset(self, using=None):
        return Passage.objects.select_related("record")

    def prepare_doc_type(self, passage):
        return "passage"

    def prepare_access(self, passage):
        return permissions.index_tokens(passage.record)

    def prepare_embargo(self, passage):
        return permissions.index_embargo(passage.record)
