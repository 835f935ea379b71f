"""Fixity: recompute every stored hash and list what no longer matches.

Checked: each passage's SHA-256 against its text; each record's SHA-256 against its passages
in reading order (docs/integrity.md); each record version's hash against its snapshot, and
the newest version against the record as it stands (a change that bypassed the app shows up
here); each stored image against its recorded SHA-256; each seed source document against the
SHA-256 in seeds/manifest.yaml.
Read-only: a mismatch is reported, never repaired, so the evidence of tampering stays.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from archive import hashing
from archive.models import Passage, Record

CHUNK = 2000


@dataclass(frozen=True)
class Mismatch:
    what: str  # "passage", "record", "file"
    where: str  # T-000001 ¶3, A-000002, seeds/000_….txt
    stored: str
    computed: str

    def __str__(self):
        return f"{self.what} {self.where}: stored {self.stored}, computed {self.computed}"


@dataclass
class FixityReport:
    passages: int = 0
    records: int = 0
    files: int = 0
    versions: int = 0
    mismatches: list[Mismatch] | None = None

    @property
    def ok(self) -> bool:
        return not self.mismatches


def verify(*, seeds_dir: Path | None = None) -> FixityReport:
    report = FixityReport(mismatches=[])
    for mismatch, kind in _check_records():
        if kind == "passage":
            report.passages += 1
        else:
            report.records += 1
        if mismatch:
            report.mismatches.append(mismatch)
    for mismatch in _check_versions():
        report.versions += 1
        if mismatch:
            report.mismatches.append(mismatch)
    for mismatch in _check_attachments():
        report.files += 1
        if mismatch:
            report.mismatches.append(mismatch)
    if seeds_dir is not None:
        for mismatch in _check_seed_files(seeds_dir):
            report.files += 1
            if mismatch:
                report.mismatches.append(mismatch)
    return report


def _check_records() -> Iterator[tuple[Mismatch | None, str]]:
    """Records in identifier order, each with its passages, read in chunks (bounded memory)."""
    records = Record.objects.order_by("pk").values_list("pk", "public_id", "content_hash")
    for chunk in _chunks(records.iterator(chunk_size=CHUNK)):
        by_record: dict[int, list] = {pk: [] for pk, _, _ in chunk}
        passages = (
            Passage.objects.filter(record_id__in=by_record)
            .order_by("record_id", "position", "number")
            .values_list("record_id", "number", "text", "content_hash")
        )
        for record_id, number, text, stored in passages.iterator(chunk_size=CHUNK):
            by_record[record_id].append((number, text, stored))
        for pk, public_id, stored_record in chunk:
            texts = []
            for number, text, stored in by_record[pk]:
                computed = hashing.sha256_text(text)
                where = f"{public_id} ¶{number}"
                yield (
                    (Mismatch("passage", where, stored, computed) if computed != stored else None),
                    "passage",
                )
                texts.append(text)
            computed = hashing.record_hash(texts)
            yield (
                (
                    Mismatch("record", public_id, stored_record, computed)
                    if computed != stored_record
                    else None
                ),
                "record",
            )


def _check_versions() -> Iterator[Mismatch | None]:
    from archive.models import RecordVersion
    from archive.services.versions import snapshot_hash, snapshot_of

    latest: dict[int, RecordVersion] = {}
    for version in RecordVersion.objects.order_by("record_id", "number").iterator(chunk_size=CHUNK):
        where = f"{version.snapshot.get('public_id', version.record_id)} v{version.number}"
        if version.snapshot.get("discarded"):
            yield None  # a draft's text discarded at publication: only its hashes remain
            latest[version.record_id] = version
            continue
        computed = snapshot_hash(version.snapshot)
        texts = [p.get("text", "") for p in version.snapshot.get("passages", [])]
        text_hash = hashing.record_hash(texts)
        if computed != version.version_hash:
            yield Mismatch("version", where, version.version_hash, computed)
        elif text_hash != version.content_hash:
            yield Mismatch("version text", where, version.content_hash, text_hash)
        else:
            yield None
        latest[version.record_id] = version
    records = Record.objects.filter(pk__in=latest).select_related("source")
    for record in records.iterator(chunk_size=CHUNK):
        version = latest[record.pk]
        current = snapshot_hash(snapshot_of(record))
        if current != version.version_hash:
            where = f"{record.public_id} now, against its newest version v{version.number}"
            yield Mismatch("record state", where, version.version_hash, current)


def _check_attachments() -> Iterator[Mismatch | None]:
    from archive.models import Attachment

    for attachment in Attachment.objects.select_related("record").iterator(chunk_size=CHUNK):
        where = f"{attachment.record.public_id} image {attachment.number} ({attachment.file.name})"
        try:
            with attachment.file.open("rb") as handle:
                computed = hashing.sha256_bytes(handle.read())
        except FileNotFoundError:
            computed = "missing"
        yield (
            Mismatch("file", where, attachment.sha256, computed)
            if computed != attachment.sha256
            else None
        )


def _check_seed_files(seeds_dir: Path) -> Iterator[Mismatch | None]:
    manifest = yaml.safe_load((seeds_dir / "manifest.yaml").read_text(encoding="utf-8"))
    for entry in manifest.get("files") or []:
        path = seeds_dir / entry["file"]
        where = f"seeds/{entry['file']}"
        if not path.exists():
            yield Mismatch("file", where, entry["sha256"], "missing")
            continue
        computed = hashing.sha256_bytes(path.read_bytes())
        yield (
            Mismatch("file", where, entry["sha256"], computed)
            if computed != entry["sha256"]
            else None
        )


def _chunks(rows, size: int = CHUNK):
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
