"""The camp gazetteer: the ASPI Xinjiang Data Project facility dataset as camp terms, under
county and prefecture place terms (docs/gazetteer.md).

Every row is read and checked first. Rows that cannot name a facility (no number, a repeated
number, no code name, unusable coordinates) stop the whole import; a cell of the wrong kind in
an observation column (a URL where yes/no belongs) is reported with its row and column and
left out, never stored. Re-running the same file changes nothing; a later version updates
what changed (django-simple-history keeps the earlier values) and marks facilities it no
longer lists, which are never deleted.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction

from archive.models import Camp, ExternalIdentifier, Term, TermKind
from archive.models.audit import AuditAction
from archive.models.vocabulary import fold_label
from archive.services import audit
from archive.slugs import unique_slug

SCHEME = "xjdp"
CROSSWALKS = {"# Shawn": "shawn-zhang", "# ETNAM": "etnam"}
EMPTY = {"", "#n/a", "n/a", "none known"}
REQUIRED = ("Number", "Name_Code", "Lat", "Long", "Prefecture", "County", "Tier")
YES_NO = {
    "Watchtowers": "watchtowers",
    "Interior Fencing": "interior_fencing",
    "External Wall": "external_wall",
    "Have security features been added or removed": "security_changed",
    "Any signs of decomissioning": "decommissioning",
    # Checked, not stored: the dataset gives no account itself, and a link here is misplaced.
    "Eyewitness Accounts": None,
}
TEXT = {
    "Security Features Changed": "security_changes",
    "Security features changed when": "security_changed_when",
    "Decomissioning signs": "decommissioning_signs",
    "Notes": "notes",
}
YEARS = ("2017", "2018", "2019", "2020")
MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}
CAMP_FIELDS = (
    "prefecture",
    "county",
    "latitude",
    "longitude",
    "security_tier",
    "in_dataset",
    *(name for name in YES_NO.values() if name),
    *TEXT.values(),
    "buildings",
    "latest_imagery",
    "crosswalk",
)


class GazetteerError(Exception):
    def __init__(self, problems: list["Problem"]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


@dataclass(frozen=True)
class Problem:
    line: int
    column: str
    value: str
    message: str

    def __str__(self):
        return f"line {self.line}, {self.column}: {self.message} ({self.value!r})"


@dataclass
class Facility:
    line: int
    number: int
    name: str
    prefecture: str
    county: str
    camp: dict


@dataclass
class GazetteerReport:
    rows: int = 0
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    retired: list[str] = field(default_factory=list)
    places_created: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    dry_run: bool = False

    def lines(self) -> list[str]:
        verb = "would be" if self.dry_run else ""
        out = [
            f"{self.rows} facilities read: {len(self.created)} {verb} created, "
            f"{len(self.updated)} {verb} updated, {self.unchanged} unchanged, "
            f"{len(self.retired)} no longer in the dataset; "
            f"{len(self.places_created)} place term(s) {verb} created.".replace("  ", " ")
        ]
        out += [f"updated {name}" for name in self.updated]
        out += [f"no longer in the dataset: {name}" for name in self.retired]
        out += [f"left out: {problem}" for problem in self.problems]
        return out


# -- reading ----------------------------------------------------------------------------------


def _value(raw: str | None) -> str:
    text = (raw or "").strip()
    return "" if text.casefold() in EMPTY else text


def read(data: bytes) -> tuple[list[Facility], list[Problem]]:
    """Facilities and reported cell problems; raises GazetteerError if a row is unusable."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise GazetteerError(
            [Problem(0, "file", "", f"not UTF-8 (byte {error.start}); save the file as UTF-8")]
        ) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise GazetteerError([Problem(1, ", ".join(missing), "", "missing column(s)")])
    facilities, fatal, problems, seen = [], [], [], {}
    for row in reader:
        line = reader.line_num
        facility = _facility(row, line, fatal, problems)
        if facility is None:
            continue
        if facility.number in seen:
            fatal.append(
                Problem(
                    line, "Number", str(facility.number), f"repeats line {seen[facility.number]}"
                )
            )
            continue
        seen[facility.number] = line
        facilities.append(facility)
    if fatal:
        raise GazetteerError(fatal)
    return facilities, problems


