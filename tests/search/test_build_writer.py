"""The rebuild's writer (archive/search/build_writer.py) writes the same segment, byte for byte,
as Whoosh's own writer with the same codec, in one process and in two."""

import pytest
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec

from archive.search import engine
from archive.search.build_writer import BuildWriter, build_writer
from archive.search.codec import Codec
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


def test_a_build_writer_refuses_an_index_it_would_have_to_merge(tmp_path, loaded_seeds):
    index = whoosh_index.create_in(str(tmp_path), engine.schema())
    writer = index.writer(codec=Codec())
    writer.add_document(**next(engine._documents(engine._records()[:1])))
    writer.commit()
    with pytest.raises(ValueError, match="new index"):
        build_writer(index, codec=Codec())
    (tmp_path / "empty").mkdir()
    empty = whoosh_index.create_in(str(tmp_path / "empty"), engine.schema())
    with pytest.raises(ValueError, match="Codec"):
        build_writer(empty, codec=W3Codec())
    empty.writer().cancel()
    index.writer().cancel()  # the refused writers released the index's lock


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
