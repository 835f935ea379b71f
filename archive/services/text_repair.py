"""Repair UTF-8 text that was mis-decoded as Windows-874 (Thai), including bytes lost on the way."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "LOST_BYTES",
    "REPLACEMENT_CHARACTER",
    "RepairResult",
    "Uncertainty",
    "repair_utf8_read_as_cp874",
]

# Bytes that neither cp874 nor the cp1252 fallback defines: the faulty decoder dropped them.
LOST_BYTES: tuple[int, ...] = (0x81, 0x8D, 0x8F, 0x90, 0x9D)

REPLACEMENT_CHARACTER = "\ufffd"
CLOSING_QUOTE = "\u201d"


@dataclass(frozen=True)
class Uncertainty:
    """One place where the repair had to guess, or could not decide."""

    offset: int  # character offset in the REPAIRED text
    damaged: str  # the mojibake substring as it appeared in the input
    chosen: str  # what was written into the repaired text
    candidates: tuple[str, ...]  # every code point the surviving bytes allow
    reason: str  # human-readable, for an archivist


@dataclass(frozen=True)
class RepairResult:
    """The repaired text, every guess made while repairing it, and whether anything changed."""

    text: str
    uncertainties: tuple[Uncertainty, ...]
    changed: bool


@dataclass(frozen=True)
class _Slot:
    """A damaged input stretch that becomes exactly one character of output."""

    damaged: str
    candidates: tuple[str, ...]


def _build_char_to_byte() -> dict[str, int]:
    """Invert the faulty decoder: cp874 first, cp1252 only for bytes cp874 leaves undefined."""
    table: dict[str, int] = {}
    for value in range(256):
        raw = bytes([value])
        for codec in ("cp874", "cp1252"):
            try:
                table.setdefault(raw.decode(codec), value)
            except UnicodeDecodeError:
                continue
            break
    return table


# Built from the decode table rather than by encoding, so that e.g. a genuine "é" (which cp874
# cannot produce, because its byte 0xE9 is a Thai tone mark there) is never mistaken for mojibake.
_CHAR_TO_BYTE = _build_char_to_byte()


def _is_thai(char: str) -> bool:
    return "\u0e00" <= char <= "\u0e7f"


def _continuation_count(lead: int) -> int:
    if lead <= 0xDF:
        return 1
    if lead <= 0xEF:
        return 2
    return 3


def _lead_byte(char: str) -> int | None:
    value = _CHAR_TO_BYTE.get(char)
    return value if value is not None and 0xC2 <= value <= 0xF4 else None


def _continuation_byte(char: str) -> int | None:
    value = _CHAR_TO_BYTE.get(char)
    return value if value is not None and 0x80 <= value <= 0xBF else None


def _decode_single(raw: bytes) -> str | None:
    """Return the one code point ``raw`` encodes, or None if Python's strict decoder rejects it."""
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        # The strict decoder enforces the E0/ED/F0/F4 second-byte ranges for us.
        return None
    return decoded if len(decoded) == 1 else None


def _lost_byte_candidates(lead: int, present: list[int], needed: int) -> tuple[str, ...]:
    """Every code point obtainable by re-inserting lost bytes anywhere among the survivors."""
    found: set[str] = set()
    missing = needed - len(present)
    # Surviving bytes keep their order; only where the gaps fall, and what filled them, is unknown.
    for kept_at in itertools.combinations(range(needed), len(present)):
        for fillers in itertools.product(LOST_BYTES, repeat=missing):
            survivors, gaps = iter(present), iter(fillers)
            tail = [next(survivors) if pos in kept_at else next(gaps) for pos in range(needed)]
            decoded = _decode_single(bytes([lead, *tail]))
            if decoded is not None:
                found.add(decoded)
    return tuple(sorted(found))


def _scan(text: str) -> list[str | _Slot]:
    """Split ``text`` into output characters and damaged slots, one list entry per output char."""
    cells: list[str | _Slot] = []
    index, length = 0, len(text)
    while index < length:
        char = text[index]
        lead = _lead_byte(char)
        if lead is None:
            # Outside a sequence only Thai letters are impossible in this kind of mojibake; curly
            # quotes, dashes and the like are also legitimate text and must pass through.
            cells.append(_Slot(char, ()) if _is_thai(char) else char)
            index += 1
            continue
        needed = _continuation_count(lead)
        present: list[int] = []
        end = index + 1
        while end < length and len(present) < needed:
            value = _continuation_byte(text[end])
            if value is None:
                break
            present.append(value)
            end += 1
        if len(present) == needed:
            decoded = _decode_single(bytes([lead, *present]))
            if decoded is not None:
                cells.append(decoded)
                index = end
                continue
            # An invalid full sequence means the last character belongs to the following text
            # and a byte went missing before it.
            present.pop()
            end -= 1
        if not _is_thai(char):
            # Û Ü Ý Þ come from the cp1252 fallback but are ordinary Latin letters too; without a
            # complete, valid sequence there is no evidence that they are mojibake.
            cells.append(char)
            index += 1
            continue
        cells.append(_Slot(text[index:end], _lost_byte_candidates(lead, present, needed)))
        index = end
    return cells


