"""A collection version as a ZIP, written while it streams, with what the exporter may see."""

import hashlib
import json
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice

from django.utils import timezone

from archive import citations, hashing, permissions, spreadsheets
from archive.models import Attachment, CollectionVersion, RecordVersion
from archive.models.audit import AuditAction
from archive.services import audit

CHUNK = 500  # items per database read; memory grows with this, never with the collection
PIECE = 1 << 20  # flush the stream at least every MiB
CSV_COLUMNS = ["record", "version", "passage", "role", "text", "sha256"]
FORMAT = 1


@dataclass
class Export:
    """What an export will hold, decided (and audited) before the first byte is sent."""

    version: CollectionVersion
    visible: frozenset[int]  # ids of the records the exporter may see
    items: int
    hidden: int
    base_url: str
    started: datetime
    missing_images: list[dict] = field(default_factory=list)

    @property
    def filename(self) -> str:
        return f"{self.version.collection.slug}-v{self.version.number}.zip"

    def stream(self) -> Iterator[bytes]:
        return _zip(self)


def collection_version_export(*, version: CollectionVersion, by, base_url: str) -> Export:
    """Decide what `by` may see of `version`, write the audit entry, and return the export.

    Visibility is decided once, here, through permissions.visible_records: every file of
    the export, and the audit entry, then agree on the same items even if a grant expires
    while a large export streams. Call only for a version `by` may read (the view checks)."""
    item_records = version.items.values("record_id")
    visible = frozenset(
        permissions.visible_records(by)
        .filter(pk__in=item_records)
        .values_list("pk", flat=True)
        .iterator(chunk_size=5000)
    )
    total = shown = 0
    for record_id in version.items.values_list("record_id", flat=True).iterator(chunk_size=5000):
        total += 1
        shown += record_id in visible
    export = Export(
        version=version,
        visible=visible,
        items=shown,
        hidden=total - shown,
        base_url=base_url,
        started=timezone.now(),
    )
    # Logged at the start: a started export may already have delivered data.
    audit.log(
        AuditAction.EXPORT,
        actor=by,
        target=("collection", version.collection.slug),
        detail={
            "version": version.number,
            "format": "zip",
            "items": export.items,
            "hidden_items": export.hidden,
        },
    )
    return export


# -- reading the items in chunks ----------------------------------------------------------------


def _chunks(export: Export) -> Iterator[list]:
    """The visible items in order, CHUNK at a time, each with its pinned version's numbers."""
    rows = (
        export.version.items.order_by("position")
        .values_list(
            "position",
            "record_id",
            "record__public_id",
            "record_version_id",
            "record_version__number",
            "record_version__version_hash",
            "record_version__content_hash",
            "passage_number",
            "annotation",
            named=True,
        )
        .iterator(chunk_size=CHUNK)
    )
    while chunk := list(islice(rows, CHUNK)):
        # SECURITY: an item whose record the exporter may not see leaves no trace past here.
        shown = [row for row in chunk if row.record_id in export.visible]
        if shown:
            yield shown


def _snapshots(version_ids) -> dict[int, RecordVersion]:
    found = RecordVersion.objects.filter(pk__in=set(version_ids)).only(
        "pk", "number", "snapshot", "version_hash", "content_hash", "created_at", "redacted_at"
    )
    return {v.pk: v for v in found}


def _versions(export: Export) -> Iterator[list[RecordVersion]]:
    """The pinned record versions of visible items, each once, CHUNK at a time."""
    seen: set[int] = set()
    for chunk in _chunks(export):
        new = []
        for row in chunk:
            if row.record_version_id not in seen:
                seen.add(row.record_version_id)
                new.append(row.record_version_id)
        if new:
            loaded = _snapshots(new)
            yield [loaded[pk] for pk in new]


# -- the zip --------------------------------------------------------------------------------------


class _Sink:
    """A write-only stream with no seek or tell, so zipfile writes each entry once, with a
    data descriptor after it, and never goes back; the caller takes the bytes as they come."""

    def __init__(self):
        self._parts: list[bytes] = []
        self.pending = 0

    def write(self, data) -> int:
        self._parts.append(bytes(data))
        self.pending += len(data)
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        self.pending = 0
        return data


