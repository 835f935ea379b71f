"""Search test helpers: create records through the services and index them for real."""

from django.contrib.auth.models import AnonymousUser

from archive.models import Term
from archive.search import engine
from archive.search.query import SearchParams, search
from archive.services.records import PassageInput, record_create

ANONYMOUS = AnonymousUser()


def indexed_record(*paragraphs, tags=(), passage_tags=None, **fields):
    """Create a record and apply the index queue, as the worker would."""
    fields.setdefault("title", "A test record")
    fields.setdefault("language", "en")
    fields.setdefault("kind", "article_excerpt")
    fields.setdefault("state", "published")
    passage_tags = passage_tags or {}
    record = record_create(
        passages=[
            PassageInput(p, tags=tuple(Term.objects.filter(slug__in=passage_tags.get(i, []))))
            for i, p in enumerate(paragraphs, start=1)
        ],
        tags=Term.objects.filter(slug__in=tags),
        **fields,
    )
    engine.drain()
    return record


def find(q="", user=ANONYMOUS, **filters):
    return search(user, SearchParams(q=q, filters={k: list(v) for k, v in filters.items()}))


def ids(result) -> list[str]:
    return [hit.record.public_id for hit in result.hits]


def seed_id(key: str) -> str:
    from archive.models import Record

    return Record.objects.get(import_key=key).public_id


def checkpoint_records(n: int) -> list:
    """n published records sharing words (surveillance, checkpoint, facial recognition,
    detained), alternately testimony and article, a third without the word phone."""
    return [
        indexed_record(
            f"Surveillance camera number {i} stood at the checkpoint by the market.",
            "Facial recognition matched every face; detainees were detained at night.",
            f"A phone was searched at checkpoint {i}." if i % 3 else "Nothing more.",
            kind="testimony" if i % 2 else "article_excerpt",
            access_level="public",
            title=f"Account {i}",
        )
        for i in range(n)
    ]


# Every query form over checkpoint_records(): words, a phrase, boolean, NOT, a wildcard,
# proximity, a facet selection, and facets alone.
CHECKPOINT_QUERIES = [
    ("surveillance", {}),
    ('"facial recognition"', {}),
    ("camera AND (checkpoint OR phone)", {}),
    ("surveillance -phone", {}),
    ("detain*", {}),
    ('"camera checkpoint"~3', {}),
    ("surveillance", {"kind": ["testimony"]}),
    ("", {"kind": ["testimony", "article_excerpt"]}),
]
