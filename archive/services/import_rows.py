"""Checking one import row against the vocabulary and the models' own validation."""

import datetime as dt
import difflib
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import ftfy
import ftfy.bad_codecs  # noqa: F401  (registers the sloppy-windows-1252 codec)
from django.core.exceptions import ValidationError

from archive import hashing, pii
from archive.dates import parse_partial_date, period_end
from archive.models import Alias, Record, RecordKind, RecordState, Source, Term, TermKind, Testimony
from archive.models.access import CONSENT_WIDEST_LEVEL, AccessLevel, narrowest
from archive.models.testimony import ConsentScope
from archive.models.vocabulary import fold_label
from archive.services.import_files import Columns, Problem, RawRow, as_list

# Title and language are required by the model itself, which says so.
REQUIRED = ("kind", "title", "text", "language")
RECORD_TEXT = ("title", "summary", "language", "access_level")
RECORD_DATES = ("event_start", "event_end")
STATES = (RecordState.DRAFT, RecordState.IN_REVIEW, RecordState.PUBLISHED)
SOURCE_TEXT = ("outlet", "title", "url", "language", "rights_note", "published_basis")
SOURCE_FIELDS = (*SOURCE_TEXT, "authors", "published", "published_precision")
TESTIMONY_TEXT = (
    "narrator_pseudonym",
    "gender",
    "age_range",
    "ethnicity",
    "home_prefecture",
    "relation",
    "consent_scope",
    "original_language",
    "translation_note",
    "reliability_notes",
)
TESTIMONY_DATES = ("detention_start", "detention_end", "interview_date")
TESTIMONY_FIELDS = (
    *TESTIMONY_TEXT,
    *TESTIMONY_DATES,
    *(f"{name}_precision" for name in TESTIMONY_DATES),
    "interviewing_organization",
)
# Column suffix -> term kind; the search prefixes (org, group) are accepted as well.
TAG_KINDS = {kind: kind for kind in TermKind.values} | {
    "org": TermKind.ORGANIZATION,
    "group": TermKind.ETHNIC_GROUP,
}
FIELDS = frozenset(
    {
        "kind",
        "text",
        "state",
        "embargo_until",
        "identifying_terms",
        *RECORD_TEXT,
        *RECORD_DATES,
        *(f"{name}_precision" for name in RECORD_DATES),
        *(f"source.{name}" for name in SOURCE_FIELDS),
        *TESTIMONY_FIELDS,
        *(f"tags.{kind}" for kind in TAG_KINDS),
    }
)
COLUMNS = Columns(required=REQUIRED, known=FIELDS.__contains__)
# Model field -> the column it came from, so model errors name what the file calls it.
SOURCE_COLUMN = {"published_on": "source.published"}

PASSAGE_BREAK = re.compile(r"\n{2,}")
SURROGATE = re.compile("[\ud800-\udfff]")
# Only encoding repairs ftfy can undo exactly; anything it would have to guess (a space that
# was a no-break space, bytes already lost) is left alone and flagged as still garbled.
FTFY = ftfy.TextFixerConfig(
    unescape_html=False,
    remove_terminal_escapes=False,
    restore_byte_a0=False,
    replace_lossy_sequences=False,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    fix_surrogates=False,
    remove_control_chars=False,
    normalization=None,
)


class Vocabulary:
    """Every term by slug, alias and preferred label, loaded once per import."""

    def __init__(self):
        terms = list(Term.objects.all())
        by_pk = {t.pk: t for t in terms}
        self.by_slug = {t.slug: t for t in terms}
        self.by_alias = {
            (kind, folded): by_pk[term_id]
            for kind, folded, term_id in Alias.objects.values_list("kind", "folded", "term_id")
        }
        self.by_label: dict[tuple[str, str], list[Term]] = defaultdict(list)
        for term in terms:
            self.by_label[(term.kind, fold_label(term.preferred_label))].append(term)

    def resolve(self, kind: str, value: str) -> Term:
        """The term of this kind that `value` names, or LookupError saying why not."""
        term = self.by_slug.get(value.strip().lower())
        if term is not None and term.kind == kind:
            return term
        folded = fold_label(value)
        term = self.by_alias.get((kind, folded))
        if term is not None:
            return term
        labelled = self.by_label.get((kind, folded), [])
        if len(labelled) == 1:
            return labelled[0]
        if len(labelled) > 1:
            slugs = ", ".join(sorted(t.slug for t in labelled))
            raise LookupError(f"“{value}” is the label of several terms ({slugs}); use a slug")
        other = self.by_slug.get(value.strip().lower())
        if other is not None:
            raise LookupError(f"“{value}” is a term of the kind {other.kind}, not {kind}")
        raise LookupError(
            f"no {kind} term has the slug, label or alias “{value}” "
            "(terms are never created by an import)"
        )