def _vocabulary_votes(
    cells: list[str | _Slot], phrases: Iterable[str]
) -> dict[int, dict[str, set[str]]]:
    """Map slot offset -> proposed character -> phrases that fit there with that character."""
    votes: dict[int, dict[str, set[str]]] = {}
    slots = [(offset, cell) for offset, cell in enumerate(cells) if isinstance(cell, _Slot)]
    for phrase in dict.fromkeys(p for p in phrases if p):
        for offset, slot in slots:
            for phrase_index, phrase_char in enumerate(phrase):
                if phrase_char not in slot.candidates:
                    continue
                start = offset - phrase_index
                if start < 0 or start + len(phrase) > len(cells):
                    continue
                # Every slot the phrase covers must fit at once: neighbouring damage is resolved
                # jointly, never one character at a time.
                if all(
                    expected in cell.candidates if isinstance(cell, _Slot) else expected == cell
                    for expected, cell in zip(
                        phrase, cells[start : start + len(phrase)], strict=True
                    )
                ):
                    for position, expected in enumerate(phrase, start):
                        if isinstance(cells[position], _Slot):
                            votes.setdefault(position, {}).setdefault(expected, set()).add(phrase)
    return votes


def _decide(slot: _Slot, votes: dict[str, set[str]]) -> tuple[str, str]:
    """Pick the character for one slot and explain why."""
    if not slot.candidates:
        return REPLACEMENT_CHARACTER, (
            "fragment of a UTF-8 sequence that cannot be decoded even allowing for lost bytes; "
            "replaced with U+FFFD"
        )
    count = len(slot.candidates)
    if len(votes) == 1:
        (chosen, phrases), *_ = votes.items()
        names = ", ".join(f"“{p}”" for p in sorted(phrases))
        return chosen, (
            f"byte lost in transcoding; resolved by vocabulary phrase {names} "
            f"among {count} candidates"
        )
    if count == 1:
        return slot.candidates[0], "byte lost in transcoding; only one code point fits"
    if CLOSING_QUOTE in slot.candidates:
        # 0x9D is the last byte of ” (E2 80 9D) and is exactly what the decoder drops; in running
        # text the closing quote is overwhelmingly likelier than the other E2 80 xx survivors.
        return CLOSING_QUOTE, (
            f"byte lost in transcoding; closing quote assumed from context among {count} candidates"
        )
    conflict = " (vocabulary phrases disagree)" if votes else ""
    return REPLACEMENT_CHARACTER, (
        f"byte lost in transcoding; {count} candidates and nothing decides between them"
        f"{conflict}; replaced with U+FFFD"
    )


def repair_utf8_read_as_cp874(text: str, known_phrases: Iterable[str] = ()) -> RepairResult:
    """Undo UTF-8 bytes shown as cp874 (cp1252 fallback, undefined bytes dropped).

    The input is assumed to be that kind of mojibake, possibly mixed with already-correct text;
    genuine Thai is not expected, so any Thai letter that is not part of a decodable sequence is
    treated as damage. Every guess about a lost byte, and every U+FFFD written, is reported.
    ``known_phrases`` (controlled-vocabulary strings) settle ambiguous characters when exactly one
    candidate makes the repaired text contain a phrase at that place.
    """
    cells = _scan(text)
    votes = _vocabulary_votes(cells, known_phrases)
    output: list[str] = []
    uncertainties: list[Uncertainty] = []
    for offset, cell in enumerate(cells):
        if isinstance(cell, str):
            output.append(cell)
            continue
        chosen, reason = _decide(cell, votes.get(offset, {}))
        output.append(chosen)
        uncertainties.append(Uncertainty(offset, cell.damaged, chosen, cell.candidates, reason))
    repaired = "".join(output)
    return RepairResult(repaired, tuple(uncertainties), repaired != text)
