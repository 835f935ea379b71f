"""JSON typed into a form (a source's authors, a camp's building counts) is decoded within
bounds: hostile JSON is a message on the field, never a server error."""

import pytest
from django.apps import apps
from django.db import models

from archive.bounded_json import BoundedJSONDecoder
from archive.models import Source
from tests.json_attacks import ATTACKS

pytestmark = pytest.mark.django_db


def test_every_editable_json_field_decodes_within_bounds():
    fields = [
        f"{model.__name__}.{field.name}"
        for model in apps.get_app_config("archive").get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.JSONField) and field.editable
        if field.decoder is not BoundedJSONDecoder and not model.__name__.startswith("Historical")
    ]
    assert fields == []


@pytest.mark.parametrize("attack", ATTACKS, ids=list(ATTACKS))
def test_hostile_authors_are_a_field_error_and_nothing_is_saved(archivist_client, attack):
    before = Source.objects.count()
    response = archivist_client.post(
        "/admin/archive/source/add/",
        {
            "outlet": "Outlet",
            "title": "A source",
            "authors": f"[{ATTACKS[attack]}]",
            "published_precision": "unknown",
        },
    )
    assert response.status_code == 200
    assert "authors" in response.context["adminform"].form.errors
    assert "Enter a valid JSON." in response.content.decode()
    assert Source.objects.count() == before