def _facility(row: dict, line: int, fatal: list, problems: list) -> Facility | None:
    number, name = _value(row.get("Number")), _value(row.get("Name_Code"))
    if not number.isdigit():
        fatal.append(Problem(line, "Number", number, "a facility number is required"))
        return None
    if not name:
        fatal.append(Problem(line, "Name_Code", name, "a code name is required"))
        return None
    latitude = _coordinate(row, "Lat", 90, line, fatal)
    longitude = _coordinate(row, "Long", 180, line, fatal)
    if (latitude is None) != (longitude is None):
        fatal.append(Problem(line, "Lat/Long", "", "give both coordinates or neither"))
    camp = {
        "prefecture": _value(row.get("Prefecture")),
        "county": _value(row.get("County")),
        "latitude": latitude,
        "longitude": longitude,
        "security_tier": _tier(row, line, problems),
        "in_dataset": True,
        "buildings": _buildings(row, line, problems),
        "latest_imagery": _month(row, "Date of Latest Sat Imagery", line, problems),
    }
    for column, attribute in YES_NO.items():
        flag = _yes_no(row, column, line, problems)
        if attribute:
            camp[attribute] = flag
    for column, attribute in TEXT.items():
        limit = 40 if attribute == "security_changed_when" else None
        camp[attribute] = _value(row.get(column))[:limit]
    camp["crosswalk"] = {
        scheme: _value(row.get(column))
        for column, scheme in CROSSWALKS.items()
        if _value(row.get(column)).isdigit()
    }
    return Facility(line, int(number), name, camp["prefecture"], camp["county"], camp)


def _coordinate(row, column, limit, line, fatal) -> Decimal | None:
    raw = _value(row.get(column))
    if not raw:
        return None
    try:
        value = Decimal(raw).quantize(Decimal("0.000001"))
    except InvalidOperation:
        fatal.append(Problem(line, column, raw, "not a number"))
        return None
    if abs(value) > limit:
        fatal.append(Problem(line, column, raw, f"outside ±{limit}"))
        return None
    return value


def _tier(row, line, problems) -> int | None:
    raw = _value(row.get("Tier"))
    if raw in ("1", "2", "3", "4"):
        return int(raw)
    if raw:
        problems.append(Problem(line, "Tier", raw, "a security tier is 1, 2, 3 or 4"))
    return None


def _yes_no(row, column, line, problems) -> bool | None:
    raw = _value(row.get(column))
    if raw in ("0", "1"):
        return raw == "1"
    if raw.casefold() in ("yes", "no"):
        return raw.casefold() == "yes"
    if raw:
        problems.append(Problem(line, column, raw[:80], "expected yes/no (1 or 0)"))
    return None


def _buildings(row, line, problems) -> dict[str, int]:
    counts = {}
    for year in YEARS:
        column = f"Number of Buildings in {year}"
        raw = _value(row.get(column))
        if raw.isdigit():
            counts[year] = int(raw)
        elif raw:
            problems.append(Problem(line, column, raw, "expected a whole number"))
    return counts


def _month(row, column, line, problems) -> date | None:
    """ "20-Mar" is March 2020, kept with month precision (the first of the month)."""
    raw = _value(row.get(column))
    match = re.fullmatch(r"(\d{2})-([A-Za-z]{3})", raw)
    if match and match[2].lower() in MONTHS:
        return date(2000 + int(match[1]), MONTHS[match[2].lower()], 1)
    if raw:
        problems.append(Problem(line, column, raw, "expected a month such as 20-Mar"))
    return None


# -- writing ----------------------------------------------------------------------------------


class _DryRun(Exception):
    pass


