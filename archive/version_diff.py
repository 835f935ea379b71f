"""What changed between two record versions, worked out from their snapshots."""

import difflib
import re
from dataclasses import dataclass, field

FIELD_LABELS = {
    "title": "title",
    "summary": "summary",
    "language": "language",
    "event_start": "events from",
    "event_start_precision": "events from (precision)",
    "event_end": "events until",
    "event_end_precision": "events until (precision)",
    "state": "state",
    "access_level": "access level",
    "embargo_until": "embargoed until",
}

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Chinese has no spaces between words, so each character is its own token.
_TOKENS = re.compile(rf"\s+|[{_CJK}]|[^\W{_CJK}]+|[^\w\s]")


@dataclass
class PassageChange:
    number: int
    kind: str  # added, removed, edited, moved, retagged
    segments: list[tuple[str, str]] = field(default_factory=list)  # (op, text): =, -, +
    tags_added: list[str] = field(default_factory=list)
    tags_removed: list[str] = field(default_factory=list)


@dataclass
class VersionDiff:
    fields: list[tuple[str, object, object]]
    tags_added: list[str]
    tags_removed: list[str]
    passages: list[PassageChange]
    attachments_added: list[dict]
    attachments_removed: list[dict]

    @property
    def empty(self) -> bool:
        return not (
            self.fields
            or self.tags_added
            or self.tags_removed
            or self.passages
            or self.attachments_added
            or self.attachments_removed
        )


def word_diff(before: str, after: str) -> list[tuple[str, str]]:
    """Segments of equal, deleted and inserted text, word by word (character by character in
    Chinese), so a changed name shows as itself rather than as a changed paragraph. Changes
    separated only by spaces read as one change ("installed at" → "removed from")."""
    a, b = _TOKENS.findall(before), _TOKENS.findall(after)
    opcodes = difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes()
    merged: list[list] = []
    for index, (op, i1, i2, j1, j2) in enumerate(opcodes):
        between_changes = 0 < index < len(opcodes) - 1 and opcodes[index + 1][0] != "equal"
        if op == "equal" and between_changes and all(t.isspace() for t in a[i1:i2]):
            op = "replace"
        if op != "equal" and merged and merged[-1][0] != "equal":
            merged[-1][2], merged[-1][4] = i2, j2
        else:
            merged.append([op, i1, i2, j1, j2])
    segments = []
    for op, i1, i2, j1, j2 in merged:
        if op == "equal":
            segments.append(("=", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            segments.append(("-", "".join(a[i1:i2])))
        if j2 > j1:
            segments.append(("+", "".join(b[j1:j2])))
    return segments


def _scalar_fields(old: dict, new: dict) -> list[tuple[str, object, object]]:
    changes = [
        (label, old.get(name), new.get(name))
        for name, label in FIELD_LABELS.items()
        if old.get(name) != new.get(name)
    ]
    if old.get("source") != new.get("source"):
        changes.append(("source", _source_line(old.get("source")), _source_line(new.get("source"))))
    old_t, new_t = old.get("testimony") or {}, new.get("testimony") or {}
    for name in sorted(set(old_t) | set(new_t)):
        if old_t.get(name) != new_t.get(name):
            changes.append(
                (f"narrator: {name.replace('_', ' ')}", old_t.get(name), new_t.get(name))
            )
    return changes


def _source_line(source: dict | None) -> str:
    if not source:
        return ""
    return " · ".join(str(v) for v in (source["outlet"], source["title"], source["url"]) if v)


def _passages(old: list[dict], new: list[dict]) -> list[PassageChange]:
    before = {p["number"]: p for p in old}
    after = {p["number"]: p for p in new}
    order_before = [p["number"] for p in old if p["number"] in after]
    order_after = [p["number"] for p in new if p["number"] in before]
    changes = []
    for number in sorted(set(before) | set(after)):
        if number not in after:
            changes.append(PassageChange(number, "removed", [("-", before[number]["text"])]))
            continue
        if number not in before:
            changes.append(PassageChange(number, "added", [("+", after[number]["text"])]))
            continue
        a, b = before[number], after[number]
        change = PassageChange(number, "")
        if a["text"] != b["text"]:
            change.kind, change.segments = "edited", word_diff(a["text"], b["text"])
        elif order_before.index(number) != order_after.index(number):
            change.kind = "moved"
        change.tags_added = sorted(set(b["tags"]) - set(a["tags"]))
        change.tags_removed = sorted(set(a["tags"]) - set(b["tags"]))
        if not change.kind and (change.tags_added or change.tags_removed):
            change.kind = "retagged"
        if change.kind:
            changes.append(change)
    return changes


def compare(old: dict, new: dict) -> VersionDiff:
    old_tags = {t["slug"]: t["label"] for t in old.get("tags", [])}
    new_tags = {t["slug"]: t["label"] for t in new.get("tags", [])}
    old_att = {a["sha256"]: a for a in old.get("attachments", [])}
    new_att = {a["sha256"]: a for a in new.get("attachments", [])}
    return VersionDiff(
        fields=_scalar_fields(old, new),
        tags_added=sorted(new_tags[s] for s in set(new_tags) - set(old_tags)),
        tags_removed=sorted(old_tags[s] for s in set(old_tags) - set(new_tags)),
        passages=_passages(old.get("passages", []), new.get("passages", [])),
        attachments_added=[new_att[h] for h in new_att if h not in old_att],
        attachments_removed=[old_att[h] for h in old_att if h not in new_att],
    )
