"""The rebuild's codec writes exactly the bytes Whoosh's own W3 codec writes, only faster."""

import pytest
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec

from archive.search import engine
from archive.search.codec import Codec

pytestmark = pytest.mark.django_db


def _segment_files(path, codec) -> dict[str, bytes]:
    """The seed documents written by one writer with `codec`, as separate files (not one
    compound file), keyed by their names without the random segment id."""
    path.mkdir()
    index = whoosh_index.create_in(str(path), engine.schema())
    writer = index.writer(codec=codec, compound=False)
    for doc in engine._documents(engine._records().order_by("pk")):
        writer.add_document(**doc)
    writer.commit()
    return {
        file.name.split(".", 1)[1]: file.read_bytes()
        for file in path.iterdir()
        if file.name.startswith("MAIN_") and "." in file.name and file.suffix != ".toc"
    }


def test_the_codec_writes_what_whoosh_writes(tmp_path, loaded_seeds):
    ours = _segment_files(tmp_path / "ours", Codec())
    stock = _segment_files(tmp_path / "stock", W3Codec())
    assert set(ours) == set(stock) and {"pst", "trm", "_text_len.col"} <= set(ours)
    for name, data in stock.items():
        assert ours[name] == data, f"{name} differs"
