"""Writes to records and passages: create, edit text with stable ¶ numbers, tag, rehash."""

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from archive import hashing
from archive.models import Passage, Record, RecordKind, RecordState, Term
from archive.models.audit import AuditAction
from archive.models.records import PassageRole, check_single_paragraph, deferred_rehash
from archive.services import audit, versions


@dataclass(frozen=True)
class PassageInput:
    text: str
    role: str = PassageRole.BODY
    # None keeps a kept passage's tags as they are; a tuple replaces them.
    tags: tuple[Term, ...] | None = None


@dataclass
class PassageChanges:
    kept: list[int] = field(default_factory=list)
    edited: list[int] = field(default_factory=list)
    added: list[int] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.edited or self.added or self.removed)


@transaction.atomic
@versions.recorded(default_note="created")
def record_create(
    *,
    kind: str,
    title: str,
    language: str,
    passages: Sequence[PassageInput] = (),
    by: AbstractBaseUser | None = None,
    state: str = RecordState.DRAFT,
    tags: Iterable[Term] = (),
    note: str = "",
    **fields,
) -> Record:
    """Create a record with its passages; the identifier and hashes are assigned here, and
    its first version is made with `note` (default "created")."""
    if kind not in RecordKind.values:
        raise ValueError(f"unknown record kind {kind!r}")
    record = Record(
        kind=kind,
        title=title,
        language=language,
        state=state,
        created_by=by,
        updated_by=by,
        **fields,
    )
    record.full_clean(exclude=["content_hash", "public_id"])
    record.save()
    record.tags.set(tags)
    record_set_passages(record=record, passages=passages, by=by, audited=False)
    audit.log(AuditAction.RECORD_CREATE, actor=by, target=record, detail={"state": state})
    return record


@transaction.atomic
@versions.recorded
def record_update(
    *, record: Record, by: AbstractBaseUser | None = None, note: str = "", **fields
) -> bool:
    """Change metadata fields; saves (and makes a version) only if something differs.
    A record that is or was published changes only with a `note` saying why."""
    changed = [name for name, value in fields.items() if getattr(record, name) != value]
    if not changed:
        return False
    before = {name: getattr(record, name) for name in changed}
    for name in changed:
        setattr(record, name, fields[name])
    record.updated_by = by
    record.full_clean(exclude=["content_hash", "public_id"])
    record.save()
    audit_record_change(record, by, before, {name: fields[name] for name in changed}, note)
    return True


ACCESS_FIELDS = {"access_level", "embargo_until"}


def audit_record_change(record: Record, by, before: dict, after: dict, note: str = "") -> None:
    """One entry per kind of change: publish/withdraw, access, and other edits."""
    changed = set(after)
    if "state" in changed:
        action = {
            RecordState.PUBLISHED: AuditAction.RECORD_PUBLISH,
            RecordState.WITHDRAWN: AuditAction.RECORD_WITHDRAW,
        }.get(after["state"], AuditAction.RECORD_EDIT)
        detail = {"from": before.get("state"), "to": after["state"]}
        if note:
            detail["note"] = note
        audit.log(action, actor=by, target=record, detail=detail)
    if changed & ACCESS_FIELDS:
        audit.log(
            AuditAction.RECORD_ACCESS,
            actor=by,
            target=record,
            detail={
                "before": {k: _plain(before[k]) for k in changed & ACCESS_FIELDS},
                "after": {k: _plain(after[k]) for k in changed & ACCESS_FIELDS},
            },
        )
    others = sorted(changed - ACCESS_FIELDS - {"state"})
    if others:
        audit.log(AuditAction.RECORD_EDIT, actor=by, target=record, detail={"fields": others})


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


