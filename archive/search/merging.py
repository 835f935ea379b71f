"""When the index worker merges segments: in tiers, so each edit's documents are rewritten a
few times in all, not at nearly every commit.

Every commit adds a small segment. Whoosh's default policy (MERGE_SMALL) merges the smallest
segments whenever their total stays under a Fibonacci bound, which at 100,000 passages with
archivists saving every few seconds cost the worker 0.2–0.7 s of CPU per commit, and up to
12 s when it merged a few thousand documents (docs/BENCHMARKS.md, "Load"). Here segments are
grouped by size in tiers a factor MERGE_FACTOR apart; a tier is merged into one segment of
the next tier only when it holds MERGE_FACTOR segments, so a document is rewritten once per
tier it climbs (three or four times from an edit's segment to the size of a rebuild's). A
tier holds fewer than MERGE_FACTOR segments, so there are at most (MERGE_FACTOR - 1) per tier.

Segments holding a quarter of the index or more (a rebuild's) are never merged here: that is
`rebuild_index`'s job, which also drops the deleted documents they keep. A smaller segment
more than half deleted is merged at the next commit, so edits of the same records do not
leave segments of dead documents behind.
"""

import math
from collections import defaultdict
from itertools import chain, repeat

from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.reading import SegmentReader
from whoosh.writing import SegmentWriter

from archive.search.build_writer import BuildWriter, TermPool

MERGE_FACTOR = 8
LARGE_SHARE = 0.25


def merge_tiers(writer, segments: list) -> list:
    """A Whoosh merge policy (`writer.commit(mergetype=merge_tiers)`): the segments kept as
    they are; the merged ones' live documents go into the writer's new segment."""
    total = sum(segment.doc_count_all() for segment in segments)
    kept, merged = [], []
    tiers = defaultdict(list)
    for segment in segments:
        size = segment.doc_count_all()
        if size >= LARGE_SHARE * total and size > 0:
            kept.append(segment)
        elif size == 0 or segment.deleted_count() * 2 > size:
            merged.append(segment)
        else:
            tiers[int(math.log(size, MERGE_FACTOR))].append(segment)
    for members in tiers.values():
        (merged if len(members) >= MERGE_FACTOR else kept).extend(members)
    for segment in merged:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return kept


class TierWriter(BuildWriter):
    """The index worker's writer: a BuildWriter (postings kept per term) that also merges.

    Whoosh's writer reads a merged segment back one posting per Python call and gives each
    to its pool as a tuple, all of them sorted again at commit: two thirds of the worker's CPU
    at 100,000 passages went to merging (docs/BENCHMARKS.md, "Load"). A merge appends the
    segments one after the other, each with higher document numbers than everything before,
    so every term's postings still arrive in order: here they are read a block at a time and
    appended to the term's list. The segment written is the same bytes as Whoosh's writer
    makes (tests/search/test_merging.py)."""

    def commit(self, mergetype=merge_tiers, optimize=False, merge=True):
        SegmentWriter.commit(self, mergetype=mergetype, optimize=optimize, merge=merge)

    def add_postings_to_pool(self, reader, startdoc: int, docmap: dict | None) -> None:
        """The live postings of segment `reader`, its documents renumbered from `startdoc`
        (or by `docmap` when it has deletions: deleted documents are not in it)."""
        pool_terms, schema, size = self.pool.terms, self.schema, 0
        term_bytes, posting_bytes = TermPool.TERM_BYTES, TermPool.POSTING_BYTES
        postfile = reader._terms._postfile
        for (fieldname, btext), terminfo in reader._terms.items():
            if fieldname not in schema:
                continue
            postings = _live_postings(
                _term_postings(postfile, terminfo, schema[fieldname].format), startdoc, docmap
            )
            if not postings:
                continue  # every document holding the term was deleted
            terms = pool_terms.get(fieldname)
            if terms is None:
                terms = pool_terms[fieldname] = {}
            held = terms.get(btext)
            if held is None:
                terms[btext] = postings
                size += term_bytes + len(btext)
            else:
                held += postings
            size += posting_bytes * (len(postings) // 3)
        self.pool.size += size


def _term_postings(postfile, terminfo, fmt):
    """(ids, weights, values) of a term's postings, as Whoosh's matchers give them."""
    if terminfo.is_inlined():
        ids, weights, values = terminfo.inlined_postings()
        count = len(ids)
        return ids, weights or repeat(1.0, count), values or repeat("", count)
    ids, weights, values = [], [], []
    offset, length = terminfo.extent()
    matcher = W3LeafMatcher(postfile, offset, length, fmt)
    while True:
        matcher._read_ids()
        matcher._read_weights()
        matcher._read_values()
        ids.extend(matcher._ids)
        weights.extend(matcher._weights)
        values.extend(matcher._values)
        if matcher._lastblock:
            return ids, weights, values
        matcher._goto(matcher._nextoffset)


def _live_postings(postings, startdoc: int, docmap: dict | None) -> list:
    """A TermPool list (docnum, weight, value, …) of the postings, renumbered."""
    ids, weights, values = postings
    # strict=False: an inlined list's missing weights and values are endless repeats.
    if docmap is None:
        renumbered = [startdoc + docnum for docnum in ids]
        return list(chain.from_iterable(zip(renumbered, weights, values, strict=False)))
    out = []
    for docnum, weight, value in zip(ids, weights, values, strict=False):
        new = docmap.get(docnum)
        if new is not None:
            out += (new, weight, value)
    return out
