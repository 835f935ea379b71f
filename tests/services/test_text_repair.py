"""Tests for repairing UTF-8 text that was mis-decoded as Windows-874."""

from pathlib import Path

from archive.services.text_repair import (
    REPLACEMENT_CHARACTER,
    RepairResult,
    repair_utf8_read_as_cp874,
)

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
DAMAGED_SEED = SEEDS / "004_bb28e91a333b0fd6.txt"
CLEAN_SEED = SEEDS / "000_970aa1db569c0f72.txt"
IJOP = "一体化联合作战平台"


def _repair_seed(known_phrases: tuple[str, ...] = ()) -> RepairResult:
    return repair_utf8_read_as_cp874(DAMAGED_SEED.read_text(encoding="utf-8"), known_phrases)


def test_seed_latin_sequences_without_loss_are_repaired():
    text = _repair_seed().text
    assert "Fionnuala Ní Aoláin" in text
    assert "รญ" not in text
    assert "รก" not in text
    assert "£800 million ($996.84 million)" in text


def test_seed_has_no_thai_left():
    text = _repair_seed().text
    assert not [char for char in text if "\u0e00" <= char <= "\u0e7f"]
    assert "โ€" not in text


def test_seed_quotes_and_dashes():
    text = _repair_seed().text
    assert "of “intrusive and high-risk technologies” by governments" in text
    assert "hadn’t" in text
    assert "‘genocide-tech’ companies" in text
    assert "Chinese firms — ZTE" in text
    assert "“Completely off limits,” she told The China Project: “No sales" in text
    # Text that was already correct keeps its (odd but genuine) quote.
    assert "so-called “Beijing Effect“, whereby" in text


def test_seed_cjk_resolved_by_vocabulary():
    result = _repair_seed((IJOP,))
    assert f"Integrated Joint Operations Platform ({IJOP} )" in result.text
    cjk = [u for u in result.uncertainties if u.chosen in "联合台"]
    assert [u.chosen for u in cjk] == ["联", "合", "台"]
    assert [u.damaged for u in cjk] == ["่”", "ๅˆ", "ๅฐ"]
    for uncertainty in cjk:
        assert f"vocabulary phrase “{IJOP}”" in uncertainty.reason
        assert uncertainty.chosen in uncertainty.candidates
        assert len(uncertainty.candidates) > 1


def test_seed_cjk_without_vocabulary_becomes_replacement_character():
    result = _repair_seed()
    assert f"Platform (一体化{REPLACEMENT_CHARACTER * 2}作战平{REPLACEMENT_CHARACTER} )" in (
        result.text
    )
    unresolved = [u for u in result.uncertainties if u.chosen == REPLACEMENT_CHARACTER]
    assert [u.damaged for u in unresolved] == ["่”", "ๅˆ", "ๅฐ"]
    # E8 ?? 94 or E8 94 ??, five lost bytes each: 联 is E8 81 94, 蔝 is E8 94 9D.
    assert "联" in unresolved[0].candidates
    assert "蔝" in unresolved[0].candidates
    assert "合" in unresolved[1].candidates
    # The lost byte of 台 sits in the middle (E5 8F B0), not before the following space.
    assert "台" in unresolved[2].candidates
    assert "封" in unresolved[2].candidates  # E5 B0 81: the lost byte at the end is also possible
    for uncertainty in unresolved:
        assert len(uncertainty.candidates) == 10
        assert "U+FFFD" in uncertainty.reason


def test_seed_every_lost_byte_is_reported():
    result = _repair_seed((IJOP,))
    # Eight sequences lost a byte: five closing quotes ” (E2 80 9D, the 0x9D dropped) after
    # "technologies", "camp", "China.", "limits," and "sky", plus 联 (E8 [81] 94), 合 (E5 [90] 88)
    # and 台 (E5 [8F] B0). Every other mojibake sequence in the file is complete.
    assert len(result.uncertainties) == 8
    quotes = [u for u in result.uncertainties if u.damaged == "โ€"]
    assert len(quotes) == 5
    for uncertainty in quotes:
        assert uncertainty.chosen == "”"
        assert "closing quote" in uncertainty.reason
        assert {"\u2001", "\u200d", "\u200f", "\u2010", "”"} <= set(uncertainty.candidates)
    for uncertainty in result.uncertainties:
        assert result.text[uncertainty.offset] == uncertainty.chosen
    assert result.changed


def test_seed_repair_is_idempotent():
    for phrases in ((), (IJOP,)):
        repaired = _repair_seed(phrases).text
        again = repair_utf8_read_as_cp874(repaired, phrases)
        assert again.text == repaired
        assert not again.changed
        assert again.uncertainties == ()


def test_clean_seed_passes_through_unchanged():
    original = CLEAN_SEED.read_text(encoding="utf-8")
    assert "’" in original or "–" in original
    result = repair_utf8_read_as_cp874(original)
    assert result.text == original
    assert not result.changed
    assert result.uncertainties == ()


def test_correct_typography_is_not_mojibake():
    for text in ("He said “hello” – fine’", "café, naïve, Ümit, ½ — done…", ""):
        result = repair_utf8_read_as_cp874(text)
        assert result.text == text
        assert not result.changed


def test_mixed_correct_and_damaged_quotes():
    result = repair_utf8_read_as_cp874("“ok” and โ€œbadโ€ here")
    assert result.text == "“ok” and “bad” here"
    assert len(result.uncertainties) == 1
    assert result.uncertainties[0].offset == 13


def test_ambiguous_two_byte_letter_is_not_guessed():
    # Cyrillic А is D0 90; the 0x90 was dropped, leaving the Thai vowel alone.
    result = repair_utf8_read_as_cp874("xะy")
    assert result.text == f"x{REPLACEMENT_CHARACTER}y"
    (uncertainty,) = result.uncertainties
    assert uncertainty.candidates == ("Ё", "Ѝ", "Џ", "А", "Н")
    resolved = repair_utf8_read_as_cp874("xะy", ["xАy"])
    assert resolved.text == "xАy"


def test_conflicting_vocabulary_does_not_decide():
    result = repair_utf8_read_as_cp874("xะy", ["xАy", "xНy"])
    assert result.text == f"x{REPLACEMENT_CHARACTER}y"
    assert "disagree" in result.uncertainties[0].reason


def test_undecodable_fragments_become_replacement_characters():
    # E0 80 80 is an overlong form Python rejects, and E0 needs A0..BF next, which no lost byte
    # provides; a Thai digit (0xF5+) can never start UTF-8.
    result = repair_utf8_read_as_cp874("aเ€€b ๕")
    assert result.text == f"a{REPLACEMENT_CHARACTER}€b {REPLACEMENT_CHARACTER}"
    assert [u.candidates for u in result.uncertainties] == [(), ()]
    assert [u.damaged for u in result.uncertainties] == ["เ€", "๕"]
