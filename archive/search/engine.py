"""The Whoosh index: where it lives, the single writer that applies the outbox, and rebuilds.

Everything engine-specific about writing sits here and in backend.py, so another engine could
replace Whoosh behind the same functions.

Layout under settings.ARCHIVE_INDEX_DIR:
    gen-<time>-<pid>/   one complete Whoosh index per generation
    current -> gen-…    symlink to the live generation, switched atomically by rebuild
    writer.lock         flock held by whoever writes: the worker per batch, rebuild throughout
"""

import copy
import fcntl
import functools
import hashlib
import json
import os
import shutil
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.conf import settings
from django.db import transaction
from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage, RamStorage
from whoosh.query import Or, Term

from archive.models import IndexQueue, Record
from archive.search import pair_words
from archive.search.build_writer import build_writer
from archive.search.codec import Codec
from archive.search.evaluate import PAIRS_FIELD
from archive.search.merging import TierWriter
from archive.search.scoring import LocalBM25

WRITER_LIMIT_MB = 256
CRASH_POINT_ENV = "ARCHIVE_INDEX_CRASH_POINT"  # fault injection for the crash-recovery test


def index_root() -> Path:
    return Path(settings.ARCHIVE_INDEX_DIR)


@cache
def _haystack():
    from haystack import connections

    backend = connections["default"].get_backend()
    unified = connections["default"].get_unified_index()
    _, schema = backend.build_schema(unified.all_searchfields())
    indexes = {
        model._meta.label_lower: unified.get_index(model) for model in unified.get_indexed_models()
    }
    return backend, schema, indexes


def schema():
    return _haystack()[1]


def generation_schema(path: Path):
    """The schema a generation is written and read with: the code's, with the pairs the
    generation keeps (pair_words.py). Writers, readers and a rebuild's other processes (from
    the index's table of contents) all use it, so a pair is looked up only where written."""
    return _generation_schema(str(path))


@functools.lru_cache(maxsize=16)  # a generation's words never change; its name is unique
def _generation_schema(path: str):
    words = pair_words.load(Path(path))
    if words is None:
        return schema()
    made = copy.deepcopy(schema())
    made[PAIRS_FIELD].format.words = words
    return made


_held = threading.local()


@contextmanager
def writer_lock(wait: bool = True) -> Iterator[bool]:
    """Hold the one writer lock; yields False if wait=False and another process holds it.

    Re-entrant within a thread: flock locks belong to an open file, so taking it again on a
    second open of the same file from the same process would wait for ourselves forever.
    """
    if getattr(_held, "depth", 0):
        _held.depth += 1
        try:
            yield True
        finally:
            _held.depth -= 1
        return
    root = index_root()
    root.mkdir(parents=True, exist_ok=True)
    with open(root / "writer.lock", "a+") as handle:
        flags = fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB)
        try:
            fcntl.flock(handle, flags)
        except BlockingIOError:
            yield False
            return
        _held.depth = 1
        try:
            yield True
        finally:
            _held.depth = 0
            fcntl.flock(handle, fcntl.LOCK_UN)


def current_generation() -> Path:
    """The live index directory, created empty on first use."""
    link = index_root() / "current"
    if not link.exists():
        with writer_lock():
            if not link.exists():
                _switch_to(_new_generation())
    return Path(os.path.realpath(link))


SCHEMA_FILE = "archive-schema.sha256"
# Raise when the analyzers change what they emit, so old generations count as stale.
ANALYSIS_VERSION = 1


def schema_fingerprint() -> str:
    """Hash of the field names and types this code writes; stored in each generation so a
    generation written by older code is recognised (rebuild_index --if-empty rebuilds it)."""
    described = sorted(
        (
            name,
            type(field).__name__,
            type(field.format).__name__ if field.format else "",
            bool(field.stored),
            type(field.column_type).__name__ if field.column_type else "",
            ANALYSIS_VERSION,
        )
        for name, field in schema().items()
    )
    return hashlib.sha256(json.dumps(described).encode()).hexdigest()


def schema_is_current() -> bool:
    stored = current_generation() / SCHEMA_FILE
    return stored.exists() and stored.read_text().strip() == schema_fingerprint()


def _new_generation(words: frozenset[str] | None = None) -> Path:
    """A new, empty generation keeping the pairs of `words` (None: every pair)."""
    path = (
        index_root() / f"gen-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.monotonic_ns()}"
    )
    path.mkdir(parents=True)
    pair_words.save(path, words)
    whoosh_index.create_in(str(path), generation_schema(path))
    (path / SCHEMA_FILE).write_text(schema_fingerprint() + "\n")
    return path


