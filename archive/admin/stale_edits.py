"""A record form saved after someone else saved the same record since it was opened: what
changed meanwhile, and the posted form with those changes merged in so nobody's work is lost.

The merge is three-way, per field, against the version the form was opened at: a field only
the other person changed takes their value; a field only this person changed keeps theirs;
a field both changed, differently, keeps this person's input and is named, so they decide
with the other's text in front of them. Tag lists merge as sets. Nothing is saved: the form
comes back with the merge and the current version number, and saving it again is a choice.
"""

from dataclasses import dataclass, field

from django.http import QueryDict

from archive import hashing
from archive.models import Passage, Record, RecordVersion, Source, Term
from archive.services import versions
from archive.version_diff import FIELD_LABELS, VersionDiff, compare

RECORD_FIELDS = (
    "title",
    "summary",
    "language",
    "event_start",
    "event_start_precision",
    "event_end",
    "event_end_precision",
    "access_level",
    "embargo_until",
)
TESTIMONY_DATES = ("detention_start", "detention_end", "interview_date")


@dataclass
class EditConflict:
    opened: int
    current: int
    since: list[RecordVersion]
    diff: VersionDiff | None  # None when the opened version's text is no longer kept
    data: QueryDict
    both_changed: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        who = sorted({v.created_by_label for v in self.since if v.created_by_label})
        text = (
            f"Someone else ({', '.join(who) or 'another process'}) saved this record since you "
            f"opened it (version {self.opened}; it is now at version {self.current}). Nothing "
            "of yours was saved. Their changes are shown above and merged into the form; "
            "your own changes are kept in it."
        )
        if self.diff is None:
            text += (
                " The version you opened can no longer be compared, so the form holds your "
                "input as you sent it: saving it again replaces their changes with it."
            )
        if self.both_changed:
            text += (
                " You both changed: "
                + ", ".join(self.both_changed)
                + " — the form keeps yours; theirs is shown above."
            )
        return text + " Check the form and save again."


def find(record: Record, posted: QueryDict) -> EditConflict | None:
    """The conflict, if the record moved on since the posted form's `opened_version`."""
    try:
        opened = int(posted.get("opened_version", ""))
    except ValueError:
        opened = -1
    if opened == record.edit_version:
        return None
    base_version = record.versions.filter(number=opened).first()
    base = None
    if base_version is not None and not versions.is_discarded(base_version):
        base = base_version.snapshot
    current = versions.snapshot_of(record)
    data = posted.copy()
    data["opened_version"] = str(record.edit_version)
    conflict = EditConflict(
        opened=opened,
        current=record.edit_version,
        since=list(versions.versions_since(record, opened)),
        diff=compare(base, current) if base is not None else None,
        data=data,
    )
    if base is not None:
        _Merge(record, base, current, conflict).run()
    return conflict


def _plain(value) -> str:
    return "" if value is None else str(value).replace("\r\n", "\n").strip()


class _Merge:
    def __init__(self, record, base: dict, current: dict, conflict: EditConflict):
        self.record, self.base, self.current = record, base, current
        self.data, self.both_changed = conflict.data, conflict.both_changed

    def run(self) -> None:
        for name in RECORD_FIELDS:
            self.scalar(name, self.base.get(name), self.current.get(name), FIELD_LABELS[name])
        self.source()
        self.tags("tags", self._slugs(self.base["tags"]), self._slugs(self.current["tags"]))
        self.testimony()
        self.passages()

    def scalar(self, key: str, base, theirs, label: str, normalize=_plain) -> None:
        if key not in self.data:
            return
        mine, base, theirs = normalize(self.data[key]), normalize(base), normalize(theirs)
        if mine == base and theirs != base:
            self.data[key] = theirs
        elif mine not in (base, theirs) and theirs != base:
            self.both_changed.append(label)

    def tags(self, key: str, base: set[str], theirs: set[str]) -> None:
        if key not in self.data and not base and not theirs:
            return
        mine = set(
            Term.objects.filter(pk__in=_ints(self.data.getlist(key))).values_list("slug", flat=True)
        )
        merged = (theirs | (mine - base)) - (base - mine)
        if merged != mine:
            pks = Term.objects.filter(slug__in=merged).values_list("pk", flat=True)
            self.data.setlist(key, [str(pk) for pk in pks])

    def source(self) -> None:
        if "source" not in self.data:
            return
        pk = _ints([self.data["source"]])
        mine = versions.source_snapshot(Source.objects.filter(pk__in=pk).first())
        base, theirs = self.base.get("source"), self.current.get("source")
        if mine == base and theirs != base:
            self.data["source"] = str(self.record.source_id or "")
        elif mine not in (base, theirs) and theirs != base:
            self.both_changed.append("source")

    def testimony(self) -> None:
        base, theirs = self.base.get("testimony") or {}, self.current.get("testimony") or {}
        if not theirs:
            return
        prefix = "testimony-0-"
        for name in (*versions.TESTIMONY_FIELDS, *TESTIMONY_DATES):
            label = f"narrator: {name.replace('_', ' ')}"
            self.scalar(prefix + name, base.get(name), theirs.get(name), label)
        key = prefix + "interviewing_organization"
        if key in self.data:
            org = Term.objects.filter(pk__in=_ints([self.data[key]])).first()
            mine = org.slug if org else None
            b, t = base.get("interviewing_organization"), theirs.get("interviewing_organization")
            if mine == b and t != b:
                found = Term.objects.filter(slug=t).first()
                self.data[key] = str(found.pk) if found else ""
            elif mine not in (b, t) and t != b:
                self.both_changed.append("narrator: interviewing organization")

    def passages(self) -> None:
        numbers = dict(Passage.objects.filter(record=self.record).values_list("pk", "number"))
        base = {p["number"]: p for p in self.base.get("passages", [])}
        theirs = {p["number"]: p for p in self.current.get("passages", [])}
        total = _ints([self.data.get("passages-TOTAL_FORMS", "0")])
        for index in range(total[0] if total else 0):
            prefix = f"passages-{index}-"
            number = numbers.get(next(iter(_ints([self.data.get(prefix + "id", "")])), None))
            if number not in base or number not in theirs:
                continue  # a new paragraph of this form, or one the other person removed
            b, t = base[number], theirs[number]
            label = f"¶{number}"
            self.scalar(prefix + "text", b["text"], t["text"], label, hashing.normalize_text)
            self.scalar(prefix + "role", b["role"], t["role"], f"{label} role")
            self.tags(prefix + "tags", set(b["tags"]), set(t["tags"]))

    @staticmethod
    def _slugs(tags: list[dict]) -> set[str]:
        return {t["slug"] for t in tags}


def _ints(values) -> list[int]:
    return [int(v) for v in values if str(v).strip().isdigit()]
