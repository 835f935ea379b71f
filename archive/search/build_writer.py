"""The writer of a full build: Whoosh's writer with the postings kept per term as they come.

Whoosh's SegmentWriter gives every posting to its PostingPool as one tuple, and at commit
sorts all of them (some 2 million at 10,000 passages) to hand them to the codec by field,
term and document. A build adds documents in increasing number, so each term's postings
already arrive in order: they are appended to a list per field and term, and at commit only
the terms are sorted and the codec writes each term's list a block at a time. The segment
files are the same bytes as Whoosh's writer makes with the same codec
(tests/search/test_build_writer.py).

Memory stays bounded: when the postings held reach the writer's `limitmb`, the build writes
what it has as a segment and goes on in a new one (between records, so each record's
documents stay in one segment). A build writer never merges; the index worker's writer, which
does, is a BuildWriter too (merging.TierWriter).
"""

from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.writing import NO_MERGE, SegmentWriter

from archive.search.codec import Codec


class TermPool:
    """Stands in for whoosh.writing.PostingPool in a BuildWriter: per field, per term (as
    bytes), a flat list of docnum, weight, value for each posting, in document order."""

    # Rough bytes held per posting (three list slots, an int, a float, the value's bytes
    # object) and per term (its bytes, its list, a dict slot), to bound a build's memory.
    POSTING_BYTES = 120
    TERM_BYTES = 150

    def __init__(self):
        self.terms: dict[str, dict[bytes, list]] = {}
        self.size = 0  # estimated bytes held

    @property
    def fieldnames(self) -> set[str]:
        return set(self.terms)

    def cleanup(self) -> None:
        self.terms = {}
        self.size = 0


class BuildWriter(SegmentWriter):
    """A SegmentWriter whose postings go to a TermPool; it never merges."""

    def __init__(self, ix, limitmb: float = 128, **kwargs):
        super().__init__(ix, limitmb=limitmb, **kwargs)
        self.limit = limitmb * 2**20
        unsupported = [
            name for name, field in self.schema.items() if field.vector or field.separate_spelling()
        ]
        if unsupported:
            self.cancel()
            raise ValueError(f"fields with vectors or spelling words: {unsupported}")
        if not isinstance(self.codec, Codec):
            self.cancel()
            raise ValueError("a build writer needs archive.search.codec.Codec")
        self.pool = TermPool()

    def is_full(self) -> bool:
        return self.pool.size >= self.limit

    def commit(self, mergetype=None, optimize=False, merge=True):
        super().commit(mergetype=NO_MERGE)

    def _flush_segment(self):
        self.perdocwriter.close()
        lengths = self.per_document_reader()
        self.fieldwriter.add_term_lists(self.schema, lengths, self.pool.terms)
        self.fieldwriter.close()
        lengths.close()

    def add_document(self, **fields):
        """Whoosh's SegmentWriter.add_document with the pool's add written out; the rest
        (stored values, lengths, columns) is Whoosh's, in the same order."""
        self._check_state()
        perdocwriter, schema, docnum = self.perdocwriter, self.schema, self.docnum
        pool = self.pool
        pool_terms, size = pool.terms, 0
        term_bytes, posting_bytes = TermPool.TERM_BYTES, TermPool.POSTING_BYTES
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)

        perdocwriter.start_doc(docnum)
        for fieldname in fieldnames:
            value = fields.get(fieldname)
            if value is None:
                continue
            field = schema[fieldname]
            length = 0
            if field.indexed:
                fieldboost = self._field_boost(fields, fieldname, docboost)
                scorable = field.scorable
                terms = pool_terms.get(fieldname)
                if terms is None:
                    terms = pool_terms[fieldname] = {}
                for btext, freq, weight, vbytes in field.index(value):
                    if scorable:
                        length += freq
                    postings = terms.get(btext)
                    if postings is None:
                        terms[btext] = [docnum, weight * fieldboost, vbytes]
                        size += term_bytes + len(btext)
                    else:
                        postings += (docnum, weight * fieldboost, vbytes)
                    size += posting_bytes + (len(vbytes) if vbytes else 0)
            customval = fields.get(f"_stored_{fieldname}", value)
            perdocwriter.add_field(fieldname, field, customval if field.stored else None, length)
            column = field.column_type
            if column and customval is not None:
                perdocwriter.add_column_value(fieldname, column, field.to_column_value(customval))
        perdocwriter.finish_doc()
        pool.size += size
        self._added = True
        self.docnum += 1


class _SubWriterTask(SubWriterTask):
    """Whoosh's sub-writer process with BuildWriters. Its run() names SegmentWriter
    directly, so this is that method for the multisegment case, the only one builds use; a
    job file holds whole records, so a full writer's segment is finished between two."""

    def run(self):
        ix = self.storage.open_index(self.indexname)
        writer = self.writer = BuildWriter(ix, _lk=False, **self.kwargs)
        segments = []
        while self.running:
            jobinfo = self.jobqueue.get()
            if jobinfo is None:
                break
            self._process_file(*jobinfo)
            if writer.is_full():
                segments.append(writer._finalize_segment())
                writer = self.writer = BuildWriter(ix, _lk=False, **self.kwargs)
        if not self.running:
            writer.cancel()
            return
        if writer._added:
            segments.append(writer._finalize_segment())
        else:
            writer._close_segment()
        self.resultqueue.put((None, set(), segments), timeout=5)


class BuildMpWriter(MpWriter):
    """Whoosh's multi-process writer whose processes each write their own segments with
    BuildWriters (multisegment: the segments are not merged afterwards)."""

    def __init__(self, ix, procs: int, **kwargs):
        super().__init__(ix, procs=procs, multisegment=True, **kwargs)

    def _new_task(self):
        task = _SubWriterTask(
            self.storage, self.indexname, self.jobqueue, self.resultqueue, self.subargs, True
        )
        self.tasks.append(task)
        task.start()
        return task

    def _commit(self, mergetype, optimize, merge):
        """MpWriter._commit for multisegment builds, where each process hands back a list
        of segments; nothing is merged."""
        if self.docbuffer:
            self._enqueue()
        for _ in self.tasks:
            self.jobqueue.put(None)
        for task in self.tasks:
            task.join()
        segments = list(self.segments)
        for _ in self.tasks:
            _, _, made = self.resultqueue.get(timeout=5)
            segments += made
        self._close_segment()
        self._commit_toc(segments)
        self._finish()


def build_writer(ix, *, procs: int = 1, **kwargs):
    """The writer for a complete build of `ix`, which it never merges."""
    if procs > 1:
        return BuildMpWriter(ix, procs=procs, **kwargs)
    return BuildWriter(ix, **kwargs)
