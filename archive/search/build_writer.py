"""The writer of a full build: Whoosh's writer with the postings kept per term as they come.

Whoosh's SegmentWriter gives every posting to its PostingPool as one tuple, and at commit
sorts all of them (some 2 million at 10,000 passages) to hand them to the codec by field,
term and document. A build adds documents in increasing number, so each term's postings
already arrive in order: they are appended to a list per field and term, and at commit only
the terms are sorted and the codec writes each term's list a block at a time. The segment
files are the same bytes as Whoosh's writer makes with the same codec
(tests/search/test_build_writer.py).

Used for rebuilds only: an incremental commit merges existing segments through the pool,
and those are Whoosh's own writer's business.
"""

from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.writing import SegmentWriter

from archive.search.codec import Codec


class TermPool:
    """Stands in for whoosh.writing.PostingPool in a BuildWriter: per field, per term (as
    bytes), a flat list of docnum, weight, value for each posting, in document order."""

    def __init__(self):
        self.terms: dict[str, dict[bytes, list]] = {}

    @property
    def fieldnames(self) -> set[str]:
        return set(self.terms)

    def cleanup(self) -> None:
        self.terms = {}


class BuildWriter(SegmentWriter):
    """A SegmentWriter for a new, empty index whose postings go to a TermPool."""

    def __init__(self, ix, **kwargs):
        super().__init__(ix, **kwargs)
        if self.segments:
            self.cancel()
            raise ValueError("a build writer writes a new index, and this one has segments")
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
        pool_terms = self.pool.terms
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
                    else:
                        postings += (docnum, weight * fieldboost, vbytes)
            customval = fields.get(f"_stored_{fieldname}", value)
            perdocwriter.add_field(fieldname, field, customval if field.stored else None, length)
            column = field.column_type
            if column and customval is not None:
                perdocwriter.add_column_value(fieldname, column, field.to_column_value(customval))
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1


class _SubWriterTask(SubWriterTask):
    """Whoosh's sub-writer process with a BuildWriter. Its run() names SegmentWriter
    directly, so this is that method for the multisegment case, the only one builds use."""

    def run(self):
        ix = self.storage.open_index(self.indexname)
        writer = self.writer = BuildWriter(ix, _lk=False, **self.kwargs)
        while self.running:
            jobinfo = self.jobqueue.get()
            if jobinfo is None:
                break
            self._process_file(*jobinfo)
        if not self.running:
            writer.cancel()
            return
        fieldnames = writer.pool.fieldnames
        segment = writer._finalize_segment()
        self.resultqueue.put((None, fieldnames, segment), timeout=5)


class BuildMpWriter(MpWriter):
    """Whoosh's multi-process writer whose processes each write their own segment with a
    BuildWriter (multisegment: the segments are not merged afterwards)."""

    def __init__(self, ix, procs: int, **kwargs):
        super().__init__(ix, procs=procs, multisegment=True, **kwargs)

    def _new_task(self):
        task = _SubWriterTask(
            self.storage, self.indexname, self.jobqueue, self.resultqueue, self.subargs, True
        )
        self.tasks.append(task)
        task.start()
        return task


def build_writer(ix, *, procs: int = 1, **kwargs):
    """The writer for a complete build of the empty index `ix`."""
    if procs > 1:
        return BuildMpWriter(ix, procs=procs, **kwargs)
    return BuildWriter(ix, **kwargs)
