"""Answers kept between searches and carried across index commits (answers.py): after edits,
a kept answer must give exactly what evaluating the query afresh gives, and never show what
the searcher may not see."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser

from archive.models import Record
from archive.models.records import RecordState
from archive.search import answers, engine, evaluate
from archive.search.evaluate import IndexView
from archive.search.query import SearchParams, access_of, search
from archive.services.records import PassageInput, record_set_passages
from tests.factories import make_user
from tests.search.helpers import CHECKPOINT_QUERIES, checkpoint_records, find, ids, indexed_record

QUERIES = CHECKPOINT_QUERIES


def outcome():
    """What a reader sees of each query: count, hits with scores, facet counts."""
    out = []
    for q, filters in QUERIES:
        result = find(q, **filters)
        out.append(
            (
                result.count,
                [(hit.record.public_id, hit.score) for hit in result.hits],
                {n: [(v.value, v.count) for v in values] for n, values in result.facets.items()},
            )
        )
    return out


def kept_answers() -> list:
    return list(answers._answers._data.values())


def base(answer) -> tuple:
    """The segments of an answer's first part, the big ones evaluated together."""
    return tuple(key for key, _, _ in answer.parts[0][0])


def base_deletions(answer) -> tuple:
    return tuple(deleted for _, _, deleted in answer.parts[0][0])


def tails(answer) -> tuple:
    """The parts after the base: one per small segment."""
    return answer.parts[1:]


def edit(record, *paragraphs):
    record_set_passages(record=record, passages=[PassageInput(p) for p in paragraphs], note="edit")
    engine.drain()


@pytest.fixture
def small_base(monkeypatch):
    """The proportions of a big index at this test's size: the rebuilt segment is the base,
    each edit's segment belongs to the tail."""
    monkeypatch.setattr(answers, "BASE_MINIMUM", 1)
    monkeypatch.setattr(answers, "BASE_SHARE", 0.3)


@pytest.mark.django_db
def test_a_kept_answer_carried_across_edits_equals_a_fresh_evaluation(small_base):
    made = checkpoint_records(10)
    engine.rebuild()
    answers.clear()  # only this test's answers
    before = outcome()
    bases = {id(a): base(a) for a in kept_answers()}
    assert len(bases) == len(QUERIES)
    assert all(len(base) == 1 for base in bases.values())

    edit(made[0], "Surveillance and phone checks at the checkpoint, edited.")
    edit(made[1], "Nothing about it any more.")  # no longer matches most queries
    edit(made[2], "Facial recognition cameras; detained at the checkpoint.", "Surveillance.")
    edit(made[2], "Surveillance again, edited twice.")  # deletes from a small segment
    Record.objects.filter(pk=made[3].pk).delete()
    engine.drain()
    carried = outcome()

    # Each answer was carried: the big segment's share kept, only the new segments evaluated.
    for kept in kept_answers():
        assert tails(kept), "answer was computed afresh instead of carried"
        assert base(kept) in bases.values()
        assert base_deletions(kept) != (0,)  # the edited records' old documents were taken out
    answers.clear()
    assert carried == outcome()
    assert carried != before
    assert made[3].public_id not in {hit[0] for result in carried for hit in result[1]}


@pytest.mark.django_db
def test_a_kept_answer_never_shows_a_record_whose_unpublishing_is_still_queued():
    checkpoint_records(4)
    others = find("surveillance").count
    secret = indexed_record("The zebracorn informant named three guards.", access_level="public")
    assert ids(find("zebracorn")) == [secret.public_id]
    excerpts = find("", kind=["article_excerpt"]).count
    assert secret.public_id in ids(find("", kind=["article_excerpt"]))

    secret.state = RecordState.DRAFT
    secret.save()  # queued, not yet applied: the index still says published
    assert find("zebracorn").count == 0
    listed = find("", kind=["article_excerpt"])
    assert listed.count == excerpts - 1
    assert secret.public_id not in ids(listed)
    assert {v.value: v.count for v in listed.facets["kind"]}["article_excerpt"] == excerpts - 1

    engine.drain()
    assert find("zebracorn").count == 0
    assert find("", kind=["article_excerpt"]).count == excerpts - 1
    assert find("surveillance").count == others  # the other records stay found


@pytest.mark.django_db
def test_answers_are_kept_per_access_scope():
    draft = indexed_record("The quokkafish ledger of transfers.", state="draft")
    staff = make_user("archivist-a", role="archivist")
    assert ids(find("quokkafish", user=staff)) == [draft.public_id]
    assert find("quokkafish").count == 0
    assert find("quokka*").count == 0


@pytest.mark.django_db
def test_the_passages_shown_follow_an_edit_of_the_record():
    record = indexed_record(
        "The market was quiet.", "A wombatfly camera stood at the gate.", access_level="public"
    )
    assert [p.number for p in find("wombatfly").hits[0].passages] == [2]
    edit(record, "The market was quiet, a wombatfly drone above.", "No camera stood at the gate.")
    now = record.passages.get(text__contains="wombatfly").number
    assert now != 2
    shown = find("wombatfly").hits[0].passages
    assert [p.number for p in shown] == [now]
    assert "drone above" in str(shown[0].highlight)


