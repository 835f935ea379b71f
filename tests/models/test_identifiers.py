"""Public identifiers are stable, unique per kind, and never reused."""

import pytest
from django.core.exceptions import ValidationError

from archive.models import Record, RecordKind
from tests.factories import make_record

pytestmark = pytest.mark.usefixtures("empty_archive")


def test_identifiers_follow_the_kind_prefix_and_count_up():
    a1 = make_record("x", kind=RecordKind.ARTICLE_EXCERPT)
    t1 = make_record("y", kind=RecordKind.TESTIMONY)
    a2 = make_record("z", kind=RecordKind.ARTICLE_EXCERPT)
    assert [a1.public_id, t1.public_id, a2.public_id] == ["A-000001", "T-000001", "A-000002"]


def test_a_deleted_identifier_is_never_handed_out_again():
    first = make_record("one")
    second = make_record("two")
    second_id = second.public_id
    second.delete()
    first.delete()
    third = make_record("three")
    assert third.public_id == "A-000003"
    assert not Record.objects.filter(public_id__in=["A-000001", second_id]).exists()


def test_an_identifier_cannot_be_changed():
    record = make_record("text")
    record = Record.objects.get(pk=record.pk)
    record.public_id = "A-999999"
    with pytest.raises(ValidationError):
        record.save()
    assert Record.objects.get(pk=record.pk).public_id == "A-000001"


def test_the_kind_cannot_change_once_the_identifier_exists():
    record = Record.objects.get(pk=make_record("text").pk)
    record.kind = RecordKind.TESTIMONY
    with pytest.raises(ValidationError):
        record.full_clean()
