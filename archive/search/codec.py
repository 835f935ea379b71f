"""Whoosh's own codec (W3), written faster: the postings writer reads document lengths a
column at a time, a term found in one document keeps its posting in the term's entry
instead of a block of its own, and the term table is written in batches (term_index.py).
Whoosh's readers (and postings.py) read both layouts."""

import struct
from pickle import dumps

from whoosh.codec import whoosh3
from whoosh.codec.base import OutOfOrderError
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.system import pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte

from archive.search.term_index import TermIndexWriter

_LENGTH_OF_BYTE = [byte_to_length(b) for b in range(256)]


class _Lengths:
    """Document lengths from whole columns decoded once per field, instead of a column
    lookup per posting."""

    def __init__(self, reader):
        self._reader = reader
        self._fields: dict[str, list[int | None] | None] = {}

    def field(self, fieldname):
        """Every document's length in the field (None where it has none), or None."""
        if fieldname not in self._fields:
            self._fields[fieldname] = self._load(fieldname)
        return self._fields[fieldname]

    def _load(self, fieldname):
        column = self._reader._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if column is None:
            return None
        table = _LENGTH_OF_BYTE
        return [table[b] if b else None for b in column]


class FieldWriter(whoosh3.W3FieldWriter):
    def __init__(self, codec, storage, segment):
        super().__init__(codec, storage, segment)
        # Whoosh's table writer has written the header; term_index's goes on from there.
        self._tindex = TermIndexWriter.taking_over(self._tindex)

    def add_postings(self, schema, lengths, items):
        """Whoosh's base add_postings with its per-posting calls written out: it looked up
        the document's field length through a column reader for every posting (12 % of a
        30,000-passage rebuild) and made two calls with four type checks per posting to
        append it to the block. A term's first posting waits until the next one shows
        whether the term occurs once; most terms of the pairs field do, and their entry is
        written directly (_single). Merges (other length readers) keep Whoosh's own loop."""
        if lengths is None or not hasattr(lengths, "_cached_reader"):
            return super().add_postings(schema, lengths, items)
        lengths = _Lengths(lengths)
        blocklimit = None
        lastfn = lasttext = None
        writer = field_lengths = None
        first = None  # the current term's only posting so far, not yet given to the writer
        for fieldname, btext, docnum, weight, value in items:
            if fieldname != lastfn:
                if lastfn is not None and fieldname < lastfn:
                    raise OutOfOrderError(f"Field {lastfn!r} .. {fieldname!r}")
                if lasttext is not None:
                    self._end_term(lasttext, first)
                if lastfn is not None:
                    self.finish_field()
                self.start_field(fieldname, schema[fieldname])
                writer, field_lengths = self._postwriter, lengths.field(fieldname)
                blocklimit = writer._blocklimit
                lastfn, lasttext = fieldname, None
            if docnum == -1:  # Whoosh's marker for spelling words, which it skips too
                continue
            length = field_lengths[docnum] if field_lengths is not None else 0
            if btext != lasttext:
                if lasttext is not None:
                    if btext < lasttext:
                        raise OutOfOrderError(f"Term {fieldname}:{lasttext!r} .. {btext!r}")
                    self._end_term(lasttext, first)
                lasttext, first = btext, (docnum, weight, value, length)
                continue
            if first is not None:
                self.start_term(lasttext)
                _add(writer, blocklimit, *first)
                first = None
            _add(writer, blocklimit, docnum, weight, value, length)
        if lasttext is not None:
            self._end_term(lasttext, first)
        if lastfn is not None:
            self.finish_field()

    def add_term_lists(self, schema, lengths, fields: dict[str, dict[bytes, list]]) -> None:
        """Write a build's postings (build_writer.TermPool): per field, per term, a flat list
        of docnum, weight, value for each posting in document order. The same bytes as
        add_postings given those postings one by one, written a block at a time."""
        lengths = _Lengths(lengths)
        for fieldname in sorted(fields):
            terms = fields[fieldname]
            if not terms:
                continue
            self.start_field(fieldname, schema[fieldname])
            writer, field_lengths = self._postwriter, lengths.field(fieldname)
            for btext in sorted(terms):
                flat = terms[btext]
                if len(flat) == 3:
                    docnum = flat[0]
                    length = field_lengths[docnum] if field_lengths is not None else 0
                    self._single(btext, docnum, flat[1], flat[2], length)
                    continue
                self.start_term(btext)
                _add_many(writer, flat, field_lengths)
                self.finish_term()
            self.finish_field()

    def _end_term(self, btext, first) -> None:
        if first is None:
            self.finish_term()
        else:
            self._single(btext, *first)

    def _single(self, btext, docnum, weight, value, length) -> None:
        self._tindex.add(
            pack_ushort(self._fieldid) + btext, single_entry(docnum, weight, value, length)
        )


_TERM_INFO = whoosh3.W3TermInfo._struct