def _switch_to(path: Path) -> None:
    link = index_root() / "current"
    tmp = index_root() / f".current-{os.getpid()}"
    if tmp.is_symlink():
        tmp.unlink()
    tmp.symlink_to(path.name)
    os.replace(tmp, link)  # atomic: readers see the old or the new generation, never neither


_local = threading.local()


def open_index():
    """The live index, reopened when rebuild has switched generations."""
    path = current_generation()
    cached = getattr(_local, "index", None)
    if cached is None or cached[0] != path:
        _local.index = (path, _storage(path).open_index(schema=generation_schema(path)))
        _local.searcher = None
    return _local.index[1]


def _storage(path: Path) -> FileStorage:
    """The index's files, read without mmap. With mmap, Whoosh wraps each part of a segment
    in a BytesIO, which copies it: every reader opened on a 100,000-passage index copied
    some 700 MB, and a searcher reopens its readers after every commit (Whoosh's reuse of
    unchanged segments looks them up by the wrong key). Reads go through the file instead,
    and the operating system's page cache, shared by every process, keeps them fast."""
    return FileStorage(str(path), supports_mmap=False)


def searcher():
    """A per-thread searcher, refreshed cheaply when the index has new commits."""
    index = open_index()
    current = getattr(_local, "searcher", None)
    if current is None:
        current = index.searcher(weighting=LocalBM25())
    else:
        current = current.refresh()
    _local.searcher = current
    return current


def generation_key() -> str:
    """Names the generation the thread's searcher reads; keys caches of its segments."""
    open_index()
    return _local.index[0].name


def document_count() -> int:
    return open_index().doc_count()


# -- documents --------------------------------------------------------------------------------


def _documents(records: Iterable[Record]) -> Iterator[dict]:
    backend, _, indexes = _haystack()
    record_index, passage_index = indexes["archive.record"], indexes["archive.passage"]
    for record in records:
        yield _whoosh_doc(backend, record_index.full_prepare(record))
        for passage in record.passages.all():
            passage.record = record  # reuse the loaded record for the access tokens
            yield _whoosh_doc(backend, passage_index.full_prepare(passage))


def _whoosh_doc(backend, prepared: dict) -> dict:
    doc = {key: backend._from_python(value) for key, value in prepared.items() if value is not None}
    doc.pop("boost", None)
    doc["fingerprint"] = fingerprint(doc)
    return doc


def fingerprint(doc: dict) -> str:
    """Hash of everything a document was built from, so index_status can spot stale ones."""
    content = {k: v for k, v in doc.items() if k != "fingerprint"}
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()[
        :32
    ]


def _records(ids: Iterable[int] | None = None):
    _, _, indexes = _haystack()
    records = indexes["archive.record"].index_queryset()
    return records if ids is None else records.filter(pk__in=list(ids))


def current_documents(record_ids: Iterable[int]):
    """A searcher over a small index in memory holding these records' documents as the
    database has them now, written as the live generation would write them. Search checks
    records whose index update is still queued against it (query.py), so a word taken out of
    a record stops finding it before the worker has applied the change."""
    path = current_generation()
    index = RamStorage().create_index(generation_schema(path))
    writer = index.writer(codec=Codec())
    for doc in _documents(_records(record_ids)):
        writer.add_document(**doc)
    writer.commit()
    return index.searcher(weighting=LocalBM25())


# -- the single writer ------------------------------------------------------------------------


def apply_queue(batch_size: int = 2000) -> int:
    """Apply up to batch_size queued updates in one index commit; returns rows applied."""
    with writer_lock():
        rows = list(IndexQueue.objects.order_by("id").values_list("id", "record_id")[:batch_size])
        if not rows:
            return 0
        record_ids = {record_id for _, record_id in rows}
        writer = TierWriter(open_index(), limitmb=WRITER_LIMIT_MB, codec=Codec())
        try:
            # One query, not one per record: Whoosh opens a reader of every segment for each.
            writer.delete_by_query(Or([Term("record_id", str(pk)) for pk in sorted(record_ids)]))
            for doc in _documents(_records(record_ids)):
                writer.add_document(**doc)
        except BaseException:
            writer.cancel()
            raise
        _crash_point("before-index-commit")
        writer.commit()  # merging in tiers (merging.py)
        _crash_point("after-index-commit")
        # Only the rows read above: rows queued meanwhile describe newer changes.
        IndexQueue.objects.filter(id__in=[row_id for row_id, _ in rows]).delete()
        return len(rows)


def drain(batch_size: int = 2000) -> int:
    """Apply the whole queue; returns rows applied."""
    total = 0
    while applied := apply_queue(batch_size):
        total += applied
    return total


