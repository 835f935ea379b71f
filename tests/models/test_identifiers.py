"""Public identifiers: random and checksummed for new records, so what a reader can list says
nothing about what they cannot; stable, unique, and never reused."""

import pytest
from django.core.exceptions import ValidationError

from archive import identifiers
from archive.models import IdentifierCounter, IssuedIdentifier, Record, RecordKind
from tests.factories import make_record

pytestmark = pytest.mark.usefixtures("empty_archive")


def test_new_identifiers_carry_the_kind_prefix_and_a_valid_check_symbol():
    article = make_record("x", kind=RecordKind.ARTICLE_EXCERPT)
    testimony = make_record("y", kind=RecordKind.TESTIMONY)
    assert article.public_id.startswith("A-") and testimony.public_id.startswith("T-")
    for public_id in (article.public_id, testimony.public_id):
        assert len(public_id) == 11
        assert set(public_id[2:]) <= set(identifiers.ALPHABET)
        assert identifiers.is_valid(public_id)
    # Nothing counts records any more.
    assert not IdentifierCounter.objects.exists()


def test_the_check_symbol_catches_a_mistyped_symbol_or_kind():
    public_id = make_record("x", kind=RecordKind.TESTIMONY).public_id
    body = public_id[2:]
    for position, symbol in enumerate(body):
        other = identifiers.ALPHABET[(identifiers.ALPHABET.index(symbol) + 7) % 32]
        assert not identifiers.is_valid(f"T-{body[:position]}{other}{body[position + 1 :]}")
    assert not identifiers.is_valid(f"A-{body}")
    assert not identifiers.is_valid(public_id.lower())
    assert identifiers.is_valid("T-000017")  # the sequential form issued before stays valid


def test_a_deleted_identifier_is_never_handed_out_again():
    first = make_record("one")
    second = make_record("two")
    gone = {first.public_id, second.public_id}
    second.delete()
    first.delete()
    assert set(IssuedIdentifier.objects.values_list("value", flat=True)) == gone
    third = make_record("three")
    assert third.public_id not in gone
    assert IssuedIdentifier.objects.count() == 3


def test_an_identifier_cannot_be_changed():
    record = make_record("text")
    issued = record.public_id
    record = Record.objects.get(pk=record.pk)
    record.public_id = "A-999999"
    with pytest.raises(ValidationError):
        record.save()
    assert Record.objects.get(pk=record.pk).public_id == issued


def test_the_kind_cannot_change_once_the_identifier_exists():
    record = Record.objects.get(pk=make_record("text").pk)
    record.kind = RecordKind.TESTIMONY
    with pytest.raises(ValidationError):
        record.full_clean()


def test_the_documented_examples_check():
    """docs/integrity.md and docs/data-model.md show these; a reader checks them by hand."""
    assert identifiers.is_valid("T-4KX9MZQ23") and identifiers.is_valid("A-7GQ0M3VXX")
    assert not identifiers.is_valid("T-4KX9MZQ2H")
