"""Fixity: recompute every stored hash and list what no longer matches.

Checked (docs/integrity.md): each passage's SHA-256 against its text; each record's SHA-256
against its passages in reading order; each record version's hash against its snapshot and
against the hashes the audit log recorded when it was made (or redacted), and
the newest version against the record as it stands (a change that bypassed the app shows up
here); a discarded draft only where a discard is legitimate, with its hashes as the audit log
recorded them when it was discarded; each published collection version's manifest hash, its
items, and every record version hash it pins; each stored image and thumbnail against its
recorded SHA-256; the audit log's hash chain and its append-only triggers; each seed source
document against the SHA-256 in seeds/manifest.yaml.
Read-only: a mismatch is reported, never repaired, so the evidence of tampering stays.
"""

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.db import connection

from archive import audit_chain, db_schema, hashing
from archive.models import (
    Attachment,
    AuditEntry,
    CollectionVersion,
    Passage,
    Record,
    RecordState,
    RecordVersion,
)
from archive.models.audit import AuditAction

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
    collection_versions: int = 0
    audit_entries: int = 0
    audit_head: str = audit_chain.GENESIS
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
    for mismatch in _check_collection_versions():
        report.collection_versions += 1
        if mismatch:
            report.mismatches.append(mismatch)
    for mismatch in _check_attachments():
        report.files += 1
        if mismatch:
            report.mismatches.append(mismatch)
    report.mismatches += check_audit_log(report)
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


PUBLIC_STATES = (RecordState.PUBLISHED, RecordState.WITHDRAWN)
DRAFT_STATES = (RecordState.DRAFT, RecordState.IN_REVIEW)
DISCARDED_KEYS = {"format", "public_id", "state", "discarded"}


def _check_versions() -> Iterator[Mismatch | None]:
    from archive.services.versions import snapshot_hash, snapshot_of

    discards = _recorded_discards()
    logged, first_logged = _recorded_versions()
    latest: dict[int, tuple[int, str]] = {}  # number and hash only: memory stays flat
    versions = RecordVersion.objects.order_by("record_id", "number").select_related("record")
    for _, group in itertools.groupby(versions.iterator(chunk_size=CHUNK), lambda v: v.record_id):
        group = list(group)
        public = [v.number for v in group if v.state in PUBLIC_STATES]
        for version in group:
            public_id = version.record.public_id
            where = f"{public_id} v{version.number}"
            if not isinstance(version.snapshot, dict):
                yield Mismatch("version", where, version.version_hash, "not a snapshot")
                continue
            if version.snapshot.get("discarded"):
                # Its hashes are checked against the audit entry of its discarding.
                yield _check_discarded(version, public_id, public, discards.get(public_id, {}))
                continue
            kept = (version.version_hash, version.content_hash)
            recorded = logged.get((public_id, version.number))
            if recorded is None and first_logged is not None and version.pk >= first_logged:
                # Made since versions are logged, yet never logged: not made by the app.
                yield Mismatch("version hashes", where, "no audit entry", "/".join(kept))
                continue
            if recorded is not None and recorded != kept:
                yield Mismatch("version hashes", where, "/".join(recorded), "/".join(kept))
                continue
            computed = snapshot_hash(version.snapshot)
            try:
                texts = [p.get("text", "") for p in version.snapshot.get("passages", [])]
                text_hash = hashing.record_hash(texts)
            except (AttributeError, TypeError):
                text_hash = "not a snapshot"
            if computed != version.version_hash:
                yield Mismatch("version", where, version.version_hash, computed)
            elif text_hash != version.content_hash:
                yield Mismatch("version text", where, version.content_hash, text_hash)
            elif version.snapshot.get("public_id") != public_id:
                yield Mismatch("version", where, public_id, str(version.snapshot.get("public_id")))
            else:
                yield None
        latest[group[-1].record_id] = (group[-1].number, group[-1].version_hash)
    records = Record.objects.filter(pk__in=latest).select_related("source")
    for record in records.iterator(chunk_size=CHUNK):
        number, version_hash = latest[record.pk]
        current = snapshot_hash(snapshot_of(record))
        if current != version_hash:
            where = f"{record.public_id} now, against its newest version v{number}"
            yield Mismatch("record state", where, version_hash, current)