def single_entry(docnum: int, weight: float, value: bytes | None, length) -> bytes:
    """The term entry W3 would write for a term in one document, its posting inlined: what
    W3TermInfo.to_bytes gives for the term info PostingsWriter.finish_postings makes, packed
    directly (a build writes hundreds of thousands of these; tests/search/test_codec.py)."""
    weight = _float32(weight)  # as stored in W3's array("f") of weights
    length_byte = length_to_byte(length) if length else 0
    return _TERM_INFO.pack(
        1, weight, 1, length_byte, length_byte, max(0, weight), docnum, docnum
    ) + _inlined_pickle(docnum, weight, value or b"")


# What follows the weight in dumps(((0,), (0.0,), (value,)), 2), per value: the rest does not
# depend on the document number or weight (ints and floats are not memoized). Pairs' values
# are few (a count), so a few hundred cover nearly every entry.
_PICKLE_TAILS: dict[bytes, bytes] = {}
_PICKLE_HEAD_LENGTH = 19  # PROTO 2, K 0, TUPLE1 BINPUT 0, G and 8 bytes, TUPLE1 BINPUT 1
_DOUBLE = struct.Struct(">d")


def _inlined_pickle(docnum: int, weight: float, value: bytes) -> bytes:
    """dumps(((docnum,), (weight,), (value,)), 2), assembled from its parts."""
    if not 0 <= docnum < 2**31:
        return dumps(((docnum,), (weight,), (value,)), 2)
    tail = _PICKLE_TAILS.get(value)
    if tail is None:
        if len(_PICKLE_TAILS) >= 512:  # values that vary (positions): not worth keeping
            return dumps(((docnum,), (weight,), (value,)), 2)
        tail = _PICKLE_TAILS[value] = dumps(((0,), (0.0,), (value,)), 2)[_PICKLE_HEAD_LENGTH:]
    if docnum < 256:
        number = b"K" + docnum.to_bytes(1, "little")
    elif docnum < 65536:
        number = b"M" + docnum.to_bytes(2, "little")
    else:
        number = b"J" + docnum.to_bytes(4, "little")
    return b"\x80\x02" + number + b"\x85q\x00G" + _DOUBLE.pack(weight) + b"\x85q\x01" + tail


def _add(writer, blocklimit: int, docnum: int, weight: float, value: bytes, length) -> None:
    """W3PostingsWriter.add_posting, without its type assertions."""
    if len(writer._ids) >= blocklimit:
        writer._write_block()
    writer._ids.append(docnum)
    writer._weights.append(weight)
    if weight > writer._maxweight:
        writer._maxweight = weight
    if value:
        writer._values.append(value)
    if length:
        if writer._minlength is None or length < writer._minlength:
            writer._minlength = length
        if length > writer._maxlength:
            writer._maxlength = length


def _add_many(writer, flat: list, field_lengths) -> None:
    """_add for each posting of a flat docnum, weight, value list, a block's share at a time."""
    ids, weights, values = flat[0::3], flat[1::3], flat[2::3]
    blocklimit, start, count = writer._blocklimit, 0, len(ids)
    while start < count:
        if len(writer._ids) >= blocklimit:
            writer._write_block()
        end = min(count, start + blocklimit - len(writer._ids))
        block_ids, block_weights = ids[start:end], weights[start:end]
        writer._ids.extend(block_ids)
        writer._weights.extend(block_weights)
        heaviest = max(block_weights)
        if heaviest > writer._maxweight:
            writer._maxweight = heaviest
        writer._values.extend(value for value in values[start:end] if value)
        if field_lengths is not None:
            block_lengths = [n for n in map(field_lengths.__getitem__, block_ids) if n]
            if block_lengths:
                shortest, longest = min(block_lengths), max(block_lengths)
                if writer._minlength is None or shortest < writer._minlength:
                    writer._minlength = shortest
                if longest > writer._maxlength:
                    writer._maxlength = longest
        start = end


def _inline(terminfo, ids, weights, values) -> None:
    # Formats without values (exact fields) still need one bytes value per posting: for an
    # empty one Whoosh's ListMatcher gives a str, which merging cannot write back.
    terminfo.set_inlined(ids, weights, tuple(v or b"" for v in values))


_FLOAT32 = struct.Struct("f")


def _float32(value: float) -> float:
    return _FLOAT32.unpack(_FLOAT32.pack(value))[0]


class PostingsWriter(whoosh3.W3PostingsWriter):
    # W3 means to inline short lists, but its test ("fewer than inlinelimit postings" with a
    # default of 1) never passes, and the call it would make (set_inline) does not exist.
    # Most terms of the pairs field occur once: a block each (two pickles, zlib and three
    # writes) was about a fifth of a rebuild's writing time. (Merges write through here.)
    def finish_postings(self):
        terminfo = self._terminfo
        if not self.written() and len(self._ids) == 1:
            terminfo.add_block(self)
            _inline(terminfo, self._ids, self._weights, self._values or [b""])
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
