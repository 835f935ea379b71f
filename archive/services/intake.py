"""The intake path: identifying terms, PII findings and their review, and the workflow
draft -> in_review -> published -> withdrawn, each step audited.

A record cannot be published while a finding is open. Findings are replaced (the passage,
title or summary is rewritten with the placeholder, and history rows that still hold the
identifying text are purged) or dismissed with a written reason.
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from archive import permissions, pii
from archive.models import FindingStatus, IdentifyingTerm, PiiFinding, Record, RecordState
from archive.models.audit import AuditAction
from archive.services import audit, versions
from archive.services.records import PassageInput, record_set_passages, record_update

FIELDS = ("title", "summary")


class PublishBlocked(ValidationError):
    pass


def _key() -> bytes:
    return (settings.PII_TERMS_KEY or settings.SECRET_KEY).encode()


# -- identifying terms ------------------------------------------------------------------------


@transaction.atomic
def set_identifying_terms(*, record: Record, terms: list[tuple[str, str]], by) -> None:
    """Replace the record's identifying terms: (term, placeholder) pairs. Plain text is kept
    only while the record has never been published; the digests always."""
    permissions.require_archivist(by, "review and publish records")
    keep_plain = not record.was_ever_published()
    record.identifying_terms.all().delete()
    for term, placeholder in terms:
        term = term.strip()
        if not term:
            continue
        IdentifyingTerm.objects.create(
            record=record,
            placeholder=placeholder,
            term=term if keep_plain else "",
            digest=pii.term_digest(term, salt=record.public_id, key=_key()),
            words=pii.term_words(term),
        )
    # The terms themselves never go into the log.
    audit.log(
        AuditAction.RECORD_EDIT, actor=by, target=record, detail={"identifying_terms": len(terms)}
    )


# -- scanning ---------------------------------------------------------------------------------


def _texts(record: Record):
    for name in FIELDS:
        yield name, None, getattr(record, name) or ""
    for passage in record.passages.order_by("position", "number"):
        yield "passage", passage.number, passage.text


def _scan_text(record: Record, text: str, terms) -> list[pii.Finding]:
    plain = [(t.term, t.placeholder) for t in terms if t.term]
    hashed = [(t.digest, t.words, t.placeholder) for t in terms if not t.term]
    found = pii.scan(text, plain)
    if hashed:
        found += pii.find_digests(text, hashed, salt=record.public_id, key=_key())
    return found


@transaction.atomic
def scan(*, record: Record) -> list[PiiFinding]:
    """Scan the title, summary and every passage; open findings are replaced by the new
    scan, and a match dismissed before (same place, kind and text) stays dismissed."""
    terms = list(record.identifying_terms.all())
    dismissed = {
        (f.field, f.passage_number, f.kind, f.text)
        for f in record.pii_findings.filter(status=FindingStatus.DISMISSED)
    }
    record.pii_findings.filter(status=FindingStatus.OPEN).delete()
    created = []
    for field, number, text in _texts(record):
        for f in _scan_text(record, text, terms):
            if (field, number, f.kind, f.text[:500]) in dismissed:
                continue
            created.append(
                PiiFinding.objects.create(
                    record=record,
                    field=field,
                    passage_number=number,
                    kind=f.kind,
                    start=f.start,
                    end=f.end,
                    text=f.text[:500],
                    placeholder=f.placeholder,
                )
            )
    return created


def open_findings(record: Record):
    return record.pii_findings.filter(status=FindingStatus.OPEN)


# -- review -----------------------------------------------------------------------------------


@transaction.atomic
def replace_finding(*, finding: PiiFinding, by, placeholder: str | None = None) -> None:
    """One click: put the placeholder where the finding stands, everywhere it appears in that
    text, and purge history rows that still hold the original."""
    permissions.require_archivist(by, "review and publish records")
    finding = PiiFinding.objects.select_for_update().get(pk=finding.pk)
    if finding.status != FindingStatus.OPEN:
        raise ValidationError("This finding was already handled.")
    record = finding.record
    original, new = finding.text, (placeholder or finding.placeholder)
    before = source_text(finding)
    with versions.recording(by=by, note=f"identifying detail replaced in {finding.location}"):
        _replace_text(record, finding, original, new, by)
    # SECURITY: earlier versions and history rows must not keep what was just removed.
    versions.redact(record=record, original=original, replacement=new, by=by)
    finding.status, finding.text = FindingStatus.REPLACED, ""
    finding.resolved_by, finding.resolved_at = by, timezone.now()
    finding.placeholder = new
    finding.save()
    _follow_replacement(finding, before, original, new, by)
    audit.log(
        AuditAction.RECORD_EDIT,
        actor=by,
        target=record,
        detail={"pii_replaced": finding.kind, "where": finding.location, "placeholder": new},
    )


def _replace_text(record: Record, finding: PiiFinding, original: str, new: str, by) -> None:
    if finding.field == "passage":
        passages = list(record.passages.order_by("position", "number"))
        inputs = [
            PassageInput(
                p.text.replace(original, new) if p.number == finding.passage_number else p.text,
                p.role,
            )
            for p in passages
        ]
        record_set_passages(record=record, passages=inputs, by=by)
        _purge_passage_history(record, finding.passage_number, original)
    else:
        redacted = getattr(record, finding.field).replace(original, new)
        record_update(record=record, by=by, **{finding.field: redacted})
        record.history.filter(**{f"{finding.field}__contains": original}).delete()


def source_text(finding: PiiFinding) -> str:
    """The current text of the passage, title or summary a finding was made in."""
    if finding.field == "passage":
        passage = finding.record.passages.filter(number=finding.passage_number).first()
        return passage.text if passage else ""
    return getattr(finding.record, finding.field) or ""


def _follow_replacement(finding, before: str, original: str, new: str, by) -> None:
    """Every occurrence of the text was replaced: the other open findings of the same text
    are resolved too, and those after an occurrence move by the change in length."""
    occurrences = [m.start() for m in re.finditer(re.escape(original), before)]
    delta = len(new) - len(original)
    siblings = PiiFinding.objects.filter(
        record=finding.record,
        field=finding.field,
        passage_number=finding.passage_number,
        status=FindingStatus.OPEN,
    )
    for sibling in siblings:
        if sibling.text == original:
            sibling.status, sibling.text, sibling.placeholder = FindingStatus.REPLACED, "", new
            sibling.resolved_by, sibling.resolved_at = by, timezone.now()
        else:
            shift = delta * sum(1 for o in occurrences if o + len(original) <= sibling.start)
            sibling.start += shift
            sibling.end += shift
        sibling.save()


def _purge_passage_history(record: Record, number: int, original: str) -> None:
    from archive.models import Passage

    history = Passage.history.filter(record_id=record.pk, number=number, text__contains=original)
    history.delete()


@transaction.atomic
def dismiss_finding(*, finding: PiiFinding, by, reason: str) -> None:
    permissions.require_archivist(by, "review and publish records")
    if not reason.strip():
        raise ValidationError({"note": "Say why this is not identifying."})
    finding = PiiFinding.objects.select_for_update().get(pk=finding.pk)
    if finding.status != FindingStatus.OPEN:
        raise ValidationError("This finding was already handled.")
    finding.status, finding.note = FindingStatus.DISMISSED, reason.strip()
    finding.resolved_by, finding.resolved_at = by, timezone.now()
    finding.save()
    audit.log(
        AuditAction.RECORD_EDIT,
        actor=by,
        target=finding.record,
        detail={"pii_dismissed": finding.kind, "where": finding.location, "reason": finding.note},
    )


# -- workflow ---------------------------------------------------------------------------------

TRANSITIONS = {
    "submit": ({RecordState.DRAFT}, RecordState.IN_REVIEW),
    "return": ({RecordState.IN_REVIEW}, RecordState.DRAFT),
    "publish": ({RecordState.DRAFT, RecordState.IN_REVIEW}, RecordState.PUBLISHED),
    "withdraw": ({RecordState.PUBLISHED}, RecordState.WITHDRAWN),
}


def _move(record: Record, step: str, by, note: str) -> None:
    sources, target = TRANSITIONS[step]
    if record.state not in sources:
        raise ValidationError(
            f"A {record.get_state_display()} record cannot be moved to {target.label}."
        )
    record_update(record=record, state=target, by=by, note=note)


@transaction.atomic
def submit_for_review(*, record: Record, by) -> list[PiiFinding]:
    permissions.require_archivist(by, "review and publish records")
    findings = scan(record=record)
    _move(record, "submit", by, note="submitted for review")
    return findings


@transaction.atomic
def publish(*, record: Record, by, note: str = "") -> None:
    """Scan again; refuse while any finding is open; then publish, wipe the plain text of
    the identifying terms (their digests stay, to check later edits) and discard the text of
    the drafts before publication (docs/versions.md)."""
    permissions.require_archivist(by, "review and publish records")
    scan(record=record)
    still_open = open_findings(record).count()
    if still_open:
        raise PublishBlocked(
            f"{still_open} finding(s) of identifying details are open: replace or dismiss "
            "each before publishing."
        )
    _move(record, "publish", by, note=note.strip() or "published")
    record.identifying_terms.exclude(term="").update(term="")
    # SECURITY: no pre-publication text survives in versions or history rows.
    versions.discard_draft_text(record=record, by=by)


@transaction.atomic
def withdraw(*, record: Record, by, reason: str) -> None:
    permissions.require_archivist(by, "review and publish records")
    if not reason.strip():
        raise ValidationError("Say why the record is withdrawn.")
    _move(record, "withdraw", by, note=reason.strip())
