"""The worker's merge policy (archive/search/merging.py) on a real index: the rebuild's big
segment stays, small segments merge in tiers, dead ones go, and searches see no change."""

import pytest
from whoosh import index as whoosh_index
from whoosh.writing import NO_MERGE, OPTIMIZE

from archive.search import engine
from archive.search.codec import Codec
from archive.search.evaluate import IndexView
from archive.search.merging import MERGE_FACTOR, TierWriter
from archive.search.query import SearchParams, search
from archive.services.records import PassageInput, record_set_passages
from tests.search.helpers import ANONYMOUS, find, ids, indexed_record
from tests.search.test_build_writer import _segment_files

pytestmark = pytest.mark.django_db


def segments() -> list[tuple[str, int, int]]:
    """(segment id, documents, deleted) of the live index, largest first."""
    view = IndexView(engine.searcher(), engine.generation_key())
    return [(key[1], leaf.doc_count_all(), len(deleted)) for leaf, _, key, deleted in view.leaves]


def test_small_segments_merge_in_tiers_and_the_big_one_stays():
    for i in range(6):
        indexed_record(f"Account {i} of the checkpoint cameras, filed before the rebuild.")
    engine.rebuild()
    (big, _, _), *_ = segments()
    made = []
    for i in range(3 * MERGE_FACTOR):  # one record per commit, as an archivist saves
        made.append(indexed_record(f"Report {i}: the quailstone checkpoint logged every phone."))
        assert segments()[0][0] == big
        assert len(segments()) <= 1 + 2 * (MERGE_FACTOR - 1)
    assert len(segments()) < 1 + len(made)  # some merged
    found = search(ANONYMOUS, SearchParams(q="quailstone", page_size=100))
    assert sorted(ids(found)) == sorted(r.public_id for r in made)


def test_a_small_segment_whose_documents_were_all_replaced_goes_with_that_commit():
    indexed_record("The seed of the big segment: a checkpoint account.")
    engine.rebuild()
    record = indexed_record("The ravenmoor camp had two gates.")
    before = {sid for sid, _, _ in segments()}
    record_set_passages(
        record=record, passages=[PassageInput("The ravenmoor camp had three gates.")], note="fix"
    )
    engine.drain()
    after = segments()
    assert all(deleted < size for _, size, deleted in after)  # no segment of dead documents
    assert len(before - {sid for sid, _, _ in after}) == 1  # the record's first segment went
    assert [h.record.public_id for h in find("ravenmoor").hits] == [record.public_id]
    assert "three gates" in str(find("ravenmoor").hits[0].passages[0].highlight)


def test_a_multi_process_rebuild_keeps_each_record_in_one_segment():
    made = [
        indexed_record(*[f"Paragraph {n} of account {i}, about the camp." for n in range(9)])
        for i in range(25)
    ]
    engine.rebuild(procs=2)
    view = IndexView(engine.searcher(), engine.generation_key())
    assert len(view.leaves) > 1
    owners = view.column("record_id")
    segment_of = {}
    for index, end in enumerate(view.ends):
        start = view.leaves[index][1]
        for docnum in range(start, end):
            segment_of.setdefault(owners[docnum], set()).add(index)
    assert all(len(found) == 1 for found in segment_of.values())
    assert {str(r.pk) for r in made} <= set(segment_of)


def _merged_files(path, make_writer, docs: list[dict], deleted: list[str]) -> dict[str, bytes]:
    """Four segments (some documents then deleted), merged into one by `make_writer` along
    with two new documents; the files of the one segment left."""
    path.mkdir()
    index = whoosh_index.create_in(str(path), engine.schema())
    chunk = len(docs) // 4
    for start in range(0, 4 * chunk, chunk):
        writer = index.writer(codec=Codec(), compound=False)
        for doc in docs[start : start + chunk]:
            writer.add_document(**doc)
        writer.commit(mergetype=NO_MERGE)
    writer = index.writer(codec=Codec(), compound=False)
    for record_id in deleted:
        writer.delete_by_term("record_id", record_id)
    writer.commit(mergetype=NO_MERGE)
    writer = make_writer(whoosh_index.open_dir(str(path)))
    for doc in docs[4 * chunk :]:
        writer.add_document(**doc)
    writer.commit(mergetype=OPTIMIZE)
    return _segment_files(path)


def test_the_workers_merge_writes_the_bytes_whooshs_writer_writes(tmp_path, loaded_seeds):
    # Terms in blocks of 128 and a remainder, in one document (inlined), in deleted
    # documents only; exact fields without values; renumbering with and without deletions.
    for i in range(300):
        indexed_record(f"Account {i}: the camp guards took every phone at the checkpoint.")
    docs = list(engine._documents(engine._records().order_by("pk")))
    records = [doc["record_id"] for doc in docs if doc["doc_type"] == "record"]
    # From the first and the last of the four segments; the middle two keep every document.
    deleted = records[1:40:3] + records[-12:-6]
    stock = _merged_files(
        tmp_path / "stock",
        lambda ix: ix.writer(codec=Codec(), compound=False),
        docs,
        deleted,
    )
    ours = _merged_files(
        tmp_path / "ours",
        lambda ix: TierWriter(ix, codec=Codec(), compound=False),
        docs,
        deleted,
    )
    assert {"trm", "pst"} <= set(stock) and sum(map(len, stock.values())) > 1_000_000
    assert ours.keys() == stock.keys()
    assert [name for name in stock if ours[name] != stock[name]] == []
