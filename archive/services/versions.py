"""Record versions: one numbered, hashed snapshot per change (docs/versions.md).

Services wrap their writes in `recording(by=…, note=…)`. Every record touched inside the
block (its fields, passages, tags, narrator details or attachments, found through signals)
gets one new version when the outermost block ends, inside the same transaction, so a change
and its version commit or roll back together. A change made outside any block (a shell, a
data fix) still gets a version at once, with no note. A snapshot equal to the latest version
makes none, so a save that changes nothing leaves no trace.
"""

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

from archive import hashing
from archive.models import Attachment, Passage, Record, RecordState, RecordVersion, Testimony
from archive.models.audit import AuditAction
from archive.models.records import deleting_records
from archive.services import audit

SNAPSHOT_FORMAT = 1
MAX_NOTE = 2000
PUBLIC_STATES = (RecordState.PUBLISHED, RecordState.WITHDRAWN)


# -- the snapshot -------------------------------------------------------------------------------


def _iso(value):
    return value.isoformat() if value is not None else None


def _terms(manager) -> list[dict]:
    return sorted(
        ({"kind": t.kind, "slug": t.slug, "label": t.preferred_label} for t in manager.all()),
        key=lambda t: (t["kind"], t["slug"]),
    )


TESTIMONY_FIELDS = (
    "narrator_pseudonym",
    "gender",
    "age_range",
    "ethnicity",
    "home_prefecture",
    "relation",
    "detention_start_precision",
    "detention_end_precision",
    "interview_date_precision",
    "original_language",
    "translation_note",
    "consent_scope",
    "reliability_notes",
)


def _testimony(record) -> dict | None:
    testimony = getattr(record, "testimony", None) if record.kind == "testimony" else None
    if testimony is None:
        return None
    data = {name: getattr(testimony, name) for name in TESTIMONY_FIELDS}
    for name in ("detention_start", "detention_end", "interview_date"):
        data[name] = _iso(getattr(testimony, name))
    org = testimony.interviewing_organization
    data["interviewing_organization"] = org.slug if org else None
    return data


def _source(record) -> dict | None:
    return source_snapshot(record.source)


def source_snapshot(source) -> dict | None:
    """A source as a version's snapshot holds it."""
    if source is None:
        return None
    return {
        "outlet": source.outlet,
        "title": source.title,
        "authors": list(source.authors or []),
        "url": source.url,
        "language": source.language,
        "published_on": _iso(source.published_on),
        "published_precision": source.published_precision,
    }


def snapshot_of(record) -> dict:
    """Everything a reader sees of the record now, as plain JSON values. Written against
    plain attribute access so the data migration can run it on historical models."""
    passages = record.passages.order_by("position", "number").prefetch_related("tags")
    return {
        "format": SNAPSHOT_FORMAT,
        "public_id": record.public_id,
        "kind": record.kind,
        "title": record.title,
        "summary": record.summary,
        "language": record.language,
        "event_start": _iso(record.event_start),
        "event_start_precision": record.event_start_precision,
        "event_end": _iso(record.event_end),
        "event_end_precision": record.event_end_precision,
        "state": record.state,
        "access_level": record.access_level,
        "embargo_until": _iso(record.embargo_until),
        "content_hash": record.content_hash,
        "source": _source(record),
        "testimony": _testimony(record),
        "tags": _terms(record.tags),
        "passages": [
            {
                "number": p.number,
                "role": p.role,
                "text": p.text,
                "sha256": p.content_hash,
                "tags": [t["slug"] for t in _terms(p.tags)],
            }
            for p in passages
        ],
        "attachments": [
            {
                "number": a.number,
                "caption": a.caption,
                "sha256": a.sha256,
                "format": a.format,
                "width": a.width,
                "height": a.height,
            }
            for a in record.attachments.order_by("number")
        ],
    }


# The version hash: SHA-256 of the snapshot as canonical JSON (archive/hashing.py).
canonical_json = hashing.canonical_json
snapshot_hash = hashing.sha256_json


# -- making versions ----------------------------------------------------------------------------


def _needs_note(last: RecordVersion | None, record: Record) -> bool:
    """Once a record has been public, every change to it must say why."""
    return (last is not None and last.state in PUBLIC_STATES) or record.state in PUBLIC_STATES


def _latest(record: Record) -> RecordVersion | None:
    # Every change compares with the newest version; its snapshot (the whole text) is not
    # needed for that, only its number, hash and state.
    return record.versions.only("number", "version_hash", "state").order_by("-number").first()


def note_required(record: Record) -> bool:
    """Whether a change to this record must come with a note (forms ask for one)."""
    return _needs_note(_latest(record), record)


def check_note(record: Record, note: str) -> None:
    """Refuse early, before anything is written (or stored on disk), a change without the
    note it needs."""
    if not (note or "").strip() and note_required(record):
        raise ValidationError(
            {"change_note": "A published record changes only with a note saying why."}
        )


