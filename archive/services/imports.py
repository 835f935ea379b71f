"""Bulk import of records from JSON Lines or CSV: check every row, then write all or nothing."""

import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from archive import hashing, permissions
from archive.models import ImportWarning, Record, RecordState, Source, Testimony
from archive.models.audit import AuditAction
from archive.models.search import coalesce_index_updates
from archive.services import audit, intake, versions
from archive.services.import_files import (
    FORMAT_NAMES,
    FileRejected,
    Problem,
    decode,
    detect_format,
    parse,
)
from archive.services.import_rows import COLUMNS, RowPlan, Vocabulary, check_row
from archive.services.records import PassageInput, record_create

logger = logging.getLogger(__name__)

# Row outcomes.
ERROR, DUPLICATE, NEW, CREATED = "error", "duplicate", "new", "created"
LOOKUP_CHUNK = 500


@dataclass
class RowOutcome:
    line: int
    kind: str
    title: str
    status: str
    state: str = ""  # the state the record lands in (or would)
    public_id: str = ""  # of the record created
    duplicate_of: str = ""  # the record already holding this text, if the user may see it
    duplicate_line: int | None = None  # the earlier line of this file holding it
    findings: list[str] = field(default_factory=list)  # kinds and places, never the text
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def describe(self) -> str:
        if self.status == ERROR:
            return f"{len(self.errors)} error(s)"
        if self.status == DUPLICATE:
            if self.duplicate_line:
                return f"skipped: the same text as line {self.duplicate_line}"
            held_by = self.duplicate_of or "a record you may not see"
            return f"skipped: the same text is already in the archive ({held_by})"
        if self.status == CREATED:
            return f"created {self.public_id} ({self.state})"
        return f"would be created ({self.state})"


@dataclass
class ImportReport:
    name: str
    sha256: str
    size: int
    dry_run: bool
    encoding: str = ""
    format: str = ""
    problems: list[Problem] = field(default_factory=list)  # the file's, not a row's
    notices: list[str] = field(default_factory=list)  # after writing; not errors
    rows: list[RowOutcome] = field(default_factory=list)
    written: bool = False
    index_updates: int = 0

    @property
    def format_name(self) -> str:
        return FORMAT_NAMES.get(self.format, "")

    @property
    def ok(self) -> bool:
        return not self.problems and not any(r.status == ERROR for r in self.rows)

    @property
    def errors(self) -> list[Problem]:
        return [*self.problems, *(e for r in self.rows for e in r.errors)]

    @property
    def warnings(self) -> list[Problem]:
        return [w for r in self.rows for w in r.warnings]

    def counts(self) -> dict[str, int]:
        by_status = Counter(r.status for r in self.rows)
        return {
            "rows": len(self.rows),
            "created": by_status[CREATED],
            "new": by_status[NEW],
            "duplicates": by_status[DUPLICATE],
            "rows_with_errors": by_status[ERROR],
            "errors": len(self.errors),
            "warnings": len(self.warnings),
        }

    def lines(self) -> list[str]:
        """The report as text, for the command line."""
        described = ", ".join(x for x in (self.format_name, self.encoding) if x)
        out = [f"{self.name}: {self.size:,} bytes, sha256 {self.sha256}, {described or '?'}"]
        out += [f"  error: {p}" for p in self.problems]
        for row in self.rows:
            out.append(f"line {row.line}: {row.kind or '?'}: {row.describe()}")
            out += [f"  error: {p}" for p in row.errors]
            out += [f"  warning: {p}" for p in row.warnings]
        c = self.counts()
        done = f"{c['created']} created" if self.written else f"{c['new']} to create"
        out.append(
            f"{c['rows']} row(s): {done}, {c['duplicates']} duplicate(s) skipped, "
            f"{c['errors']} error(s), {c['warnings']} warning(s)"
        )
        return out