def _recorded_versions() -> tuple[dict[tuple[str, int], tuple[str, str]], int | None]:
    """Each record version's hashes as the audit log last recorded them (when it was made,
    or redacted since), and the row id of the first version logged: every version made
    after it must have an entry. Versions made before the log held them (older code) have
    none, and are checked against what exists only."""
    found: dict[tuple[str, int], tuple[str, str]] = {}
    first = None
    entries = AuditEntry.objects.filter(action=AuditAction.RECORD_VERSION).order_by("id")
    for target_id, detail in entries.values_list("target_id", "detail").iterator(chunk_size=CHUNK):
        try:
            key = (target_id, int(detail["number"]))
            found[key] = (str(detail["version_hash"]), str(detail["content_hash"]))
            first = int(detail["id"]) if first is None else min(first, int(detail["id"]))
        except (KeyError, TypeError, ValueError):
            continue
    return found, first


def _check_discarded(version, public_id: str, public: list[int], recorded: dict):
    """A draft's text is discarded only when the record is first published (services/
    versions.discard_draft_text), and the audit log records the hashes it kept then."""
    where = f"{public_id} v{version.number}"
    if version.state not in DRAFT_STATES:
        return Mismatch("discarded version", where, f"a {version.state} version", "discarded")
    if not public or min(public) < version.number:
        return Mismatch(
            "discarded version", where, "a draft before a publication", "no publication after it"
        )
    snapshot = version.snapshot
    if set(snapshot) != DISCARDED_KEYS or (snapshot["public_id"], snapshot["state"]) != (
        public_id,
        version.state,
    ):
        return Mismatch("discarded version", where, "a bare discard marker", "other content")
    kept = (version.version_hash, version.content_hash)
    logged = recorded.get(version.number)
    if logged != kept:
        stored = "/".join(logged) if logged else "no audit entry of its discarding"
        return Mismatch("discarded version hashes", where, stored, "/".join(kept))
    return None


def _recorded_discards() -> dict[str, dict[int, tuple[str, str]]]:
    """The hashes each discarded draft kept, as the audit log recorded them."""
    found: dict[str, dict[int, tuple[str, str]]] = {}
    entries = AuditEntry.objects.filter(action=AuditAction.DRAFTS_DISCARDED).order_by("id")
    for target_id, detail in entries.values_list("target_id", "detail").iterator(chunk_size=CHUNK):
        for item in (detail or {}).get("versions", []):
            try:
                found.setdefault(target_id, {})[int(item["number"])] = (
                    str(item["version_hash"]),
                    str(item["content_hash"]),
                )
            except (KeyError, TypeError, ValueError):
                continue
    return found


def _check_collection_versions() -> Iterator[Mismatch | None]:
    """A published collection version's manifest hashes to its stored hash, as the audit log
    recorded it at publication; its items are the manifest's; every record version it pins
    still has the hashes pinned."""
    from archive.services.collections import manifest_hash

    published = _recorded_collection_hashes()
    versions = CollectionVersion.objects.select_related("collection").order_by("pk")
    for version in versions.iterator(chunk_size=200):
        where = f"collection {version.collection.slug} v{version.number}"
        manifest = version.manifest if isinstance(version.manifest, dict) else {}
        computed = manifest_hash(version.manifest)
        logged = published.get((version.collection.slug, version.number))
        if computed != version.manifest_hash:
            yield Mismatch("collection manifest", where, version.manifest_hash, computed)
            continue
        if logged != version.manifest_hash:
            yield Mismatch(
                "collection manifest",
                where,
                logged or "no audit entry of its publication",
                computed,
            )
            continue
        try:
            problems = _pin_problems(version, manifest)
        except (AttributeError, TypeError, ValueError):
            problems = ["the manifest cannot be read"]
        yield (
            Mismatch("collection pins", where, "the pinned hashes", "; ".join(problems))
            if (problems)
            else None
        )


