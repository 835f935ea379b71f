"""Writes to records and passages: create, edit text with stable ¶ numbers, tag, rehash."""

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from archive import hashing
from archive.models import Passage, Record, RecordKind, RecordState, Term
from archive.models.records import PassageRole


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
def record_create(
    *,
    kind: str,
    title: str,
    language: str,
    passages: Sequence[PassageInput] = (),
    by: AbstractBaseUser | None = None,
    state: str = RecordState.DRAFT,
    tags: Iterable[Term] = (),
    **fields,
) -> Record:
    """Create a record with its passages; the identifier and hashes are assigned here."""
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
    record_set_passages(record=record, passages=passages, by=by)
    return record


@transaction.atomic
def record_update(*, record: Record, by: AbstractBaseUser | None = None, **fields) -> bool:
    """Change metadata fields; saves (and makes a version) only if something differs."""
    changed = [name for name, value in fields.items() if getattr(record, name) != value]
    if not changed:
        return False
    for name in changed:
        setattr(record, name, fields[name])
    record.updated_by = by
    record.full_clean(exclude=["content_hash", "public_id"])
    record.save()
    return True


@transaction.atomic
def record_set_passages(
    *, record: Record, passages: Sequence[PassageInput], by: AbstractBaseUser | None = None
) -> PassageChanges:
    """Replace a record's text while keeping ¶ numbers of unchanged and edited paragraphs.

    The old and new paragraph lists are aligned with difflib: equal paragraphs keep their
    number, a replaced block pairs old and new paragraphs one to one (an edit keeps its
    number), and only surplus paragraphs are removed or get fresh numbers.
    """
    old = list(record.passages.order_by("position", "number"))
    new = [PassageInput(hashing.normalize_text(p.text), p.role, p.tags) for p in passages]
    matcher = difflib.SequenceMatcher(
        a=[p.text for p in old], b=[p.text for p in new], autojunk=False
    )
    changes = PassageChanges()
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        pairs = list(zip(range(i1, i2), range(j1, j2), strict=False))
        for i, j in pairs:
            is_edit = op != "equal"
            _passage_apply(old[i], new[j], position=j + 1)
            (changes.edited if is_edit else changes.kept).append(old[i].number)
        for i in range(i1 + len(pairs), i2):
            changes.removed.append(old[i].number)
            old[i].delete()
        for j in range(j1 + len(pairs), j2):
            passage = Passage(record=record, position=j + 1, role=new[j].role, text=new[j].text)
            passage.save()
            if new[j].tags:
                passage.tags.set(new[j].tags)
            changes.added.append(passage.number)
    if record_refresh_hash(record=record) or changes.changed:
        if by is not None and record.updated_by_id != getattr(by, "pk", None):
            record.updated_by = by
            record.save(update_fields=["updated_by", "updated_at"])
    return changes


def _passage_apply(passage: Passage, new: PassageInput, *, position: int) -> None:
    if (passage.text, passage.role, passage.position) != (new.text, new.role, position):
        passage.text, passage.role, passage.position = new.text, new.role, position
        passage.save()
    if new.tags is not None and {t.pk for t in passage.tags.all()} != {t.pk for t in new.tags}:
        passage.tags.set(new.tags)


def record_refresh_hash(*, record: Record) -> bool:
    """Recompute the record hash from its passages in reading order; True if it changed."""
    texts = record.passages.order_by("position", "number").values_list("text", flat=True)
    digest = hashing.record_hash(texts)
    if digest == record.content_hash:
        return False
    record.content_hash = digest
    record.save(update_fields=["content_hash", "updated_at"])
    return True


@transaction.atomic
def records_add_tags(
    *, records: Iterable[Record], terms: Iterable[Term], by: AbstractBaseUser | None = None
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
    return added


def record_set_tags(*, record: Record, terms: Iterable[Term]) -> bool:
    wanted = {t.pk for t in terms}
    if wanted == set(record.tags.values_list("pk", flat=True)):
        return False
    record.tags.set(wanted)
    return True
