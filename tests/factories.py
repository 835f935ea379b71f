"""Small builders that go through the services, as the app itself does."""

from archive.models import RecordKind
from archive.services.records import PassageInput, record_create


def make_record(*paragraphs: str, kind: str = RecordKind.ARTICLE_EXCERPT, **fields):
    fields.setdefault("title", "A record")
    fields.setdefault("language", "en")
    return record_create(kind=kind, passages=[PassageInput(p) for p in paragraphs], **fields)
