"""Searching an index that edits have changed since its build: new small segments, and old
documents deleted from the big one. The per-segment caches (evaluate.py) must give exactly
what a fresh build of the same database gives."""

import pytest

from archive.models import Record
from archive.search import engine
from archive.search.evaluate import IndexView
from archive.services.records import PassageInput, record_set_passages
from tests.search.helpers import CHECKPOINT_QUERIES, checkpoint_records, find, indexed_record

QUERIES = [(q, f) for q, f in CHECKPOINT_QUERIES if q]  # ranked by relevance: words needed


def answer(q, filters, sort="relevance"):
    result = find(q, **filters) if sort == "relevance" else _by_date(q, filters)
    return {
        "count": result.count,
        "ranking": _ranking(result, sort),
        "facets": {
            name: [(v.value, v.count) for v in values] for name, values in result.facets.items()
        },
        "passages": {
            hit.record.public_id: [(p.number, str(p.highlight)) for p in hit.passages]
            for hit in result.hits
        },
    }


def _ranking(result, sort) -> list[tuple]:
    """Hits in order, as groups of equal rank: ties keep index order, as Whoosh's do, and an
    edited record's documents move to the end of the index."""
    groups: list[tuple] = []
    for hit in result.hits:
        key = round(hit.score, 9) if sort == "relevance" else hit.record.event_start
        if groups and groups[-1][0] == key:
            groups[-1][1].add(hit.record.public_id)
        else:
            groups.append((key, {hit.record.public_id}))
    return groups


def _by_date(q, filters):
    from django.contrib.auth.models import AnonymousUser

    from archive.search.query import SearchParams, search

    return search(AnonymousUser(), SearchParams(q=q, filters=filters, sort="date"))


def answers():
    return [answer(q, f, sort) for q, f in QUERIES for sort in ("relevance", "date")]


@pytest.mark.django_db
def test_an_index_changed_by_edits_answers_as_a_fresh_build_does():
    records = checkpoint_records(12)
    engine.rebuild()  # one segment, as after `rebuild_index`
    assert answers()  # warm the per-process caches on the one-segment index
    # Edits, each its own commit: the old documents are deleted in the big segment and the
    # new ones land in small segments.
    for i, record in enumerate(records[:6]):
        record_set_passages(
            record=record,
            passages=[
                PassageInput(f"Surveillance and phone checks at checkpoint {i}, edited."),
                PassageInput("Facial recognition cameras everywhere."),
            ],
            note="edit",
        )
        if i != 4:  # records 4 and 5 share a commit, so their small segment outlives one edit
            engine.drain()
    # A second edit deletes documents that the first one put in a small segment.
    record_set_passages(
        record=records[5],
        passages=[PassageInput("Surveillance again, phone at the checkpoint, edited twice.")],
        note="second edit",
    )
    engine.drain()
    records[6].state = "draft"
    records[6].save()
    engine.drain()
    Record.objects.filter(pk=records[7].pk).delete()
    engine.drain()
    view = IndexView(engine.searcher(), engine.generation_key())
    assert any(deleted for _, offset, _, deleted in view.leaves if offset == 0)
    assert any(deleted for _, offset, _, deleted in view.leaves if offset > 0)

    after_edits = answers()
    engine.rebuild()
    assert len(IndexView(engine.searcher(), engine.generation_key()).leaves) == 1
    assert after_edits == answers()
    assert all(records[6].public_id not in a["passages"] for a in after_edits)


@pytest.mark.django_db
def test_a_snippet_shows_a_passage_as_it_reads_now():
    record = indexed_record("The guards said the quarantine would last a week.")
    assert "last a week" in str(find("quarantine").hits[0].passages[0].highlight)
    record_set_passages(
        record=record,
        passages=[PassageInput("The guards said the quarantine would last a month.")],
        note="correction",
    )
    engine.drain()
    snippet = str(find("quarantine").hits[0].passages[0].highlight)
    assert "last a month" in snippet and "week" not in snippet
