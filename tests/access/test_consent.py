"""The narrator's consent scope caps the record's access level, in the model and services."""

import pytest
from django.core.exceptions import ValidationError

from archive import models as archive_models
from archive import roles
from archive.models import AccessLevel
from archive.models.access import CONSENT_WIDEST_LEVEL, levels_allowed_by
from archive.services import access as access_services
from tests.factories import make_record, make_user

pytestmark = pytest.mark.django_db


def test_the_whole_mapping():
    assert levels_allowed_by("public") == ["public", "registered", "restricted", "confidential"]
    assert levels_allowed_by("research") == ["registered", "restricted", "confidential"]
    assert levels_allowed_by("legal") == ["restricted", "confidential"]
    assert levels_allowed_by("archive_only") == ["confidential"]


def test_new_records_default_by_kind():
    assert make_record("x").access_level == AccessLevel.PUBLIC
    assert make_record("x", kind="testimony").access_level == AccessLevel.RESTRICTED


def narrate(record, scope):
    return archive_models.Testimony.objects.create(
        record=record, narrator_pseudonym="N-1", relation="survivor", consent_scope=scope
    )


@pytest.mark.parametrize("scope", list(CONSENT_WIDEST_LEVEL))
@pytest.mark.parametrize("level", list(AccessLevel.values))
def test_model_validation_refuses_a_level_wider_than_consent(scope, level):
    record = make_record("x", kind="testimony", access_level="confidential")
    testimony = narrate(record, scope)
    record.access_level = level
    if level in levels_allowed_by(scope):
        record.full_clean()
        testimony.full_clean()
    else:
        with pytest.raises(ValidationError, match="consent"):
            record.full_clean()
        with pytest.raises(ValidationError, match="consent"):
            testimony.full_clean()


def test_services_refuse_widening_and_narrowing_consent_narrows_access():
    boss = make_user("boss", roles.ARCHIVIST)
    record = make_record("x", kind="testimony", access_level="restricted")
    testimony = narrate(record, "legal")
    with pytest.raises(ValidationError, match="consent"):
        access_services.record_set_access(record=record, access_level="public", by=boss)
    record.refresh_from_db()
    assert record.access_level == "restricted"
    access_services.testimony_set_consent(testimony=testimony, scope="archive_only", by=boss)
    record.refresh_from_db()
    assert record.access_level == "confidential"
    # Wider consent later does not widen access by itself.
    access_services.testimony_set_consent(testimony=testimony, scope="public", by=boss)
    record.refresh_from_db()
    assert record.access_level == "confidential"
