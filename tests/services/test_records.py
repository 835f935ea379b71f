"""Passages keep their ¶ numbers through edits, and hashes follow the text."""

import hashlib

import pytest

from archive.models import Passage
from archive.services.records import PassageInput, record_set_passages
from tests.factories import make_record

pytestmark = pytest.mark.django_db


def numbered(record):
    return [(p.number, p.text) for p in record.passages.order_by("position")]


def set_text(record, *paragraphs):
    return record_set_passages(record=record, passages=[PassageInput(p) for p in paragraphs])


def test_passages_are_numbered_in_reading_order():
    record = make_record("First.", "Second.", "Third.")
    assert numbered(record) == [(1, "First."), (2, "Second."), (3, "Third.")]


def test_editing_one_paragraph_keeps_every_number():
    record = make_record("First.", "Second.", "Third.")
    changes = set_text(record, "First.", "Second, corrected.", "Third.")
    assert numbered(record) == [(1, "First."), (2, "Second, corrected."), (3, "Third.")]
    assert changes.edited == [2] and not changes.added and not changes.removed


def test_inserting_a_paragraph_gives_it_a_new_number_and_keeps_the_others():
    record = make_record("First.", "Second.", "Third.")
    set_text(record, "First.", "Inserted.", "Second.", "Third.")
    assert numbered(record) == [(1, "First."), (4, "Inserted."), (2, "Second."), (3, "Third.")]


def test_a_deleted_paragraph_number_is_never_reused():
    record = make_record("First.", "Second.", "Third.")
    set_text(record, "First.", "Third.")
    set_text(record, "First.", "Third.", "Fourth.")
    assert numbered(record) == [(1, "First."), (3, "Third."), (4, "Fourth.")]


def test_a_passage_number_cannot_be_changed():
    record = make_record("First.")
    passage = Passage.objects.get(record=record)
    passage.number = 7
    with pytest.raises(Exception, match="never change"):
        passage.save()


def test_record_hash_is_sha256_of_the_normalized_passages_joined_by_blank_lines():
    record = make_record("Cafe\u0301 one.  ", "Two.\r\nlines")
    expected = hashlib.sha256("Café one.\n\nTwo.\nlines".encode()).hexdigest()
    record.refresh_from_db()
    assert record.content_hash == expected
    assert [p.content_hash for p in record.passages.order_by("position")] == [
        hashlib.sha256("Café one.".encode()).hexdigest(),
        hashlib.sha256(b"Two.\nlines").hexdigest(),
    ]


def test_hash_changes_when_the_text_changes_and_only_then():
    record = make_record("First.", "Second.")
    record.refresh_from_db()
    before = record.content_hash
    set_text(record, "First.", "Second.")
    record.refresh_from_db()
    assert record.content_hash == before
    set_text(record, "First.", "Second!")
    record.refresh_from_db()
    assert record.content_hash != before
    assert (
        Passage.objects.get(record=record, number=2).content_hash
        == hashlib.sha256(b"Second!").hexdigest()
    )


def test_saving_a_stale_record_instance_never_rewinds_the_passage_counter():
    record = make_record("First.", "Second.", "Third.")  # this instance never saw the counter move
    record.title = "Retitled"
    record.save()
    set_text(record, "First.")  # ¶2 and ¶3 retire
    set_text(record, "First.", "New.")
    assert numbered(record) == [(1, "First."), (4, "New.")]


def current_hash(record) -> str:
    record.refresh_from_db()
    return record.content_hash


def expected_hash(record) -> str:
    texts = record.passages.order_by("position", "number").values_list("text", flat=True)
    return hashlib.sha256("\n\n".join(texts).encode()).hexdigest()


def test_any_passage_write_keeps_the_record_hash_true():
    record = make_record("First.", "Second.")
    passage = record.passages.get(number=2)
    passage.text = "Second, edited directly."
    passage.save()
    assert current_hash(record) == expected_hash(record)
    Passage.objects.create(record=record, position=3, text="Third.")
    assert current_hash(record) == expected_hash(record)
    record.passages.get(number=1).delete()
    assert current_hash(record) == expected_hash(record)
    assert "First." not in record.canonical_text()


def test_a_stale_record_instance_cannot_write_back_an_old_hash():
    record = make_record("First.")
    stale = type(record).objects.get(pk=record.pk)
    set_text(record, "First, corrected.")
    from archive.services.records import record_update

    record_update(record=stale, title="Retitled")
    assert current_hash(record) == expected_hash(record)


def test_a_passage_cannot_hold_a_paragraph_break():
    # Passages are the paragraphs; a blank line inside one would make two texts hash alike.
    record = make_record("One.")
    with pytest.raises(ValueError, match="blank line"):
        set_text(record, "One.\n\nTwo.")
    assert numbered(record) == [(1, "One.")]


def test_an_inserted_paragraph_does_not_take_the_number_of_an_edited_one():
    record = make_record("Alpha paragraph.", "Bravo paragraph here.", "Charlie paragraph.")
    set_text(
        record,
        "Alpha paragraph.",
        "Something entirely new.",
        "Bravo paragraph here, edited.",
        "Charlie paragraph.",
    )
    assert numbered(record) == [
        (1, "Alpha paragraph."),
        (4, "Something entirely new."),
        (2, "Bravo paragraph here, edited."),
        (3, "Charlie paragraph."),
    ]


def test_rewriting_a_paragraph_beyond_recognition_retires_its_number():
    record = make_record("Alpha paragraph.", "Bravo paragraph here.")
    changes = set_text(record, "Alpha paragraph.", "Zulu: nothing in common at all.")
    assert numbered(record) == [(1, "Alpha paragraph."), (3, "Zulu: nothing in common at all.")]
    assert (changes.removed, changes.added) == ([2], [3])