@dataclass
class _Writer:
    zf: zipfile.ZipFile
    sink: _Sink
    stamp: tuple
    sums: list[tuple[str, str]] = field(default_factory=list)

    @contextmanager
    def entry(self, name: str, *, compress: bool = True) -> Iterator[Callable[[bytes], None]]:
        info = zipfile.ZipInfo(name, date_time=self.stamp)
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        info.external_attr = 0o644 << 16
        digest = hashlib.sha256()
        # Zip64 sizes: the length of an entry is unknown until it is written.
        with self.zf.open(info, "w", force_zip64=True) as raw:

            def write(data: bytes) -> None:
                digest.update(data)
                raw.write(data)

            yield write
        self.sums.append((name, digest.hexdigest()))


def _zip(export: Export) -> Iterator[bytes]:
    sink = _Sink()
    started = export.started.astimezone(UTC)
    stamp = started.timetuple()[:6]
    with zipfile.ZipFile(sink, "w", allowZip64=True) as zf:
        out = _Writer(zf, sink, stamp)
        for part in (
            _records_json,
            _records_csv,
            _citations_bib,
            _citations_ris,
            _images,
            _manifest,
            _published_manifest,
            _readme,
        ):
            for _ in part(export, out):
                if sink.pending >= PIECE:
                    yield sink.take()
            if sink.pending:
                yield sink.take()
        with out.entry("SHA256SUMS") as write:
            write("".join(f"{digest}  {name}\n" for name, digest in out.sums).encode())
    yield sink.take()


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _records_json(export: Export, out: _Writer):
    """Each visible record's pinned version: its snapshot exactly as stored and hashed."""
    with out.entry("records.json") as write:
        write(b"[")
        first = True
        for versions in _versions(export):
            lines = []
            for v in versions:
                entry = {
                    "record": v.snapshot["public_id"],
                    "version": v.number,
                    "version_hash": v.version_hash,
                    "content_hash": v.content_hash,
                    "created_at": v.created_at.isoformat(),
                    "redacted_at": v.redacted_at.isoformat() if v.redacted_at else None,
                    "snapshot": v.snapshot,
                }
                lines.append(("\n" if first else ",\n") + _json(entry))
                first = False
            write("".join(lines).encode())
            yield
        write(b"\n]\n")


def _records_csv(export: Export, out: _Writer):
    writer = spreadsheets.row_writer()
    with out.entry("records.csv") as write:
        # The byte-order mark makes spreadsheet programs read Uyghur and Chinese as UTF-8.
        write(("\ufeff" + writer.writerow(CSV_COLUMNS)).encode())
        for versions in _versions(export):
            rows = []
            for v in versions:
                for p in v.snapshot.get("passages", []):
                    values = [v.snapshot["public_id"], v.number, p["number"], p["role"]]
                    rows.append(
                        writer.writerow(
                            map(spreadsheets.csv_cell, [*values, p["text"], p["sha256"]])
                        )
                    )
            write("".join(rows).encode())
            yield


def _works(export: Export) -> Iterator[list[citations.Work]]:
    """The collection version, then each visible record version once and each cited
    passage once, in the order of the items."""
    accessed = export.started.date()
    base = export.base_url
    yield [citations.collection_version_work(export.version, base_url=base, accessed=accessed)]
    seen: set = set()
    for chunk in _chunks(export):
        loaded = _snapshots(row.record_version_id for row in chunk)
        works = []
        for row in chunk:
            version = loaded[row.record_version_id]
            if row.record_version_id not in seen:
                seen.add(row.record_version_id)
                works.append(
                    citations.record_version_work(version, base_url=base, accessed=accessed)
                )
            cited = (row.record_version_id, row.passage_number)
            if row.passage_number is not None and cited not in seen:
                seen.add(cited)
                works.append(
                    citations.passage_work(
                        version, row.passage_number, base_url=base, accessed=accessed
                    )
                )
        yield works


def _citations_bib(export: Export, out: _Writer):
    with out.entry("citations.bib") as write:
        for works in _works(export):
            write("".join(citations.bibtex(w) + "\n" for w in works).encode())
            yield


def _citations_ris(export: Export, out: _Writer):
    with out.entry("citations.ris") as write:
        for works in _works(export):
            write("".join(citations.ris(w) for w in works).encode())
            yield