@pytest.mark.django_db
def test_a_kept_part_follows_its_segment_when_a_larger_one_comes_before_it(small_base):
    checkpoint_records(4)
    engine.rebuild()
    answers.clear()
    indexed_record("A lone note on surveillance cameras.", access_level="public")  # small
    first = outcome()
    before = [len(tails(kept)) for kept in kept_answers()]
    # A larger segment sorts before the small one, which moves in the view's numbering.
    indexed_record(
        *[f"Surveillance camera report {n}, detained at the checkpoint." for n in range(6)],
        access_level="public",
    )
    view = IndexView(engine.searcher(), engine.generation_key())
    assert [leaf.doc_count_all() for leaf, *_ in view.leaves][1:] == [7, 2]
    carried = outcome()
    assert [len(tails(kept)) for kept in kept_answers()] == [t + 1 for t in before]
    answers.clear()
    assert carried == outcome()
    assert carried != first


def access_sets(user=None) -> dict:
    """The per-state sets every search starts from, for this index state."""
    view = IndexView(engine.searcher(), engine.generation_key())
    access = access_of(view, user or AnonymousUser())
    return {
        "live": view.live_docs(),
        "records": view.filter_ids("doc_type", "record"),
        "passages": view.filter_ids("doc_type", "passage"),
        "reader": access.documents,
        "reader records": access.shared_records(view),
    }


def built_afresh(user=None) -> dict:
    evaluate._segment_sets.clear()
    evaluate._cache.clear()
    return access_sets(user)


@pytest.mark.django_db
def test_access_sets_carried_across_commits_equal_sets_built_afresh():
    made = checkpoint_records(6)
    hidden = indexed_record("A draft about the quagga depot.", state="draft")
    engine.rebuild()
    before = access_sets()
    assert hidden_docs(hidden) & before["live"]
    assert not hidden_docs(hidden) & before["reader"]
    # The rebuilt segment stays first in the view's numbering, so these numbers hold.
    replaced = hidden_docs(made[0]) | hidden_docs(made[2])
    assert replaced <= before["reader"]

    edit(made[0], "Edited: surveillance at the checkpoint.")  # deletes from the big segment
    edit(made[1], "Edited once.")
    edit(made[1], "Edited twice.")  # deletes from a small segment
    indexed_record(*[f"Report {n} on the checkpoint." for n in range(6)], access_level="public")
    Record.objects.filter(pk=made[2].pk).delete()
    engine.drain()
    carried = access_sets()
    staff = make_user("archivist-s", role="archivist")
    carried_staff = access_sets(staff)

    assert carried == built_afresh()
    assert carried_staff == built_afresh(staff)
    assert carried != before
    assert len(carried["live"]) == engine.searcher().doc_count()  # Whoosh's own live count
    assert not replaced & carried["live"]
    assert not replaced & carried["reader"]
    assert not hidden_docs(hidden) & carried["reader"]
    assert hidden_docs(hidden) <= carried_staff["reader"]


def hidden_docs(record) -> set[int]:
    view = IndexView(engine.searcher(), engine.generation_key())
    return view.ids("record_id", str(record.pk))


def date_ordered(q: str, sort: str) -> list[tuple]:
    result = search(AnonymousUser(), SearchParams(q=q, sort=sort, page_size=100))
    return [(hit.record.public_id, hit.record.event_start) for hit in result.hits]


@pytest.mark.django_db
def test_a_carried_date_order_equals_sorting_afresh(small_base):
    days = [dt.date(2018, 5, 1), dt.date(2019, 1, 1), None]  # ties, and undated records
    made = [
        indexed_record(
            f"Gryphonwatch at checkpoint {i}.", access_level="public", event_start=days[i % 3]
        )
        for i in range(45)  # enough that a few changes are carried, not sorted afresh
    ]
    engine.rebuild()
    answers.clear()
    first = {sort: date_ordered("gryphonwatch", sort) for sort in ("date", "-date")}
    assert [day for _, day in first["date"]][-15:] == [None] * 15  # undated last either way

    edit(made[0], "Gryphonwatch, edited.")  # the record moves to a new segment
    made[4].event_start = dt.date(2017, 3, 3)
    made[4].save()
    indexed_record("More gryphonwatch.", access_level="public", event_start=dt.date(2019, 1, 1))
    indexed_record("Undated gryphonwatch.", access_level="public")
    search(AnonymousUser(), SearchParams(q="gryphonwatch"))  # carries the answer, sorts nothing
    (kept,) = [a for a in kept_answers() if a.kept and len(a.kept) == 47]
    assert set(kept._by_date) == {True, False}, "the date orders were not carried"

    carried = {sort: date_ordered("gryphonwatch", sort) for sort in ("date", "-date")}
    answers.clear()
    assert carried == {sort: date_ordered("gryphonwatch", sort) for sort in ("date", "-date")}
    assert carried != first
    assert carried["-date"][0][1] == dt.date(2017, 3, 3)