@transaction.atomic
def record_version_make(
    *, record_id: int, by=None, note: str = "", require_note: bool = True
) -> RecordVersion | None:
    """Snapshot the record as it stands; None if nothing differs from its latest version.

    Raises ValidationError when a record that is or was published changes without a note.
    """
    # The row lock serializes version numbers, as it serializes the record's own writes.
    record = Record.objects.select_for_update().filter(pk=record_id).first()
    if record is None:
        return None
    snapshot = snapshot_of(record)
    digest = snapshot_hash(snapshot)
    last = _latest(record)
    if last is not None and last.version_hash == digest:
        # A save from an instance loaded earlier may have written back an older number.
        _set_edit_version(record, last.number)
        return None
    note = (note or "").strip()[:MAX_NOTE]
    if require_note and not note and _needs_note(last, record):
        raise ValidationError(
            {"change_note": "A published record changes only with a note saying why."}
        )
    version = RecordVersion.objects.create(
        record=record,
        number=(last.number + 1) if last else 1,
        created_at=timezone.now(),
        created_by=by if by is not None and by.is_authenticated else None,
        created_by_label=by.get_username() if by is not None and by.is_authenticated else "",
        note=note,
        state=record.state,
        content_hash=record.content_hash,
        version_hash=digest,
        snapshot=snapshot,
    )
    _set_edit_version(record, version.number)
    _log_hashes(version, by)
    return version


def _log_hashes(version: RecordVersion, by=None, **extra) -> None:
    """The version's hashes in the hash-chained audit log, so a version rewritten later with
    every hash recomputed to match still differs from what was logged (fixity)."""
    audit.log(
        AuditAction.RECORD_VERSION,
        actor=by,
        target=version.record,
        detail={
            "number": version.number,
            "id": version.pk,
            "version_hash": version.version_hash,
            "content_hash": version.content_hash,
            **extra,
        },
    )


def _set_edit_version(record: Record, number: int) -> None:
    if record.edit_version != number:
        # update(), not save(): no signal, so no second version and no history row.
        Record.objects.filter(pk=record.pk).update(edit_version=number)
        record.edit_version = number


# -- editing from a form opened earlier ---------------------------------------------------------


class StaleEdit(Exception):
    """The record has changed since the form was opened at version `opened`."""

    def __init__(self, record_id: int, opened: int):
        self.record_id, self.opened = record_id, opened
        super().__init__(f"record {record_id} changed since version {opened}")


def record_claim_edit(*, record_id: int, opened: int) -> None:
    """Let an edit opened at version `opened` go on only if the record is still at it.

    Compare-and-swap in one UPDATE: it matches only while edit_version is `opened`, and the
    row it writes stays locked until the transaction ends, so a second edit opened at the
    same version waits and then matches nothing (PostgreSQL re-reads the row; SQLite runs
    one writing transaction at a time). Call it inside the edit's transaction, before its
    first write. Raises StaleEdit."""
    # SECURITY: without this, the later of two editors silently reverts the earlier one's
    # change (a redaction included) from the record.
    claimed = Record.objects.filter(pk=record_id, edit_version=opened).update(edit_version=opened)
    if not claimed:
        raise StaleEdit(record_id, opened)


def versions_since(record: Record, opened: int):
    """The versions made after `opened`, oldest first, without their snapshots."""
    return record.versions.filter(number__gt=opened).defer("snapshot").order_by("number")


@dataclass
class _Pending:
    by: object = None
    notes: list[str] = field(default_factory=list)
    records: set[int] = field(default_factory=set)


_pending: ContextVar[_Pending | None] = ContextVar("record_versions_pending", default=None)


@contextmanager
def recording(*, by=None, note: str = "") -> Iterator[None]:
    """Writes inside the block make one version per touched record when the outermost block
    ends. Inner blocks add their note (a publish inside an edit says both) and, if the outer
    one had none, their author."""
    note = (note or "").strip()
    current = _pending.get()
    if current is not None:
        if note and note not in current.notes:
            current.notes.append(note)
        if current.by is None:
            current.by = by
        yield
        return
    pending = _Pending(by=by, notes=[note] if note else [])
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
    # Reached only when the block succeeded: a failed write makes no version.
    for pk in sorted(pending.records):
        record_version_make(record_id=pk, by=pending.by, note="; ".join(pending.notes))


def recorded(func=None, *, default_note: str = ""):
    """Decorate a keyword-only service: its writes are one `recording` block, with the
    service's own `by` and `note` arguments."""

    def decorate(service):
        @functools.wraps(service)
        def wrapper(*args, **kwargs):
            note = kwargs.get("note") or default_note
            with recording(by=kwargs.get("by"), note=note):
                return service(*args, **kwargs)

        return wrapper

    return decorate(func) if func is not None else decorate