def import_records(*, data: bytes, name: str, by, dry_run: bool = False) -> ImportReport:
    """Check the whole file, then (unless dry_run or anything is wrong) write every new row
    in one transaction and bring the search index up to date. Call outside a transaction."""
    permissions.require_archivist(by, "import records")
    report = ImportReport(
        name=PurePath(name or "upload").name[:200],
        sha256=hashing.sha256_bytes(data),
        size=len(data),
        dry_run=dry_run,
    )
    limit = settings.ARCHIVE_IMPORT_MAX_BYTES
    if len(data) > limit:
        report.problems.append(
            Problem(
                None,
                "",
                f"the file has {len(data):,} bytes; at most {limit:,} are taken "
                "(ARCHIVE_IMPORT_MAX_BYTES). Split it into smaller files.",
            )
        )
        return report
    try:
        text, report.encoding = decode(data)
        report.format = detect_format(name, text)
        raws = parse(
            text, report.format, max_rows=settings.ARCHIVE_IMPORT_MAX_ROWS, columns=COLUMNS
        )
    except FileRejected as exc:
        report.problems += exc.problems
        return report
    vocabulary = Vocabulary()
    plans = [check_row(raw, vocabulary) for raw in raws]
    sources = _plan_sources(plans)
    report.rows = _outcomes(plans, by)
    if not report.ok or dry_run:
        return report
    try:
        with transaction.atomic():
            # Checked again inside the transaction: another import may have added a text.
            report.rows = _outcomes(plans, by)
            with coalesce_index_updates():
                created_sources = _write(plans, report.rows, sources, by, report.name)
            detail = _audit_detail(report, created_sources)
            audit.log(AuditAction.RECORD_IMPORT, actor=by, detail=detail)
    except ValidationError as exc:
        # Every rule was checked before writing; this is a rule the checks do not know yet.
        report.rows = _outcomes(plans, by)
        report.problems.append(Problem(None, "", f"nothing was written: {'; '.join(exc.messages)}"))
        return report
    report.written = True
    report.index_updates = _update_index(report)
    return report


# -- checking ---------------------------------------------------------------------------------


def _outcomes(plans: list[RowPlan], by) -> list[RowOutcome]:
    existing = _existing(plans)
    first_line: dict[str, int] = {}
    outcomes = []
    for plan in plans:
        outcome = RowOutcome(
            plan.line,
            plan.kind,
            plan.title,
            NEW,
            errors=plan.errors,
            warnings=list(plan.warnings),
        )
        outcomes.append(outcome)
        if plan.errors:
            outcome.status = ERROR
            continue
        held = existing.get(plan.content_hash) or existing.get(plan.import_key)
        if held is not None:
            outcome.status = DUPLICATE
            # The identifier is named only to whoever may see that record.
            if permissions.can_view_record(by, held):
                outcome.duplicate_of = held.public_id
            continue
        if plan.content_hash in first_line:
            outcome.status, outcome.duplicate_line = DUPLICATE, first_line[plan.content_hash]
            continue
        first_line[plan.content_hash] = plan.line
        outcome.state = _landing_state(plan.state, bool(plan.findings))
        outcome.findings = plan.findings
        _warn_findings(outcome, plan.state)
    return outcomes


def _existing(plans: list[RowPlan]) -> dict[str, Record]:
    """Records already holding a row's text, by content hash and by import key (which
    still finds a record after its text was redacted)."""
    keys = sorted({k for p in plans if p.content_hash for k in (p.content_hash, p.import_key)})
    found: dict[str, Record] = {}
    for i in range(0, len(keys), LOOKUP_CHUNK):
        chunk = keys[i : i + LOOKUP_CHUNK]
        for record in Record.objects.filter(Q(content_hash__in=chunk) | Q(import_key__in=chunk)):
            found.setdefault(record.content_hash, record)
            if record.import_key:
                found.setdefault(record.import_key, record)
    return found


def _landing_state(requested: str, has_findings: bool) -> str:
    if requested == RecordState.PUBLISHED and has_findings:
        return RecordState.DRAFT
    return requested


def _warn_findings(outcome: RowOutcome, requested: str) -> None:
    if not outcome.findings:
        return
    # Kinds and places only: the report must not repeat the identifying text.
    found = ", ".join(outcome.findings)
    if requested == RecordState.PUBLISHED:
        message = f"identifying details found ({found}): it stays a draft until they are reviewed"
    else:
        message = f"identifying details found ({found}): review them before publishing"
    outcome.warnings.append(Problem(outcome.line, "", message))


DESCRIPTIVE = ("authors", "language", "rights_note", "published_basis")


