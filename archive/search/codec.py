"""Whoosh's own codec (W3), written faster: the postings writer reads document lengths a
column at a time, and a term found in one document keeps its posting in the term's entry
instead of a block of its own. Whoosh's readers (and postings.py) read both layouts."""

from whoosh.codec import whoosh3
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.util.numeric import byte_to_length

_LENGTH_OF_BYTE = [byte_to_length(b) for b in range(256)]


class _Lengths:
    """doc_field_length from whole columns decoded once per field, instead of a column
    lookup per posting (a tenth of a rebuild's time in Whoosh's own writer)."""

    def __init__(self, reader):
        self._reader = reader
        self._fields: dict[str, list[int]] = {}

    def doc_field_length(self, docnum, fieldname, default=0):
        lengths = self._fields.get(fieldname)
        if lengths is None:
            lengths = self._fields[fieldname] = self._load(fieldname)
        if lengths is None:
            return default
        # As Whoosh's own reader: None for a document without the field.
        return lengths[docnum]

    def _load(self, fieldname):
        column = self._reader._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if column is None:
            return None
        table = _LENGTH_OF_BYTE
        return [table[b] if b else None for b in column]


class FieldWriter(whoosh3.W3FieldWriter):
    # Whoosh looks up the document's field length for every posting it writes, through a
    # column reader call each time: 4.8 million calls, 12 % of a 30,000-passage rebuild.
    def add_postings(self, schema, lengths, items):
        if lengths is not None and hasattr(lengths, "_cached_reader"):
            lengths = _Lengths(lengths)
        return super().add_postings(schema, lengths, items)


class PostingsWriter(whoosh3.W3PostingsWriter):
    # W3 means to inline short lists, but its test ("fewer than inlinelimit postings" with a
    # default of 1) never passes, and the call it would make (set_inline) does not exist.
    # Most terms of the pairs field occur once: a block each (two pickles, zlib and three
    # writes) was about a fifth of a rebuild's writing time.
    def finish_postings(self):
        terminfo = self._terminfo
        if not self.written() and len(self._ids) == 1:
            terminfo.add_block(self)
            # Formats without values (exact fields) still need one bytes value per posting:
            # Whoosh's ListMatcher would give a str, which merging cannot write back.
            terminfo.set_inlined(self._ids, self._weights, self._values or [b""])
            self._terminfo = None
            return terminfo
        return super().finish_postings()


class Codec(whoosh3.W3Codec):
    def field_writer(self, storage, segment):
        return FieldWriter(self, storage, segment)

    def postings_writer(self, dbfile, byteids=False):
        return PostingsWriter(
            dbfile,
            blocklimit=self._blocklimit,
            byteids=byteids,
            compression=self._compression,
            inlinelimit=self._inlinelimit,
        )
