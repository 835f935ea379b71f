"""The term table writer (archive/search/term_index.py) writes Whoosh's bytes."""

import random

import pytest
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.filetables import OrderedHashReader, OrderedHashWriter

from archive.search.term_index import TermIndexWriter


def _entries(count: int, seed: int) -> list[tuple[bytes, bytes]]:
    rng = random.Random(seed)
    keys = set()
    while len(keys) < count:
        # Field number then term, as W3 writes them; shared prefixes as in real terms.
        word = "".join(rng.choice("aeioucamptrs ") for _ in range(rng.randint(1, 14)))
        keys.add(bytes([0, rng.randint(0, 9)]) + word.encode())
    return [(k, rng.randbytes(rng.choice([2, 30, 70, 300]))) for k in sorted(keys)]


def _write(storage, name: str, writer_class, entries) -> bytes:
    writer = writer_class(storage.create_file(name))
    writer.extras["fieldmap"] = {"text": 0, "pairs": 1}
    for key, value in entries:
        writer.add(key, value)
    writer.close()
    return storage.open_file(name).read()


@pytest.mark.parametrize(
    "count",
    [
        0,
        1,
        500,  # key positions fit in 16 bits
        60_000,  # they do not: the index array changes type; tables need probing
    ],
)
def test_the_term_table_is_whooshs_bytes(tmp_path, count):
    storage = FileStorage(str(tmp_path))
    entries = _entries(count, seed=count)
    stock = _write(storage, "stock.trm", OrderedHashWriter, entries)
    ours = _write(storage, "ours.trm", TermIndexWriter, entries)
    assert len(stock) > 100 * count
    assert ours == stock
    reader = OrderedHashReader.open(storage, "ours.trm")
    for key, value in entries[:: max(1, count // 200)]:
        assert reader[key] == value
    assert list(reader.keys()) == [k for k, _ in entries]


def test_keys_out_of_order_are_refused(tmp_path):
    writer = TermIndexWriter(FileStorage(str(tmp_path)).create_file("x.trm"))
    writer.add(b"\x00\x00b", b"1")
    with pytest.raises(ValueError, match="Keys must increase"):
        writer.add(b"\x00\x00a", b"2")
