"""The rebuild's writer (archive/search/build_writer.py) writes the same segment, byte for byte,
as Whoosh's own writer with the same codec, in one process and in two."""

import pytest
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec

from archive.search import engine
from archive.search.build_writer import BuildWriter, build_writer
from archive.search.codec import Codec
from archive.search.evaluate import IndexView
from archive.search.query import SearchParams, search
from tests.search.helpers import ANONYMOUS, ids, indexed_record

pytestmark = pytest.mark.django_db


def _segment_files(path) -> dict[str, bytes]:
    """Each segment file's bytes, keyed by what follows the segment's random name."""
    files = {}
    for file in path.iterdir():
        name, _, suffix = file.name.partition(".")
        if name.startswith("MAIN_") and suffix and suffix != "toc":
            files[suffix] = file.read_bytes()
    return files


def _write(path, make_writer) -> dict[str, bytes]:
    path.mkdir()
    index = whoosh_index.create_in(str(path), engine.schema())
    writer = make_writer(index)
    for doc in engine._documents(engine._records().order_by("pk")):
        writer.add_document(**doc)
    writer.commit()
    return _segment_files(path)


def test_a_build_writes_the_bytes_whooshs_writer_writes(tmp_path, loaded_seeds):
    # Terms found in many documents (blocks of 128 postings and a remainder), in one, and
    # exact fields without values.
    for i in range(300):
        indexed_record(f"Account {i}: the camp guards took every phone at the checkpoint.")
    stock = _write(tmp_path / "stock", lambda ix: ix.writer(codec=Codec(), compound=False))
    ours = _write(tmp_path / "ours", lambda ix: BuildWriter(ix, codec=Codec(), compound=False))
    assert {"trm", "pst"} <= set(stock) and sum(map(len, stock.values())) > 1_000_000
    assert ours.keys() == stock.keys()
    assert [name for name in stock if ours[name] != stock[name]] == []


def test_a_build_writer_needs_the_archive_codec(tmp_path):
    index = whoosh_index.create_in(str(tmp_path), engine.schema())
    with pytest.raises(ValueError, match="Codec"):
        build_writer(index, codec=W3Codec())
    index.writer().cancel()  # the refused writer released the index's lock


@pytest.mark.parametrize("procs", [1, 2])
def test_a_rebuild_with_the_build_writer_answers_as_before(procs):
    made = [
        indexed_record(
            *[f"Paragraph {n} of account {i}, about the sandcrest camp." for n in range(6)]
        )
        for i in range(40)
    ]
    before = search(ANONYMOUS, SearchParams(q='"sandcrest camp"', page_size=100))
    engine.rebuild(procs=procs)
    after = search(ANONYMOUS, SearchParams(q='"sandcrest camp"', page_size=100))
    assert after.count == before.count == len(made)
    assert sorted(ids(after)) == sorted(r.public_id for r in made)
    assert engine.status().in_sync


def _segment_of_each_record() -> dict[str, set[int]]:
    view = IndexView(engine.searcher(), engine.generation_key())
    owners = view.column("record_id")
    found: dict[str, set[int]] = {}
    for index, end in enumerate(view.ends):
        for docnum in range(view.leaves[index][1], end):
            found.setdefault(owners[docnum], set()).add(index)
    return found


@pytest.mark.parametrize("procs", [1, 2])
def test_a_build_past_its_memory_limit_writes_more_segments_and_answers_the_same(procs):
    made = [
        indexed_record(*[f"Paragraph {n} of account {i}, the marshgate camp." for n in range(8)])
        for i in range(60)
    ]
    engine.rebuild(procs=procs)
    one_segment_each = len(IndexView(engine.searcher(), engine.generation_key()).leaves)
    before = search(ANONYMOUS, SearchParams(q='"marshgate camp" account', page_size=100))
    engine.rebuild(procs=procs, limitmb=0.05)  # about 50 KB of postings per segment
    segments = _segment_of_each_record()
    assert len(IndexView(engine.searcher(), engine.generation_key()).leaves) > one_segment_each + 2
    assert all(len(found) == 1 for found in segments.values())  # no record split
    assert {str(r.pk) for r in made} <= set(segments)
    after = search(ANONYMOUS, SearchParams(q='"marshgate camp" account', page_size=100))
    assert after.count == before.count == len(made)
    # Equal scores keep index order, which the segments change; the scores stay the same.
    assert sorted((h.record.pk, round(h.score, 6)) for h in after.hits) == sorted(
        (h.record.pk, round(h.score, 6)) for h in before.hits
    )
    assert engine.status().in_sync