def _plan_sources(plans: list[RowPlan]) -> dict[tuple, Source | None]:
    """The source of each row: an existing one with the same outlet, title, URL and date, or
    one new source per distinct set of those. An existing source is never changed."""
    sources: dict[tuple, Source | None] = {}
    for plan in plans:
        key = plan.source_key
        if key is None or plan.errors:
            continue
        if key not in sources:
            outlet, title, url, published_on, precision = key
            sources[key] = (
                Source.objects.filter(
                    outlet=outlet,
                    title=title,
                    url=url,
                    published_on=published_on,
                    published_precision=precision,
                )
                .order_by("pk")
                .first()
            )
        stored = sources[key]
        if stored is not None:
            differ = [
                f"source.{name}"
                for name in DESCRIPTIVE
                if plan.source_fields[name] and plan.source_fields[name] != getattr(stored, name)
            ]
            if differ:
                plan.warnings.append(
                    Problem(
                        plan.line,
                        differ[0],
                        f"the archive's source “{stored}” is used as it stands; this row's "
                        f"{', '.join(differ)} differ(s) from it",
                    )
                )
    return sources


# -- writing ----------------------------------------------------------------------------------


def _write(plans, outcomes, sources, by, name: str) -> int:
    created_sources = 0
    for plan, outcome in zip(plans, outcomes, strict=True):
        if outcome.status != NEW:
            continue
        key = plan.source_key
        if key is not None and sources.get(key) is None:
            source = Source(**plan.source_fields)
            source.full_clean()
            source.save()
            sources[key] = source
            created_sources += 1
        # One version per record for all the steps below, saying where it came from.
        with versions.recording(by=by, note=f"imported from {name}, line {plan.line}"):
            record = _write_row(plan, sources.get(key) if key else None, by)
        outcome.status, outcome.public_id, outcome.state = CREATED, record.public_id, record.state
    return created_sources


def _write_row(plan: RowPlan, source, by) -> Record:
    record = record_create(
        kind=plan.kind,
        title=plan.title,
        language=plan.language,
        passages=[PassageInput(text) for text in plan.passages],
        by=by,
        state=RecordState.DRAFT,
        tags=plan.tags,
        source=source,
        import_key=plan.import_key,
        **plan.record_fields,
    )
    if plan.testimony_fields is not None:
        testimony = Testimony(record=record, **plan.testimony_fields)
        testimony.full_clean()
        testimony.save()
    if plan.identifying_terms:
        intake.set_identifying_terms(record=record, terms=plan.identifying_terms, by=by)
    ImportWarning.objects.bulk_create(ImportWarning(record=record, **n) for n in plan.notes)
    # Each path scans once and stores what it finds, as an admin save or a workflow step does.
    if plan.state == RecordState.PUBLISHED and not plan.findings:
        try:
            intake.publish(record=record, by=by)
        except intake.PublishBlocked:
            intake.scan(record=record)  # publish rolled its own scan back with the refusal
    elif plan.state == RecordState.IN_REVIEW:
        intake.submit_for_review(record=record, by=by)
    else:
        intake.scan(record=record)
    record.refresh_from_db(fields=["state"])
    return record


def _audit_detail(report: ImportReport, created_sources: int) -> dict:
    counts = report.counts()
    return {
        "file": report.name,
        "sha256": report.sha256,
        "bytes": report.size,
        "format": report.format,
        "encoding": report.encoding,
        "rows": counts["rows"],
        "created": counts["created"],
        "duplicates": counts["duplicates"],
        "with_findings": sum(1 for r in report.rows if r.status == CREATED and r.findings),
        "sources_created": created_sources,
        "warnings": counts["warnings"],
    }


def _update_index(report: ImportReport) -> int:
    """Apply the queued index updates now, as load_seeds does, so search finds the records
    as soon as the import reports them. The import itself is committed whatever happens here:
    on failure the rows stay queued for the index worker."""
    from archive.search import engine

    try:
        return engine.drain()
    except Exception:
        logger.exception("import %s: applying the index queue failed", report.sha256)
        report.notices.append(
            "The records were imported, but the search index could not be updated now; "
            "the index worker will apply the queued updates."
        )
        return 0