def import_gazetteer(*, data: bytes, by=None, dry_run: bool = False) -> GazetteerReport:
    """Read, check, then write every facility in one transaction (rolled back on a dry run)."""
    facilities, problems = read(data)
    report = GazetteerReport(rows=len(facilities), problems=problems, dry_run=dry_run)
    try:
        with transaction.atomic():
            _write(facilities, report)
            audit.log(
                AuditAction.OBJECT_CHANGE,
                actor=by,
                target=("gazetteer", SCHEME),
                detail={
                    "created": len(report.created),
                    "updated": len(report.updated),
                    "retired": len(report.retired),
                    "cells_left_out": len(problems),
                },
            )
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return report


def _write(facilities: list[Facility], report: GazetteerReport) -> None:
    places = _Places(report)
    known = {
        int(x.value): x.term
        for x in ExternalIdentifier.objects.filter(scheme=SCHEME).select_related("term__camp")
        if x.value.isdigit()
    }
    for facility in facilities:
        county = places.county(facility.prefecture, facility.county)
        term = known.pop(facility.number, None)
        if term is None:
            _create(facility, county)
            report.created.append(facility.name)
        elif _update(term, facility, county):
            report.updated.append(facility.name)
        else:
            report.unchanged += 1
    for term in known.values():  # no longer listed: kept, marked, never deleted
        camp = getattr(term, "camp", None)
        if camp is not None and camp.in_dataset:
            camp.in_dataset = False
            camp.save()
            report.retired.append(term.preferred_label)


def _create(facility: Facility, county: Term | None) -> Term:
    slug = unique_slug(Term, facility.name, fallback=f"xjdp-{facility.number}")
    term = Term.objects.create(
        kind=TermKind.CAMP, slug=slug, preferred_label=facility.name, broader=county
    )
    Camp.objects.create(term=term, **facility.camp)
    ExternalIdentifier.objects.create(term=term, scheme=SCHEME, value=str(facility.number))
    return term


def _update(term: Term, facility: Facility, county: Term | None) -> bool:
    changed = False
    if term.preferred_label != facility.name or term.broader_id != (county and county.pk):
        term.preferred_label, term.broader = facility.name, county
        term.save()
        changed = True
    camp = getattr(term, "camp", None) or Camp(term=term)
    differs = [n for n in CAMP_FIELDS if _norm(getattr(camp, n)) != _norm(facility.camp[n])]
    if differs or camp._state.adding:
        for name in CAMP_FIELDS:
            setattr(camp, name, facility.camp[name])
        camp.save()
        changed = True
    return changed


def _norm(value):
    return value.quantize(Decimal("0.000001")) if isinstance(value, Decimal) else value


class _Places:
    """Prefecture and county place terms, reusing the vocabulary's own where one has the
    same name (the seeds' "Pishan County" is the gazetteer's county Pishan), so records
    already tagged with the place meet the facilities in it."""

    def __init__(self, report: GazetteerReport):
        self.report = report
        self.by_label: dict[str, Term] = {}
        for term in Term.objects.filter(kind=TermKind.PLACE).prefetch_related("aliases"):
            for label in [term.preferred_label, *(a.label for a in term.aliases.all())]:
                self.by_label.setdefault(fold_label(label), term)
        self.region = Term.objects.filter(slug="xinjiang", kind=TermKind.PLACE).first()

    def _find_or_create(self, names: list[str], label: str, broader: Term | None) -> Term:
        for name in names:
            term = self.by_label.get(fold_label(name))
            if term is not None:
                return term
        term = Term.objects.create(
            kind=TermKind.PLACE,
            slug=unique_slug(Term, label, fallback="place"),
            preferred_label=label,
            broader=broader,
        )
        self.by_label[fold_label(label)] = term
        self.report.places_created.append(label)
        return term

    def prefecture(self, name: str) -> Term | None:
        if not name:
            return None
        return self._find_or_create([f"{name} Prefecture", name], f"{name} Prefecture", self.region)

    def county(self, prefecture: str, name: str) -> Term | None:
        parent = self.prefecture(prefecture)
        if not name:
            return parent
        if name == prefecture and parent is not None:
            return parent  # a prefecture-level city listed as its own county
        return self._find_or_create([f"{name} County", name], f"{name} County", parent)
