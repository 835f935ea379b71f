"""Every writable API endpoint refuses hostile JSON bodies with a 400 that says why, and
changes nothing: the endpoints are found from the URL patterns, so a new one is covered too."""

import pytest
from django.urls import URLPattern, reverse

from archive.api.urls import urlpatterns
from archive.models import AuditEntry, Collection, CollectionItem
from archive.services import collections as coll
from tests.json_attacks import ATTACKS, in_object

pytestmark = pytest.mark.django_db

WRITES = ("post", "put", "patch")


def writable_endpoints() -> list[tuple[str, str]]:
    """(URL pattern name, method) of every API view that takes a body."""
    found = []
    for pattern in urlpatterns:
        assert isinstance(pattern, URLPattern)
        view = getattr(pattern.callback, "view_class", None)
        found += [(pattern.name, m) for m in WRITES if view and hasattr(view, m)]
    return found


ENDPOINTS = writable_endpoints()


def test_the_writable_endpoints_are_found():
    assert ("collection-list", "post") in ENDPOINTS
    assert ("token-list", "post") in ENDPOINTS
    assert len(ENDPOINTS) >= 7


@pytest.fixture
def draft(people, records):
    collection = coll.collection_create(title="Draft bundle", by=people["lawyer"])
    coll.collection_add_item(collection=collection, record=records["open"], by=people["lawyer"])
    return collection


def url_of(name: str, collection) -> str:
    known = {"slug": collection.slug, "pk": collection.items.first().pk}
    pattern = next(p for p in urlpatterns if p.name == name)
    return reverse(f"api:{name}", kwargs={k: known[k] for k in pattern.pattern.converters})


def footprint() -> tuple:
    return (
        list(Collection.objects.order_by("pk").values()),
        list(CollectionItem.objects.order_by("pk").values()),
        AuditEntry.objects.count(),
    )


@pytest.mark.parametrize("attack", ATTACKS, ids=list(ATTACKS))
@pytest.mark.parametrize(("name", "method"), ENDPOINTS, ids=[f"{m} {n}" for n, m in ENDPOINTS])
def test_hostile_bodies_answer_400_and_change_nothing(people, draft, api_for, name, method, attack):
    client = api_for(people["lawyer"])
    url = url_of(name, draft)
    before = footprint()
    for body in (ATTACKS[attack], in_object(ATTACKS[attack], title="x", record="x")):
        response = getattr(client, method)(url, body, content_type="application/json")
        assert response.status_code == 400, (url, response.content[:200])
        assert response.json()["detail"].startswith("JSON parse error - ")
    assert footprint() == before


def test_a_body_over_the_size_limit_is_refused(people, api_for, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = api_for(people["lawyer"])
    response = client.post(
        "/api/v1/collections/",
        in_object('"' + "x" * 2000 + '"', key="title"),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "larger than 1,000 bytes" in response.json()["detail"]
    assert not Collection.objects.exists()


def test_bodies_within_the_bounds_still_work(people, api_for):
    client = api_for(people["lawyer"])
    response = client.post("/api/v1/collections/", {"title": "Cameras"}, format="json")
    assert response.status_code == 201