def _images(export: Export, out: _Writer):
    """The sanitized images of each pinned version, as images/<record>/<sha256>.<ext>. The
    stored file is copied as it is: if it no longer matches its name, SHA256SUMS shows it."""
    for versions in _versions(export):
        wanted = {
            (v.snapshot["public_id"], a["sha256"])
            for v in versions
            for a in v.snapshot.get("attachments", [])
        }
        if not wanted:
            continue
        stored = {
            (a.record.public_id, a.sha256): a
            for a in Attachment.objects.filter(
                record__public_id__in={r for r, _ in wanted}, sha256__in={s for _, s in wanted}
            ).select_related("record")
        }
        for public_id, sha256 in sorted(wanted):
            attachment = stored.get((public_id, sha256))
            if attachment is None or not attachment.file.storage.exists(attachment.file.name):
                export.missing_images.append({"record": public_id, "sha256": sha256})
                continue
            extension = attachment.file.name.rsplit(".", 1)[-1].lower()
            # Already compressed (JPEG, PNG, WebP): stored, not deflated again.
            name = f"images/{public_id}/{sha256}.{extension}"
            with out.entry(name, compress=False) as write, attachment.file.open("rb") as fh:
                while data := fh.read(PIECE):
                    write(data)
                    yield
        yield


def _passage_sha(version: RecordVersion | None, number: int | None) -> str | None:
    if version is None or number is None:
        return None
    for passage in version.snapshot.get("passages", []):
        if passage["number"] == number:
            return passage["sha256"]
    return None


def _manifest(export: Export, out: _Writer):
    version = export.version
    accessed = export.started.date()
    work = citations.collection_version_work(version, base_url=export.base_url, accessed=accessed)
    head = {
        "format": FORMAT,
        "collection": version.collection.slug,
        "title": version.title,
        "description": version.description,
        "version": version.number,
        "published_at": version.published_at.isoformat(),
        "manifest_hash": version.manifest_hash,
        "url": work.url,
        "exported_at": export.started.isoformat(),
        "citation": {"csl": citations.csl_item(work), "chicago": citations.chicago(work)},
    }
    with out.entry("manifest.json") as write:
        write(("{\n" + "".join(f" {_json(k)}: {_json(v)},\n" for k, v in head.items())).encode())
        write(b' "items": [')
        first = True
        for chunk in _chunks(export):
            passages = {row.record_version_id for row in chunk if row.passage_number}
            loaded = _snapshots(passages) if passages else {}
            lines = []
            for row in chunk:
                item = {
                    "position": row.position,
                    "record": row.record__public_id,
                    "record_version": row.record_version__number,
                    "record_version_hash": row.record_version__version_hash,
                    "content_hash": row.record_version__content_hash,
                    "passage": row.passage_number,
                    "passage_sha256": _passage_sha(
                        loaded.get(row.record_version_id), row.passage_number
                    ),
                    "annotation": row.annotation,
                }
                lines.append(("\n  " if first else ",\n  ") + _json(item))
                first = False
            write("".join(lines).encode())
            yield
        tail = {
            "item_count": export.items,
            "hidden_items": export.hidden,
            "missing_images": export.missing_images,
            "published_manifest": "published-manifest.json" if export.hidden == 0 else None,
        }
        closing = ",\n".join(f" {_json(k)}: {_json(v)}" for k, v in tail.items())
        write(f"\n ],\n{closing}".encode())
        write(b"\n}\n")


def _published_manifest(export: Export, out: _Writer):
    """The manifest as published, in the canonical JSON its hash is taken over, so that
    `sha256sum published-manifest.json` prints manifest_hash. Only when nothing is hidden:
    it names every item. The one file built from a whole document: the manifest is loaded
    (a few hundred bytes per item), then encoded piece by piece."""
    if export.hidden:
        return
    manifest = (
        CollectionVersion.objects.filter(pk=export.version.pk)
        .values_list("manifest", flat=True)
        .get()
    )
    # The canonical JSON settings, so the bytes hash to manifest_hash.
    encoder = json.JSONEncoder(**hashing.CANONICAL_JSON)
    with out.entry("published-manifest.json") as write:
        pieces, size = [], 0
        for piece in encoder.iterencode(manifest):
            pieces.append(piece)
            size += len(piece)
            if size >= PIECE:
                write("".join(pieces).encode())
                pieces, size = [], 0
                yield
        write("".join(pieces).encode())
        yield