@transaction.atomic
@versions.recorded
def record_set_passages(
    *,
    record: Record,
    passages: Sequence[PassageInput],
    by: AbstractBaseUser | None = None,
    audited: bool = True,
    note: str = "",
) -> PassageChanges:
    """Replace a record's text while keeping the ¶ numbers of unchanged and edited paragraphs.

    Old and new paragraph lists are aligned with difflib. Equal paragraphs keep their number.
    Inside a replaced block, a new paragraph takes over an old one's number only if their
    words are similar enough to call it an edit (SIMILAR_ENOUGH), in order; other old
    paragraphs retire their numbers and other new ones get fresh numbers.
    """
    new = [PassageInput(hashing.normalize_text(p.text), p.role, p.tags) for p in passages]
    for item in new:
        check_single_paragraph(item.text)
    # SECURITY: lock the record so concurrent editors serialize and the hash stays true.
    Record.objects.select_for_update().filter(pk=record.pk).first()
    old = list(record.passages.order_by("position", "number"))
    matcher = difflib.SequenceMatcher(
        a=[p.text for p in old], b=[p.text for p in new], autojunk=False
    )
    changes = PassageChanges()
    with deferred_rehash():
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                pairs = list(zip(range(i1, i2), range(j1, j2), strict=True))
            else:
                pairs = _similar_pairs(old, new, range(i1, i2), range(j1, j2))
            paired_old = {i for i, _ in pairs}
            paired_new = {j for _, j in pairs}
            for i, j in pairs:
                edited = _passage_apply(old[i], new[j], position=j + 1)
                if op != "equal" and edited:
                    changes.edited.append(old[i].number)
                else:
                    changes.kept.append(old[i].number)
            for i in range(i1, i2):
                if i not in paired_old:
                    changes.removed.append(old[i].number)
                    old[i].delete()
            for j in range(j1, j2):
                if j not in paired_new:
                    changes.added.append(_passage_add(record, new[j], position=j + 1).number)
    if changes.changed and by is not None and record.updated_by_id != by.pk:
        record.updated_by = by
        record.save(update_fields=["updated_by", "updated_at"])
    record.refresh_from_db(fields=["content_hash", "next_passage_number"])
    if audited and changes.changed:
        audit.log(
            AuditAction.RECORD_EDIT,
            actor=by,
            target=record,
            detail={
                "passages_edited": changes.edited,
                "passages_added": changes.added,
                "passages_removed": changes.removed,
                "content_hash": record.content_hash,
            },
        )
    return changes


SIMILAR_ENOUGH = 0.5


def _similar_pairs(old, new, old_range, new_range) -> list[tuple[int, int]]:
    """Pair old and new paragraphs of a replaced block, in order, when similar enough."""
    pairs, start = [], old_range.start
    for j in new_range:
        best, best_ratio = None, SIMILAR_ENOUGH
        for i in range(start, old_range.stop):
            ratio = _similarity(old[i].text, new[j].text)
            if ratio >= best_ratio:
                best, best_ratio = i, ratio
        if best is not None:
            pairs.append((best, j))
            start = best + 1
    return pairs


def _similarity(a: str, b: str) -> float:
    # Words for alphabetic scripts; characters where words are not space-separated (Chinese).
    wa, wb = re.findall(r"\w+", a.casefold()), re.findall(r"\w+", b.casefold())
    if min(len(wa), len(wb)) < 3:
        wa, wb = list(a), list(b)
    return difflib.SequenceMatcher(a=wa, b=wb, autojunk=False).ratio()


def _passage_add(record: Record, new: PassageInput, *, position: int) -> Passage:
    passage = Passage(record=record, position=position, role=new.role, text=new.text)
    passage.save()
    if new.tags:
        passage.tags.set(new.tags)
    return passage


def _passage_apply(passage: Passage, new: PassageInput, *, position: int) -> bool:
    """Bring a kept passage up to date; True if its text changed."""
    edited = passage.text != new.text
    if (passage.text, passage.role, passage.position) != (new.text, new.role, position):
        passage.text, passage.role, passage.position = new.text, new.role, position
        passage.save()
    if new.tags is not None and {t.pk for t in passage.tags.all()} != {t.pk for t in new.tags}:
        passage.tags.set(new.tags)
    return edited


def record_refresh_hash(*, record: Record) -> bool:
    """Recompute the record hash from its passages in reading order; True if it changed."""
    changed = Record.rehash(record.pk)
    record.refresh_from_db(fields=["content_hash"])
    return changed


@transaction.atomic
@versions.recorded
def records_add_tags(
    *,
    records: Iterable[Record],
    terms: Iterable[Term],
    by: AbstractBaseUser | None = None,
    note: str = "",
) -> int:
    """Add terms to many records at once; returns how many (record, term) pairs were new."""
    terms = list(terms)
    added = 0
    for record in records:
        present = set(record.tags.values_list("pk", flat=True))
        missing = [t for t in terms if t.pk not in present]
        if missing:
            record.tags.add(*missing)
            record.updated_by = by
            record.save(update_fields=["updated_by", "updated_at"])
            added += len(missing)
            audit.log(
                AuditAction.RECORD_EDIT,
                actor=by,
                target=record,
                detail={"tags_added": sorted(t.slug for t in missing)},
            )
    return added


@transaction.atomic
@versions.recorded
def record_set_tags(
    *, record: Record, terms: Iterable[Term], by: AbstractBaseUser | None = None, note: str = ""
) -> bool:
    """Make the record-level tags exactly `terms`; True if anything changed."""
    wanted = {t.pk for t in terms}
    if wanted == set(record.tags.values_list("pk", flat=True)):
        return False
    record.tags.set(wanted)
    record.updated_by = by
    record.save(update_fields=["updated_by", "updated_at"])
    audit.log(
        AuditAction.RECORD_EDIT,
        actor=by,
        target=record,
        detail={"tags": sorted(Term.objects.filter(pk__in=wanted).values_list("slug", flat=True))},
    )
    return True
