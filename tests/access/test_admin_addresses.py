"""Admin addresses whose object part is not an id, as a mistyped or guessed URL gives: the
archivist gets the ordinary "not found" page, never a server error."""

import pytest
from django.test import Client

from archive import roles
from tests.factories import make_user, sign_in

pytestmark = pytest.mark.django_db

MODELS = ["record", "grant", "attachment", "recordversion", "piifinding", "importwarning"]


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("view", ["change", "delete", "history"])
def test_an_address_that_is_not_an_id_is_not_found(model, view):
    client = sign_in(Client(raise_request_exception=False), make_user("keeper", roles.ARCHIVIST))
    response = client.get(f"/admin/archive/{model}/import/{view}/")
    assert response.status_code == 404