def _readme_text(export: Export, url: str) -> str:
    version = export.version
    if export.hidden:
        left_out = (
            f"{export.hidden} item(s) of this version are not available to that person and "
            "were left out;\nnothing about them is in these files."
        )
    else:
        left_out = "No item was left out."
    files = [
        ("manifest.json", MANIFEST_HELP),
        ("records.json", RECORDS_JSON_HELP),
        ("records.csv", RECORDS_CSV_HELP),
        ("citations.bib", "BibTeX: the collection version, each record version, each passage."),
        ("citations.ris", "The same as RIS."),
        ("images/<record>/<sha256>.<ext>", IMAGES_HELP),
        ("SHA256SUMS", "The SHA-256 of every other file."),
    ]
    if not export.hidden:
        files.insert(1, ("published-manifest.json", PUBLISHED_HELP))
    if export.missing_images:
        files.append(
            ("", f"{len(export.missing_images)} image file(s) were missing; see manifest.json.")
        )
    listing = "".join(f"{name}\n    {help}\n" if name else f"    {help}\n" for name, help in files)
    return (
        f"{version.title}\n"
        f"Collection {version.collection.slug}, version {version.number}, "
        f"published {version.published_at.date().isoformat()}\n"
        f"{url}\n"
        f"Exported {export.started.strftime('%Y-%m-%d %H:%M')} UTC.\n\n"
        "This archive holds what the person who exported it was allowed to see.\n"
        f"{left_out}\n\nFiles\n\n{listing}\n{VERIFYING}"
    )


MANIFEST_HELP = (
    "The collection version (number, manifest_hash, citation) and each item shown: position,\n"
    "    record, pinned record version and its hashes, passage and its SHA-256 for passage\n"
    "    items, the curator's annotation. hidden_items counts the items left out."
)
PUBLISHED_HELP = "The manifest as published, in canonical JSON: its sha256sum is manifest_hash."
RECORDS_JSON_HELP = (
    "One entry per record: its pinned version's snapshot as stored, with version_hash and\n"
    "    content_hash."
)
RECORDS_CSV_HELP = (
    "One row per passage of those versions: record, version, passage (the n of ¶n), role,\n"
    "    text, sha256. UTF-8 with a byte-order mark. A cell that starts with an apostrophe\n"
    "    had one added, so that no spreadsheet runs it as a formula: remove exactly one\n"
    "    leading apostrophe to get the text back."
)
IMAGES_HELP = "The sanitized images of the pinned versions, named by their SHA-256."
VERIFYING = """\
Verifying

1. Every file: unzip, then
     sha256sum -c SHA256SUMS
2. An image: its sha256sum equals the SHA-256 in its name.
3. A record version: version_hash is the SHA-256 of its snapshot written as canonical JSON
   (keys sorted, no whitespace, non-ASCII characters as themselves, UTF-8). This prints OK
   or MISMATCH for each record of records.json (one line):
     python3 -c 'import json, hashlib; c = lambda s: json.dumps(s, sort_keys=True, \
ensure_ascii=False, separators=(",", ":")).encode(); [print(e["record"], "OK" if \
hashlib.sha256(c(e["snapshot"])).hexdigest() == e["version_hash"] else "MISMATCH") \
for e in json.load(open("records.json", encoding="utf-8"))]'
4. A passage: its sha256 is the SHA-256 of its text in UTF-8, for example
     printf '%s' 'TEXT OF THE PASSAGE' | sha256sum
   A record's content_hash is the SHA-256 of its passages joined by one blank line.
5. The rules (text normalization, ¶ numbers, hashes) are in the archive's documentation,
   docs/integrity.md and docs/versions.md. A version redacted after publication says so
   (redacted_at); its hashes are those of the redacted text.
"""


def _readme(export: Export, out: _Writer):
    work = citations.collection_version_work(
        export.version, base_url=export.base_url, accessed=export.started.date()
    )
    with out.entry("README.txt") as write:
        write(_readme_text(export, work.url).encode())
    yield