def _crash_point(name: str) -> None:
    if os.environ.get(CRASH_POINT_ENV) == name:
        os._exit(137)  # as if killed: no cleanup, no commit after this point


@dataclass
class RebuildReport:
    records: int = 0
    documents: int = 0
    seconds: float = 0.0
    generation: str = ""


def rebuild(*, chunk_size: int = 1000, procs: int = 1, limitmb: int | None = None) -> RebuildReport:
    """Build a complete new generation from the database, then switch to it atomically.

    Searches keep using the old generation until the switch. The writer lock is held
    throughout, so the worker waits instead of contending for Whoosh's lock.
    """
    started = time.perf_counter()
    report = RebuildReport()
    with writer_lock():
        # Rows visible now are reflected in what we are about to read; rows that commit later
        # stay queued and are applied to the new generation afterwards (applying is idempotent).
        seen = list(IndexQueue.objects.values_list("id", flat=True))
        path = _new_generation(pair_words.choose(pair_words.sample()))
        index = whoosh_index.open_dir(str(path), schema=generation_schema(path))
        # Each writer process holds at most limitmb of postings, then writes them as a
        # segment and goes on in a new one (build_writer.py).
        options = {"limitmb": limitmb or settings.ARCHIVE_REBUILD_LIMIT_MB, "codec": Codec()}
        writer = build_writer(index, procs=procs, **options)
        try:
            for doc in _documents(_records().order_by("pk").iterator(chunk_size=chunk_size)):
                if procs > 1 and doc["doc_type"] == "record":
                    _next_record(writer)
                elif doc["doc_type"] == "record" and writer.is_full():
                    # Between two records: each record's documents stay in one segment.
                    writer.commit()
                    writer = build_writer(index, **options)
                writer.add_document(**doc)
                report.documents += 1
                report.records += doc["doc_type"] == "record"
            if procs > 1 and writer._grouping:
                writer.end_group()
        except BaseException:
            writer.cancel()
            shutil.rmtree(path, ignore_errors=True)
            raise
        writer.commit()
        old = current_generation() if (index_root() / "current").exists() else None
        _switch_to(path)
        with transaction.atomic():
            IndexQueue.objects.filter(id__in=seen).delete()
        if old is not None and old != path:
            # Open readers keep their files until they close them (POSIX unlink semantics).
            shutil.rmtree(old, ignore_errors=True)
    report.seconds = time.perf_counter() - started
    report.generation = path.name
    return report


def _next_record(writer) -> None:
    """Keep each record's documents in one segment of a multi-process build: Whoosh's MpWriter
    hands out documents in batches, and a record split over two segments could not be
    evaluated one segment at a time (answers.py). Its documents are added as a group, and a
    full batch is handed out only between records."""
    if writer._grouping:
        writer.end_group()
        if len(writer.docbuffer) >= writer.batchsize:
            writer._enqueue()
    writer.start_group()


def clear() -> None:
    """Switch to an empty generation (documents come back with rebuild or the worker)."""
    with writer_lock():
        old = current_generation()
        _switch_to(_new_generation())
        shutil.rmtree(old, ignore_errors=True)


# -- status -----------------------------------------------------------------------------------


@dataclass
class IndexStatus:
    queued: int = 0
    oldest_queued_seconds: float | None = None
    database_documents: int = 0
    index_documents: int = 0
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)

    @property
    def in_sync(self) -> bool:
        return not (self.missing or self.extra or self.stale)


def status() -> IndexStatus:
    """Compare every document the database implies with what the index holds."""
    from django.utils import timezone

    result = IndexStatus(queued=IndexQueue.objects.count())
    oldest = IndexQueue.objects.order_by("id").values_list("created_at", flat=True).first()
    if oldest:
        result.oldest_queued_seconds = (timezone.now() - oldest).total_seconds()
    expected = {
        doc["id"]: doc["fingerprint"] for doc in _documents(_records().iterator(chunk_size=1000))
    }
    with open_index().searcher() as s:
        actual = {fields["id"]: fields.get("fingerprint") for fields in s.all_stored_fields()}
    result.database_documents, result.index_documents = len(expected), len(actual)
    result.missing = sorted(expected.keys() - actual.keys())
    result.extra = sorted(actual.keys() - expected.keys())
    result.stale = sorted(k for k in expected.keys() & actual.keys() if expected[k] != actual[k])
    return result


def record_filter(record_ids: Iterable[int]):
    from whoosh.query import Or

    return Or([Term("record_id", str(pk)) for pk in record_ids])
