"""Reading Whoosh posting lists and columns a block at a time.

Whoosh's matchers advance one posting per Python call, which is what made a common word
cost hundreds of milliseconds at 100,000 passages. A posting list is stored as blocks of
up to 128 postings, each a pickled tuple of delta-encoded document numbers and weights;
decoding a whole block at once (itertools.accumulate runs in C) reads the same postings
many times faster. This leans on the layout of Whoosh 2.7.4's W3 codec, which is pinned;
tests compare every function here with Whoosh's own matchers.
"""

import zlib
from itertools import accumulate, repeat
from pickle import loads

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.matching import ListMatcher
from whoosh.util.numeric import byte_to_length


def _raw_matcher(segment_reader, fieldname: str, text: str):
    """The segment's matcher for a term without the deleted-documents wrapper, or None."""
    tbytes = segment_reader._text_to_bytes(fieldname, text)
    if (fieldname, tbytes) not in segment_reader._terms:
        return None
    fmt = segment_reader.schema[fieldname].format
    return segment_reader._terms.matcher(fieldname, tbytes, fmt)


def read_postings(segment_reader, fieldname: str, text: str) -> tuple[list[int], list[float]]:
    """Every (segment-local) document number holding the term, with the term's weight there
    (its frequency for text fields). Deleted documents are included; callers drop them."""
    matcher = _raw_matcher(segment_reader, fieldname, text)
    if matcher is None:
        return [], []
    if isinstance(matcher, ListMatcher):  # short lists are inlined in the term info
        ids = list(matcher._ids)
        weights = matcher._weights
        return ids, list(weights) if weights is not None else [1.0] * len(ids)
    if not isinstance(matcher, W3LeafMatcher):  # pragma: no cover - guarded by tests
        raise TypeError(f"unexpected matcher {type(matcher).__name__}")
    ids: list[int] = []
    weights: list[float] = []
    m = matcher
    while not m._atend:
        length = m._nextoffset - m._dataoffset
        data = m._postfile.get(m._dataoffset, length)
        if m._compression:
            data = zlib.decompress(data)
        # Our own index files in the private data directory; Whoosh unpickles them too.
        block_ids, block_weights = loads(data)[:2]  # noqa: S301
        if m._byteids:
            ids.extend(block_ids)
        else:
            ids.extend(accumulate(block_ids))
        count = m._blocklength
        if block_weights is None:
            weights.extend(repeat(1.0, count))
        elif isinstance(block_weights, float):
            weights.extend(repeat(block_weights, count))
        else:
            weights.extend(block_weights)
        if m._lastblock:
            break
        m._goto(m._nextoffset)
    return ids, weights


def read_positions(segment_reader, fieldname: str, text: str, wanted: list[int]) -> dict:
    """{local document number: positions} for the wanted documents (ascending) that hold the
    term. Blocks holding none of them are skipped without being decoded."""
    matcher = _raw_matcher(segment_reader, fieldname, text)
    out: dict[int, list[int]] = {}
    if matcher is None or not wanted:
        return out
    fmt = segment_reader.schema[fieldname].format
    decode = fmt.decode_positions
    if isinstance(matcher, ListMatcher):
        wanted_set = set(wanted)
        for docnum, value in zip(matcher._ids, matcher._values, strict=True):
            if docnum in wanted_set:
                out[docnum] = decode(value)
        return out
    m, i, n = matcher, 0, len(wanted)
    while not m._atend and i < n:
        if m._maxid >= wanted[i]:
            m._read_ids()
            m._read_values()
            block_ids = m._ids
            wanted_here = set()
            while i < n and wanted[i] <= m._maxid:
                wanted_here.add(wanted[i])
                i += 1
            for j, docnum in enumerate(block_ids):
                if docnum in wanted_here:
                    out[docnum] = decode(m._values[j])
        if m._lastblock:
            break
        m._goto(m._nextoffset)
    return out


def read_all_positions(segment_reader, fieldname: str, text: str) -> dict[int, list[int]]:
    """{local document number: positions} for every document holding the term."""
    matcher = _raw_matcher(segment_reader, fieldname, text)
    if matcher is None:
        return {}
    decode = segment_reader.schema[fieldname].format.decode_positions
    if isinstance(matcher, ListMatcher):
        return {d: decode(v) for d, v in zip(matcher._ids, matcher._values, strict=True)}
    out: dict[int, list[int]] = {}
    m = matcher
    while not m._atend:
        m._read_ids()
        m._read_values()
        out.update(zip(m._ids, map(decode, m._values), strict=True))
        if m._lastblock:
            break
        m._goto(m._nextoffset)
    return out


def expand_prefix(
    segment_reader, fieldname: str, prefix: str, limit: int | None = None
) -> list[str]:
    """The field's indexed terms starting with `prefix`; with `limit`, at most that many."""
    out = []
    for term in segment_reader.expand_prefix(fieldname, prefix):
        out.append(term.decode() if isinstance(term, bytes) else term)
        if limit is not None and len(out) >= limit:
            break
    return out


_LENGTHS = [byte_to_length(b) if b else 0 for b in range(256)]


def field_lengths(segment_reader, fieldname: str) -> list[int]:
    """Every document's length in the field (Whoosh stores it as one lossy byte)."""
    per_doc = segment_reader._perdoc
    count = segment_reader.doc_count_all()
    reader = per_doc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    if reader is None:
        return [0] * count
    table = _LENGTHS
    return [table[b] for b in reader]


def column_values(segment_reader, fieldname: str, translate: bool = True) -> list:
    """Every document's value in a column field, in document order. Untranslated values
    sort like the translated ones (dates as integers) and need no conversion."""
    if not segment_reader.has_column(fieldname):
        return [None] * segment_reader.doc_count_all()
    return list(segment_reader.column_reader(fieldname, translate=translate))


def deleted_docs(segment_reader) -> frozenset[int]:
    return frozenset(segment_reader._perdoc.deleted_docs())