@dataclass
class RowPlan:
    """A checked row: what would be written, or the errors that stop it."""

    line: int
    kind: str = ""
    title: str = ""
    language: str = ""
    state: str = RecordState.DRAFT
    record_fields: dict = field(default_factory=dict)
    passages: list[str] = field(default_factory=list)
    tags: list[Term] = field(default_factory=list)
    source_fields: dict | None = None
    testimony_fields: dict | None = None
    identifying_terms: list[tuple[str, str]] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    # ImportWarning rows to store with the record (repairs, leftover garbling).
    notes: list[dict] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    content_hash: str = ""

    @property
    def import_key(self) -> str:
        # The hash of the text as imported: it still finds the record after a redaction.
        return f"import:{self.content_hash}"

    @property
    def source_key(self) -> tuple | None:
        s = self.source_fields
        if s is None:
            return None
        return (s["outlet"], s["title"], s["url"], s["published_on"], s["published_precision"])


def check_row(raw: RawRow, vocabulary: Vocabulary) -> RowPlan:
    return _RowChecker(raw, vocabulary).check()


class _RowChecker:
    def __init__(self, raw: RawRow, vocabulary: Vocabulary):
        self.values = raw.values
        self.vocabulary = vocabulary
        self.plan = RowPlan(line=raw.line, errors=list(raw.problems))

    def error(self, name: str, message: str) -> None:
        self.plan.errors.append(Problem(self.plan.line, name, message))

    def warn(self, name: str, message: str) -> None:
        self.plan.warnings.append(Problem(self.plan.line, name, message))

    def check(self) -> RowPlan:
        plan = self.plan
        if plan.errors and not self.values:
            return plan  # the line could not be read at all
        for name in self.values:
            if name not in FIELDS and not name.startswith("tags."):
                self.error(name, "unknown field")
        plan.kind = self.text("kind")
        plan.title = self.text("title")
        if not plan.kind:
            self.error("kind", "required")
        elif plan.kind not in RecordKind.values:
            self.error("kind", f"must be one of {', '.join(RecordKind.values)}")
        self._passages()
        self._state()
        self._tags()
        self._identifying_terms()
        source = self._source()
        testimony = self._testimony()
        record = self._record()
        if record is not None and source is not None:
            self._validate(source, "source.", exclude=[])
        if record is not None and testimony is not None:
            testimony.record = record
            self._validate(testimony, "", exclude=["record"])
        self._findings()
        return plan

    # -- values -------------------------------------------------------------------------------

    def text(self, name: str, passage: int | None = None) -> str:
        value = self.values.get(name)
        if value is None:
            return ""
        if not isinstance(value, str):
            if isinstance(value, bool) or not isinstance(value, int | float):
                self.error(name, "expected text")
                return ""
            value = str(value)
        return self.repaired(name, value.strip(), passage)

    def items(self, name: str) -> list[str]:
        items = []
        for n, item in enumerate(as_list(self.values.get(name)), start=1):
            if isinstance(item, str) and item.strip():
                items.append(self.repaired(name, item.strip()))
            elif not isinstance(item, str):
                self.error(name, f"entry {n}: expected text")
        return items

    def repaired(self, name: str, value: str, passage: int | None = None) -> str:
        """The value with mojibake undone where ftfy is certain; each repair is a warning."""
        if SURROGATE.search(value):
            self.error(name, "holds an unpaired UTF-16 surrogate (a broken \\ud… escape)")
            return SURROGATE.sub("\ufffd", value)  # so no second error follows for the field
        fixed = ftfy.fix_text(value, FTFY)
        where = f"{name} ¶{passage}" if passage else name
        if fixed != value:
            changes = _changes(value, fixed)
            message = "repaired mojibake: " + ", ".join(
                f"“{a}” → “{b}”" + (f" ×{n}" if n > 1 else "") for (a, b), n in changes[:6]
            )
            self.warn(name, message)
            self._note(passage, "mojibake-repaired", f"{where}: {message}", changes)
        if ftfy.badness.is_bad(fixed):
            message = "still looks garbled; check it by hand"
            self.warn(name, message)
            self._note(passage, "possible-mojibake", f"{where}: {message}", [])
        if "\ufffd" in fixed:
            message = "holds U+FFFD (�): characters were lost before this file was made"
            self.warn(name, message)
            self._note(passage, "replacement-character", f"{where}: {message}", [])
        return fixed

    def _note(self, passage, code, message, changes) -> None:
        # Only the character mapping is kept, never the surrounding words: a warning must
        # not keep a name after the archivist redacts it.
        detail = {"changes": [[a, b, n] for (a, b), n in changes[:20]]} if changes else {}
        self.plan.notes.append(
            {"passage_number": passage, "code": code, "message": message, "detail": detail}
        )

    def date(self, name: str) -> tuple[dt.date | None, str | None]:
        value, precision = self.text(name), self.text(f"{name}_precision")
        if not value:
            if precision:
                self.error(f"{name}_precision", f"given without {name}")
            return None, None
        try:
            return parse_partial_date(value, precision or None)
        except ValueError as exc:
            self.error(name, str(exc))
            return None, None

    # -- parts --------------------------------------------------------------------------------

    def _passages(self) -> None:
        raw = self.values.get("text")
        if raw is not None and not isinstance(raw, str):
            self.error("text", "expected text")
            return
        chunks = PASSAGE_BREAK.split(hashing.normalize_text(raw or ""))
        chunks = [c.strip() for c in chunks if c.strip()]
        if not chunks:
            self.error("text", "required")
            return
        self.plan.passages = [self.repaired("text", c, n) for n, c in enumerate(chunks, start=1)]
        self.plan.content_hash = hashing.record_hash(self.plan.passages)

    def _state(self) -> None:
        state = self.text("state") or RecordState.DRAFT
        if state not in STATES:
            self.error("state", f"must be one of {', '.join(STATES)}")
        self.plan.state = state

    def _tags(self) -> None:
        seen = set()
        for name in self.values:
            if not name.startswith("tags."):
                continue
            kind = TAG_KINDS.get(name.removeprefix("tags."))
            if kind is None:
                self.error(name, f"unknown kind of term; use one of {', '.join(TAG_KINDS)}")
                continue
            for value in self.items(name):
                try:
                    term = self.vocabulary.resolve(kind, value)
                except LookupError as exc:
                    self.error(name, str(exc))
                    continue
                if term.pk not in seen:
                    seen.add(term.pk)
                    self.plan.tags.append(term)

    def _identifying_terms(self) -> None:
        name = "identifying_terms"
        default = pii.PLACEHOLDER["identifying_term"]
        raw = self.values.get(name)
        entries = raw if isinstance(raw, list) else as_list(raw)
        for n, entry in enumerate(entries, start=1):
            # Messages name the entry by number: the terms themselves are what must not leak.
            if isinstance(entry, dict):
                unknown = set(entry) - {"term", "placeholder"}
                if unknown:
                    self.error(name, f"entry {n}: unknown key(s) {', '.join(sorted(unknown))}")
                term, placeholder = entry.get("term"), entry.get("placeholder") or default
            elif isinstance(entry, str):
                term, _, placeholder = entry.partition("=>")
                placeholder = placeholder or default
            else:
                self.error(name, f"entry {n}: expected text or {{term, placeholder}}")
                continue
            if not isinstance(term, str) or not isinstance(placeholder, str):
                self.error(name, f"entry {n}: term and placeholder must be text")
                continue
            term = self.repaired(name, term.strip())
            placeholder = placeholder.strip()
            if not term:
                self.error(name, f"entry {n}: the term is empty")
            elif len(term) > 200:
                self.error(name, f"entry {n}: a term has at most 200 characters")
            if len(placeholder) > 60:
                self.error(name, f"entry {n}: a placeholder has at most 60 characters")
            self.plan.identifying_terms.append((term, placeholder))

    def _source(self) -> Source | None:
        if not any(self.values.get(f"source.{name}") for name in SOURCE_FIELDS):
            return None
        fields = {name: self.text(f"source.{name}") for name in SOURCE_TEXT}
        fields["authors"] = self.items("source.authors")
        published_on, precision = self.date("source.published")
        fields["published_on"] = published_on
        fields["published_precision"] = precision or "day"
        self.plan.source_fields = fields
        return Source(**fields)

    def _testimony(self) -> Testimony | None:
        given = [name for name in TESTIMONY_FIELDS if self.values.get(name) not in (None, "")]
        if self.plan.kind != RecordKind.TESTIMONY:
            for name in given:
                self.error(name, "only testimony rows have narrator details")
            return None
        fields: dict = {name: self.text(name) for name in TESTIMONY_TEXT}
        fields = {k: v for k, v in fields.items() if v}
        fields.setdefault("consent_scope", ConsentScope.ARCHIVE_ONLY)
        for name in TESTIMONY_DATES:
            date, precision = self.date(name)
            if date is not None:
                fields[name], fields[f"{name}_precision"] = date, precision
        if fields.get("interview_date_precision") == "day":
            self.warn(
                "interview_date",
                "an exact interview day can help identify a narrator; YYYY-MM is usually enough",
            )
        start, end = fields.get("detention_start"), fields.get("detention_end")
        if start and end and period_end(end, fields["detention_end_precision"]) < start:
            self.error("detention_end", "the detention cannot end before it starts")
        org = self.text("interviewing_organization")
        if org:
            try:
                fields["interviewing_organization"] = self.vocabulary.resolve(
                    TermKind.ORGANIZATION, org
                )
            except LookupError as exc:
                self.error("interviewing_organization", str(exc))
        self.plan.testimony_fields = fields
        return Testimony(**fields)

    def _record(self) -> Record | None:
        plan = self.plan
        fields = {name: self.text(name) for name in ("summary", "access_level")}
        for name in RECORD_DATES:
            date, precision = self.date(name)
            if date is not None:
                fields[name], fields[f"{name}_precision"] = date, precision
        embargo = self.text("embargo_until")
        if embargo:
            try:
                fields["embargo_until"] = dt.date.fromisoformat(embargo)
            except ValueError:
                self.error("embargo_until", f"{embargo!r} is not a date of the form YYYY-MM-DD")
        if not fields["access_level"] and plan.testimony_fields is not None:
            # The level a new testimony gets in the admin, within what its consent allows.
            consent = plan.testimony_fields["consent_scope"]
            if consent in CONSENT_WIDEST_LEVEL:
                widest = CONSENT_WIDEST_LEVEL[consent]
                fields["access_level"] = narrowest(AccessLevel.RESTRICTED, widest).value
        plan.record_fields = {k: v for k, v in fields.items() if v not in ("", None)}
        plan.language = self.text("language")
        record = Record(
            kind=plan.kind,
            title=plan.title,
            language=plan.language,
            state=RecordState.DRAFT,
            **plan.record_fields,
        )
        # As save() would; clean() sets it too, but only once its own checks have passed.
        record.access_level = record.access_level or record.default_access_level()
        # The kind was checked above, with a message that lists the kinds.
        self._validate(record, "", exclude=["kind", "content_hash", "public_id", "source"])
        return record

    def _validate(self, instance, prefix: str, exclude: list[str]) -> None:
        """The model's own rules, as the admin applies them."""
        try:
            instance.full_clean(exclude=exclude, validate_unique=False)
        except ValidationError as exc:
            for model_field, messages in exc.message_dict.items():
                if model_field == "__all__":
                    column = prefix.rstrip(".")
                else:
                    column = SOURCE_COLUMN.get(model_field) if prefix else None
                    column = column or f"{prefix}{model_field}"
                for message in messages:
                    self.error(column, message)

    def _findings(self) -> None:
        plan = self.plan
        terms = plan.identifying_terms
        texts = [("title", plan.title), ("summary", plan.record_fields.get("summary", ""))]
        texts += [(f"¶{n}", text) for n, text in enumerate(plan.passages, start=1)]
        counts = Counter()
        for where, text in texts:
            for finding in pii.scan(text or "", terms):
                counts[(finding.kind, where)] += 1
        plan.findings = [
            f"{kind} in {where}" + (f" ×{n}" if n > 1 else "")
            for (kind, where), n in counts.items()
        ]


def _changes(before: str, after: str) -> list[tuple[tuple[str, str], int]]:
    """Each character the repair restored, with its garbled form and count, e.g.
    (("Ã¼", "ü"), 3). Characters, not stretches: a whole garbled word would be a name."""
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    restored = Counter(
        char
        for op, _, _, j1, j2 in matcher.get_opcodes()
        if op != "equal"
        for char in after[j1:j2]
        if not char.isascii()
    )
    return [((_garbled(char), char), n) for char, n in restored.most_common()]


def _garbled(char: str) -> str:
    # How the character looks after the usual mistake: UTF-8 bytes read as Windows-1252.
    return char.encode("utf-8").decode("sloppy-windows-1252")
