"""The rebuild's codec and formats write what Whoosh's own would, only faster: every posting
reads back the same through Whoosh's reader, and the columns are the same bytes."""

import struct

import pytest
from whoosh import formats
from whoosh import index as whoosh_index
from whoosh.codec import whoosh3
from whoosh.codec.whoosh3 import W3Codec

from archive.search import engine
from archive.search.analysis import pairs_analyzer, text_analyzer
from archive.search.codec import Codec, single_entry
from archive.search.index_formats import ParagraphFrequency, ParagraphPairs, ParagraphPositions

pytestmark = pytest.mark.django_db


def _write(path, codec):
    """The seed documents written by one writer with `codec`, as separate files."""
    path.mkdir()
    index = whoosh_index.create_in(str(path), engine.schema())
    writer = index.writer(codec=codec, compound=False)
    for doc in engine._documents(engine._records().order_by("pk")):
        writer.add_document(**doc)
    writer.commit()
    return index


def _postings(index) -> dict:
    with index.reader() as reader:
        out = {}
        for fieldname, text in reader.all_terms():
            matcher = reader.postings(fieldname, text)
            # Exact fields have no values: None from a block, b"" from an inlined posting,
            # which Whoosh's own merge treats alike.
            info = reader.term_info(fieldname, text)
            out[fieldname, text] = (
                list(matcher.items_as("weight")),
                [matcher.value() or b"" for _ in _each(matcher)],
                (info.weight(), info.doc_frequency(), info.min_length(), info.max_length()),
                (info.max_weight(), info.min_id(), info.max_id()),
            )
        return out


def _each(matcher):
    matcher.reset()
    while matcher.is_active():
        yield
        matcher.next()


def _columns(path) -> dict[str, bytes]:
    return {
        file.name.split(".", 1)[1]: file.read_bytes()
        for file in path.iterdir()
        if file.name.startswith("MAIN_") and file.suffix == ".col"
    }


def test_the_codec_writes_what_whoosh_writes(tmp_path, loaded_seeds):
    ours = _write(tmp_path / "ours", Codec())
    stock = _write(tmp_path / "stock", W3Codec())
    ours_postings, stock_postings = _postings(ours), _postings(stock)
    assert len(stock_postings) > 1000 and ours_postings == stock_postings
    assert _columns(tmp_path / "ours") == _columns(tmp_path / "stock")
    with ours.reader() as reader:
        inlined = sum(
            reader.term_info(*term).is_inlined() for term in list(reader.all_terms())[:5000]
        )
    assert inlined > 0  # terms found once keep their posting in the term's entry


TRICKY = [
    "Ürümqi and URUMQI\n\nre-education camps\n\n\n\nfacial recognition",
    "\n\nstarts with a break and ends with one\n\n",
    "乌鲁木齐 联合作战平台\n\n新疆 Uyghur",
    "café\u0301 naïve\n\nkana \u304b\u3099 and marks",
    "one paragraph only",
    "",
]


@pytest.mark.parametrize("text", TRICKY)
def test_paragraph_formats_give_whooshs_word_values(text):
    assert sorted(ParagraphPositions().word_values(text, None)) == sorted(
        formats.Positions().word_values(text, text_analyzer())
    )
    assert sorted(ParagraphPairs().word_values(text, None)) == sorted(
        formats.Frequency().word_values(text, pairs_analyzer())
    )
    assert sorted(ParagraphFrequency().word_values(text, None)) == sorted(
        formats.Frequency().word_values(text, text_analyzer())
    )


def test_paragraph_formats_on_every_seed_document(loaded_seeds):
    checked, doc_fields = 0, set()
    for doc in engine._documents(engine._records().order_by("pk")):
        doc_fields |= doc.keys()
        for fieldname, stock, ours, analyzer in (
            ("text", formats.Positions(), ParagraphPositions(), text_analyzer()),
            ("words", formats.Frequency(), ParagraphFrequency(), text_analyzer()),
            ("pairs", formats.Frequency(), ParagraphPairs(), pairs_analyzer()),
        ):
            if fieldname in doc:
                assert sorted(ours.word_values(doc[fieldname], None)) == sorted(
                    stock.word_values(doc[fieldname], analyzer)
                )
                checked += 1
    assert checked > 100 and "words" in doc_fields


@pytest.mark.parametrize(
    ("docnum", "weight", "value", "length"),
    [
        (0, 1.0, b"\x01", 7),
        (41_237, 3.0, b"positions", 0),
        (9, 0.1, None, None),
        (5, 2.5, b"", 300_000),
        # Each size of pickled document number, and a value too long for one pickle opcode.
        (255, 1.0, b"\x00\x00\x00\x01", 12),
        (256, 1.0, b"\x00\x00\x00\x01", 12),
        (65_535, 7.0, b"\x00\x00\x00\x07", 40),
        (65_536, 7.0, b"\x00\x00\x00\x07", 40),
        (2**31 - 1, 1.0, b"x" * 300, 1),
        (2**31, 1.0, b"x" * 300, 1),
    ],
)
def test_a_single_posting_term_entry_is_w3s_bytes(docnum, weight, value, length):
    stored = struct.unpack("f", struct.pack("f", weight))[0]  # W3 keeps weights as float32
    info = whoosh3.W3TermInfo(
        weight=stored,
        df=1,
        minlength=length or None,
        maxlength=length or 0,
        maxweight=max(0, stored),
        minid=docnum,
        maxid=docnum,
    )
    info.set_inlined((docnum,), (stored,), (value or b"",))
    assert single_entry(docnum, weight, value, length) == info.to_bytes()