def note_pending(text: str) -> None:
    """Add to the note of the versions the current block will make (no-op outside one)."""
    current = _pending.get()
    if current is not None and text and text not in current.notes:
        current.notes.append(text)


def touch(record_id: int | None) -> None:
    """The record changed: version it at the end of the current block, or now outside one."""
    if record_id is None:
        return
    current = _pending.get()
    if current is not None:
        current.records.add(record_id)
    else:
        record_version_make(record_id=record_id, require_note=False)


# -- redaction ----------------------------------------------------------------------------------


def redact(*, record: Record, original: str, replacement: str, by=None) -> int:
    """Identifying text replaced in a record is replaced in its stored versions too, so no
    version keeps it in plain text. Only versions made before the first publication can hold
    it (the publishing gate); each changed version is rehashed, marked redacted, and its new
    hashes logged. Returns how many versions changed."""
    changed = 0
    for version in record.versions.select_for_update():
        snapshot = _replace_in(version.snapshot, original, replacement)
        if snapshot == version.snapshot:
            continue
        if "passages" in snapshot:
            for passage in snapshot["passages"]:
                passage["sha256"] = hashing.sha256_text(passage["text"])
            snapshot["content_hash"] = hashing.record_hash(p["text"] for p in snapshot["passages"])
        version.snapshot = snapshot
        version.content_hash = snapshot["content_hash"]
        version.version_hash = snapshot_hash(snapshot)
        version.redacted_at = timezone.now()
        version._redacting = True
        version.save()
        _log_hashes(version, by, redacted=True)
        changed += 1
    return changed


DRAFT_STATES = (RecordState.DRAFT, RecordState.IN_REVIEW)


def discard_draft_text(*, record: Record, by=None) -> int:
    """At first publication, the drafts before it lose their text: they may hold identifying
    details an archivist removed by hand, which no finding recorded. Each such version keeps
    its number, date, author, note and both hashes (proof of what existed) and is marked
    discarded; the audit log records those hashes, so fixity can still check them. The
    per-row history of those drafts is deleted for the same reason. Returns how many
    versions were discarded."""
    drafts = record.versions.select_for_update().filter(state__in=DRAFT_STATES).order_by("number")
    kept = []
    for version in drafts:
        if version.snapshot.get("discarded"):
            continue
        version.snapshot = {
            "format": SNAPSHOT_FORMAT,
            "public_id": record.public_id,
            "state": version.state,
            "discarded": True,
        }
        version.redacted_at = timezone.now()
        version._redacting = True
        version.save()
        kept.append(
            {
                "number": version.number,
                "version_hash": version.version_hash,
                "content_hash": version.content_hash,
            }
        )
    if kept:
        audit.log(AuditAction.DRAFTS_DISCARDED, actor=by, target=record, detail={"versions": kept})
    _delete_draft_history(record)
    return len(kept)


def _delete_draft_history(record: Record) -> None:
    published = record.history.filter(state=RecordState.PUBLISHED).order_by("history_date")
    first = published.values_list("history_date", flat=True).first()
    if first is None:
        return
    record.history.filter(history_date__lt=first).delete()
    Passage.history.filter(record_id=record.pk, history_date__lt=first).delete()
    Testimony.history.filter(record_id=record.pk, history_date__lt=first).delete()


def is_discarded(version: RecordVersion) -> bool:
    return bool(version.snapshot.get("discarded"))


def _replace_in(value, original: str, replacement: str):
    if isinstance(value, str):
        return value.replace(original, replacement)
    if isinstance(value, list):
        return [_replace_in(v, original, replacement) for v in value]
    if isinstance(value, dict):
        return {k: _replace_in(v, original, replacement) for k, v in value.items()}
    return value


# -- signals --------------------------------------------------------------------------------------


def _record_saved(sender, instance: Record, raw=False, **kwargs):
    if not raw:
        touch(instance.pk)


def _child_changed(sender, instance, raw=False, **kwargs):
    if raw or deleting_records(kwargs.get("origin")):
        return  # the record itself is being deleted, versions and all
    touch(instance.record_id)


def _tags_changed(sender, instance, action, pk_set, **kwargs):
    if not action.startswith("post_"):
        return
    if isinstance(instance, Record):
        touch(instance.pk)
    elif isinstance(instance, Passage):
        touch(instance.record_id)
    # Changes from the term's side (merging terms) reach records through the services.


def connect() -> None:
    post_save.connect(_record_saved, sender=Record, dispatch_uid="versions.record")
    for model in (Passage, Testimony, Attachment):
        uid = f"versions.{model._meta.model_name}"
        post_save.connect(_child_changed, sender=model, dispatch_uid=f"{uid}.save")
        post_delete.connect(_child_changed, sender=model, dispatch_uid=f"{uid}.delete")
    m2m_changed.connect(_tags_changed, sender=Record.tags.through, dispatch_uid="versions.rtags")
    m2m_changed.connect(_tags_changed, sender=Passage.tags.through, dispatch_uid="versions.ptags")
