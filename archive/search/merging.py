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

from whoosh.reading import SegmentReader

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
