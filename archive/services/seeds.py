"""Load the seed vocabulary and the seed articles described by seeds/manifest.yaml.

Everything is validated before anything is written, and the write is one transaction, so a
bad manifest changes nothing. Loading twice changes nothing the second time.
"""

import hashlib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import ftfy
import yaml
from django.db import transaction

from archive.dates import parse_partial_date
from archive.models import ImportWarning, Passage, Record, RecordKind, RecordState, Source, Term
from archive.models.records import ID_PREFIX, IdentifierCounter, PassageRole
from archive.models.search import coalesce_index_updates
from archive.services import records as record_services
from archive.services import versions
from archive.services.records import PassageInput
from archive.services.text_repair import RepairResult, repair_utf8_read_as_cp874
from archive.services.vocabulary import (
    AliasSpec,
    TermSpec,
    VocabularyError,
    VocabularyReport,
    vocabulary_sync,
)

REPAIRS = {"utf8-read-as-cp874": repair_utf8_read_as_cp874}


class SeedError(Exception):
    """The seeds or their manifest are inconsistent; nothing was written."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class ArticlePlan:
    key: str
    file: str
    title: str
    summary: str
    language: str
    record_fields: dict
    source_fields: dict
    passages: list[tuple[int, PassageInput]]  # (line in file, passage)
    tag_slugs: list[str]
    passage_tag_slugs: dict[int, list[str]]
    warnings: list[dict]


@dataclass
class SeedReport:
    vocabulary: VocabularyReport
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    warnings: int = 0

    def lines(self) -> list[str]:
        v = self.vocabulary
        return [
            f"vocabulary: {len(v.created)} created, {len(v.updated)} updated, "
            f"{len(v.unchanged)} unchanged, {len(v.kept)} kept as archivists edited them",
            f"articles: {len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.kept)} kept as archivists edited them",
            *(f"  created {key}" for key in self.created),
            *(f"  updated {key}" for key in self.updated),
            *(f"  kept {key} (edited by an archivist; not overwritten)" for key in self.kept),
            *(f"  kept term {slug} (edited by an archivist)" for slug in v.kept),
            f"import warnings open for archivists: {self.warnings}",
        ]


def read_vocabulary(path: Path) -> list[TermSpec]:
    data = _yaml(path)
    problems, specs, slugs = [], [], set()
    for n, raw in enumerate(data.get("terms") or [], start=1):
        where = f"{path.name} term {n} ({raw.get('slug', '?')})"
        for key in ("kind", "slug", "label"):
            if not raw.get(key):
                problems.append(f"{where}: missing {key}")
        if raw.get("slug") in slugs:
            problems.append(f"{where}: slug used twice")
        slugs.add(raw.get("slug"))
        specs.append(
            TermSpec(
                kind=raw.get("kind", ""),
                slug=raw.get("slug", ""),
                label=raw.get("label", ""),
                description=(raw.get("description") or "").strip(),
                broader=raw.get("broader"),
                aliases=tuple(
                    AliasSpec(str(a["label"]), a.get("lang", "")) for a in raw.get("aliases") or []
                ),
                external_ids=tuple(
                    (e["scheme"], str(e["value"])) for e in raw.get("external_ids") or []
                ),
                camp=raw.get("camp"),
            )
        )
    for spec in specs:
        if spec.broader and spec.broader not in slugs:
            problems.append(f"{path.name}: {spec.slug} has unknown broader term {spec.broader}")
    if problems:
        raise SeedError(problems)
    return specs


def plan_articles(seeds_dir: Path, known_slugs: set[str], known_phrases: list[str]):
    manifest = _yaml(seeds_dir / "manifest.yaml")
    problems: list[str] = []
    plans: list[ArticlePlan] = []
    for entry in manifest.get("files") or []:
        path = seeds_dir / entry["file"]
        if not path.is_file():
            problems.append(f"{entry['file']}: listed in the manifest but missing from seeds/")
            continue
        raw = path.read_bytes()
        if hashlib.sha256(raw).hexdigest() != entry.get("sha256"):
            problems.append(f"{entry['file']}: SHA-256 differs from the manifest; file altered?")
            continue
        text, repair = _decode(raw, entry.get("repair"), known_phrases, problems, entry["file"])
        lines = text.split("\n")
        for article in entry.get("articles") or []:
            plan = _plan_article(entry["file"], lines, repair, article, known_slugs, problems)
            if plan:
                plans.append(plan)
    keys = [p.key for p in plans]
    for key in {k for k in keys if keys.count(k) > 1}:
        problems.append(f"article key {key} is used twice")
    if problems:
        raise SeedError(problems)
    return plans


def _decode(raw, repair_name, known_phrases, problems, name) -> tuple[str, RepairResult | None]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(f"{name}: not valid UTF-8 ({exc})")
        return "", None
    if repair_name is None:
        return text, None
    if repair_name not in REPAIRS:
        problems.append(f"{name}: unknown repair {repair_name!r}")
        return text, None
    result = REPAIRS[repair_name](text, known_phrases)
    return result.text, result


def _plan_article(file, lines, repair, article, known_slugs, problems) -> ArticlePlan | None:
    key = article.get("key", "?")
    first, last = article["lines"]
    if not (1 <= first <= last <= len(lines)):
        problems.append(f"{key}: line range {first}-{last} is outside {file}")
        return None
    body = [(n, lines[n - 1].strip()) for n in range(first, last + 1) if lines[n - 1].strip()]
    # Compare with whitespace collapsed: the documents use no-break spaces in places.
    if not _squash(body[0][1]).startswith(_squash(article["starts_with"])):
        problems.append(f"{key}: line {first} does not start with {article['starts_with']!r}")
    if not _squash(body[-1][1]).endswith(_squash(article["ends_with"])):
        problems.append(f"{key}: line {last} does not end with {article['ends_with']!r}")
    metadata = set(article.get("metadata_lines") or [])
    roles = {int(k): v for k, v in (article.get("roles") or {}).items()}
    passage_lines = [n for n, _ in body if n not in metadata]
    for n, role in roles.items():
        if n not in passage_lines or role not in PassageRole.values:
            problems.append(f"{key}: role {role!r} on line {n}, which is not a passage line")
    passage_tags = {int(k): list(v) for k, v in (article.get("passage_tags") or {}).items()}
    for n in passage_tags:
        if n not in passage_lines:
            problems.append(f"{key}: passage_tags on line {n}, which is not a passage line")
    slugs = list(article.get("tags") or []) + [s for v in passage_tags.values() for s in v]
    for slug in sorted(set(slugs) - known_slugs):
        problems.append(f"{key}: tag {slug!r} is not in the vocabulary")
    record_fields, source_fields = {}, {}
    try:
        for name in ("event_start", "event_end"):
            if article.get(name):
                date, precision = parse_partial_date(
                    article[name], article.get(f"{name}_precision")
                )
                record_fields[name], record_fields[f"{name}_precision"] = date, precision
        src = article["source"]
        date, precision = parse_partial_date(src["published"], src.get("published_precision"))
    except (ValueError, KeyError) as exc:
        problems.append(f"{key}: {exc}")
        return None
    source_fields = {
        "outlet": src["outlet"],
        "title": src.get("title") or article["title"],
        "authors": list(src.get("authors") or []),
        "url": src.get("url") or "",
        "language": src.get("language", ""),
        "rights_note": (src.get("rights_note") or "").strip(),
        "published_on": date,
        "published_precision": precision,
        "published_basis": (src.get("published_basis") or "").strip(),
    }
    text_of = dict(body)
    passages = [
        (n, PassageInput(text_of[n], roles.get(n, PassageRole.BODY))) for n in passage_lines
    ]
    return ArticlePlan(
        key=key,
        file=file,
        title=article["title"],
        summary=(article.get("summary") or "").strip(),
        language=article.get("language", "en"),
        record_fields=record_fields,
        source_fields=source_fields,
        passages=passages,
        tag_slugs=list(article.get("tags") or []),
        passage_tag_slugs=passage_tags,
        warnings=_warnings(file, lines, passage_lines, repair, article),
    )


def _codepoint(char: str) -> str:
    """Name a character, since several candidates are invisible (U+200D, U+2001)."""
    name = unicodedata.name(char, "unnamed").lower()
    return f"U+{ord(char):04X} “{char}” ({name})"


def _squash(text: str) -> str:
    return " ".join(text.split())


def _warnings(file, lines, passage_lines, repair, article) -> list[dict]:
    """Import warnings: each uncertain repair, and any passage that still looks garbled."""
    warnings = []
    number_of = {line: i for i, line in enumerate(passage_lines, start=1)}
    if repair is not None:
        starts = [0]
        for line in lines:
            starts.append(starts[-1] + len(line) + 1)
        for u in repair.uncertainties:
            line = next(n for n in range(1, len(starts)) if starts[n] > u.offset)
            if line not in number_of:
                continue
            others = [c for c in u.candidates if c != u.chosen]
            warnings.append(
                {
                    "passage_number": number_of[line],
                    "code": "uncertain-repair",
                    "message": (
                        f"Line {line} of {file}: a byte was lost in “{u.damaged}”, restored as "
                        f"{_codepoint(u.chosen)}. Why: {u.reason}. The surviving bytes also "
                        f"allow {', '.join(_codepoint(c) for c in others) or 'nothing else'}."
                    ),
                    "detail": {
                        "line": line,
                        "damaged": u.damaged,
                        "chosen": u.chosen,
                        "candidates": list(u.candidates),
                    },
                }
            )
    for line, number in number_of.items():
        if ftfy.badness.is_bad(lines[line - 1]):
            warnings.append(
                {
                    "passage_number": number,
                    "code": "possible-mojibake",
                    "message": f"Line {line} of {file} still looks garbled; check it by hand.",
                    "detail": {"line": line},
                }
            )
    return warnings


@transaction.atomic
def load_seeds(*, seeds_dir: Path, update: bool = False) -> SeedReport:
    """Load vocabulary and articles; validates everything first, then writes in one go.

    By default only what is missing is created, so running it at every start can never undo
    an archivist's work. With update, seed records and terms are brought in line with the
    files, except those a person has edited, which are reported as kept.
    """
    specs = read_vocabulary(seeds_dir / "vocabulary.yaml")
    phrases = [s.label for s in specs] + [a.label for s in specs for a in s.aliases]
    plans = plan_articles(seeds_dir, {s.slug for s in specs}, phrases)
    with coalesce_index_updates():
        return _write(specs, plans, update)


def _write(specs, plans, update) -> SeedReport:
    try:
        report = SeedReport(vocabulary=vocabulary_sync(specs=specs, update=update))
    except (VocabularyError, ValueError) as exc:
        raise SeedError([f"vocabulary.yaml: {exc}"]) from exc
    terms = {t.slug: t for t in Term.objects.all()}
    for plan in plans:
        outcome = _load_article(plan, terms, update=update)
        getattr(report, outcome).append(plan.key)
    report.warnings = ImportWarning.objects.filter(
        record__import_key__in=[p.key for p in plans], resolved_at__isnull=True
    ).count()
    return report


def _load_article(plan: ArticlePlan, terms: dict[str, Term], *, update: bool) -> str:
    record = Record.objects.select_related("source").filter(import_key=plan.key).first()
    if record is not None and not update:
        return "unchanged"
    if record is not None and _edited_by_a_person(record):
        return "kept"
    passages = [
        PassageInput(p.text, p.role, tuple(terms[s] for s in plan.passage_tag_slugs.get(n, [])))
        for n, p in plan.passages
    ]
    tags = [terms[s] for s in plan.tag_slugs]
    with versions.recording(note=f"loaded from the seed files ({plan.key})"):
        return _write_article(plan, record, passages, tags)


def _write_article(plan: ArticlePlan, record, passages, tags) -> str:
    if record is None:
        source = Source.objects.create(**plan.source_fields)
        record_services.record_create(
            # Seed records were always numbered in manifest order (A-000001 on a fresh
            # install), and may be cited so; they keep that form (docs/integrity.md).
            public_id=IdentifierCounter.allocate(ID_PREFIX[RecordKind.ARTICLE_EXCERPT]),
            kind=RecordKind.ARTICLE_EXCERPT,
            title=plan.title,
            summary=plan.summary,
            language=plan.language,
            state=RecordState.PUBLISHED,
            source=source,
            import_key=plan.key,
            passages=passages,
            tags=tags,
            **plan.record_fields,
        )
        record = Record.objects.get(import_key=plan.key)
        _sync_warnings(record, plan.warnings)
        return "created"
    changed = _update_source(record.source, plan.source_fields)
    if changed:
        versions.touch(record.pk)
    changed |= record_services.record_update(
        record=record,
        title=plan.title,
        summary=plan.summary,
        language=plan.language,
        **plan.record_fields,
    )
    changed |= record_services.record_set_passages(record=record, passages=passages).changed
    changed |= record_services.record_set_tags(record=record, terms=tags)
    changed |= _sync_warnings(record, plan.warnings)
    return "updated" if changed else "unchanged"


def _edited_by_a_person(record: Record) -> bool:
    return (
        record.history.filter(history_user__isnull=False).exists()
        or Passage.history.filter(record_id=record.pk, history_user__isnull=False).exists()
    )


def _update_source(source: Source, fields: dict) -> bool:
    if all(getattr(source, k) == v for k, v in fields.items()):
        return False
    for key, value in fields.items():
        setattr(source, key, value)
    source.full_clean()
    source.save()
    return True


def _sync_warnings(record: Record, warnings: list[dict]) -> bool:
    """Add warnings not yet recorded; a warning an archivist resolved stays resolved."""
    existing = {(w.code, w.passage_number, w.message) for w in record.import_warnings.all()}
    new = [w for w in warnings if (w["code"], w["passage_number"], w["message"]) not in existing]
    ImportWarning.objects.bulk_create(ImportWarning(record=record, **w) for w in new)
    return bool(new)


def _yaml(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise SeedError([f"{path.name}: cannot be read ({exc})"]) from exc
    if not isinstance(data, dict):
        raise SeedError([f"{path.name}: expected a mapping at the top level"])
    return data