def _pin_problems(version: CollectionVersion, manifest: dict) -> list[str]:
    problems = []
    if (manifest.get("collection"), manifest.get("version")) != (
        version.collection.slug,
        version.number,
    ):
        problems.append("the manifest names another collection version")
    rows = {
        item.position: item
        for item in version.items.select_related("record", "record_version").order_by("position")
    }
    items = manifest.get("items") or []
    if sorted(rows) != [item.get("position") for item in items]:
        problems.append("its items differ from the manifest's")
    pinned = _pinned_versions(items)
    for item in items:
        label = f"#{item.get('position')} {item.get('record')} v{item.get('record_version')}"
        row = rows.get(item.get("position"))
        if row is not None and (
            row.record.public_id,
            row.record_version.number,
            row.passage_number,
            row.annotation,
        ) != (
            item.get("record"),
            item.get("record_version"),
            item.get("passage"),
            item.get("annotation"),
        ):
            problems.append(f"{label}: the stored item differs from the manifest")
        target = pinned.get((item.get("record"), item.get("record_version")))
        if target is None:
            problems.append(f"{label}: that record version is gone")
            continue
        if target.version_hash != item.get("record_version_hash"):
            problems.append(f"{label}: version hash {target.version_hash}")
        if target.content_hash != item.get("content_hash"):
            problems.append(f"{label}: content hash {target.content_hash}")
        number = item.get("passage")
        if number is not None:
            hashes = [
                p.get("sha256")
                for p in target.snapshot.get("passages", [])
                if p.get("number") == number
            ]
            if hashes != [item.get("passage_sha256")]:
                problems.append(
                    f"{label} ¶{number}: passage hash {hashes[0] if hashes else 'gone'}"
                )
    return problems


def _pinned_versions(items: list[dict]) -> dict[tuple[str, int], RecordVersion]:
    wanted = {(i.get("record"), i.get("record_version")) for i in items}
    versions = RecordVersion.objects.filter(
        record__public_id__in={public_id for public_id, _ in wanted}
    ).select_related("record")
    return {
        (v.record.public_id, v.number): v
        for v in versions
        if (v.record.public_id, v.number) in wanted
    }


def _recorded_collection_hashes() -> dict[tuple[str, int], str]:
    entries = AuditEntry.objects.filter(action=AuditAction.COLLECTION_PUBLISH).order_by("id")
    found = {}
    for slug, detail in entries.values_list("target_id", "detail").iterator(chunk_size=CHUNK):
        if isinstance(detail, dict) and "version" in detail:
            found.setdefault((slug, detail["version"]), detail.get("hash"))
    return found


def _check_attachments() -> Iterator[Mismatch | None]:
    """Both stored files a reader is shown: the image and its thumbnail."""
    for attachment in Attachment.objects.select_related("record").iterator(chunk_size=CHUNK):
        label = f"{attachment.record.public_id} image {attachment.number}"
        for what, stored_file, stored in (
            ("image", attachment.file, attachment.sha256),
            ("thumbnail", attachment.thumbnail, attachment.thumbnail_sha256),
        ):
            computed = _file_hash(stored_file)
            where = f"{label} {what} ({stored_file.name})"
            yield (
                Mismatch("file", where, stored or "none", computed) if computed != stored else None
            )


def _file_hash(stored_file) -> str:
    try:
        with stored_file.open("rb") as handle:
            return hashing.sha256_stream(handle)
    except (FileNotFoundError, ValueError):
        return "missing"


def check_audit_log(report: FixityReport | None = None) -> list[Mismatch]:
    """The chain from the first entry to the last, and the triggers that keep it append-only."""
    mismatches = [
        Mismatch("audit trigger", db_schema.AUDIT_TABLE, "present and refusing", problem)
        for problem in db_schema.audit_trigger_problems(connection)
    ]
    prev, count = audit_chain.GENESIS, 0
    rows = AuditEntry.objects.order_by("id").values(
        "id", "prev_hash", "entry_hash", *audit_chain.FIELDS
    )
    for row in rows.iterator(chunk_size=CHUNK):
        count += 1
        where = f"entry {row['id']}"
        if row["prev_hash"] != prev:
            mismatches.append(Mismatch("audit chain", where, row["prev_hash"] or "none", prev))
        computed = audit_chain.entry_hash(row, row["prev_hash"])
        if computed != row["entry_hash"]:
            mismatches.append(Mismatch("audit entry", where, row["entry_hash"] or "none", computed))
        prev = row["entry_hash"]
    if report is not None:
        report.audit_entries, report.audit_head = count, prev
    return mismatches


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
