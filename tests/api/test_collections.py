"""Collections through the API: readers by visible_collections, writes by editors through
the services (audited), hidden items only counted, hidden collections 404."""

import pytest

from archive import roles
from archive.models import AuditEntry, Collection
from archive.models.audit import AuditAction
from archive.services import collections as coll
from tests.api.conftest import SECRET_TITLE
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def bundle(people, records):
    """A public, published collection by the lawyer holding the open and restricted records."""
    lawyer = people["lawyer"]
    collection = coll.collection_create(title="Gate bundle", by=lawyer, visibility="public")
    for record in (records["open"], records["restricted"]):
        coll.collection_add_item(collection=collection, record=record, by=lawyer)
    coll.collection_publish(collection=collection, by=lawyer)
    return collection


@pytest.mark.parametrize("role", ["anonymous", "researcher", "lawyer", "archivist"])
def test_published_version_counts_hidden_items_only(people, bundle, api_for, role):
    client = api_for(people[role])
    sees_all = role in {"lawyer", "archivist"}
    version = client.get(f"/api/v1/collections/{bundle.slug}/versions/1/").json()
    assert (version["items"], version["hidden_items"]) == ((2, 0) if sees_all else (1, 1))
    items = client.get(version["items_url"]).json()
    assert items["count"] == version["items"]
    assert items["hidden_items"] == version["hidden_items"]
    assert (SECRET_TITLE in str(items)) is False
    shown = {item["record"] for item in items["results"]}
    assert len(shown) == items["count"]


def test_private_drafts_answer_404_to_others(people, records, api_for):
    draft = coll.collection_create(title="Private draft", by=people["lawyer"])
    for role in ("anonymous", "researcher"):
        client = api_for(people[role])
        assert client.get(f"/api/v1/collections/{draft.slug}/").status_code == 404
        listed = {c["slug"] for c in client.get("/api/v1/collections/").json()["results"]}
        assert draft.slug not in listed
        assert client.get(f"/api/v1/collections/{draft.slug}/versions/").status_code == 404
    assert api_for(people["lawyer"]).get(f"/api/v1/collections/{draft.slug}/").status_code == 200


def test_editor_builds_and_publishes_through_services(people, records, api_for):
    researcher = people["researcher"]
    client = api_for(researcher)
    created = client.post("/api/v1/collections/", {"title": "Cameras"}, format="json")
    assert created.status_code == 201, created.json()
    slug = created.json()["slug"]
    items = f"/api/v1/collections/{slug}/items/"
    first = client.post(items, {"record": records["open"].public_id}, format="json")
    assert first.status_code == 201
    again = client.post(items, {"record": records["open"].public_id}, format="json")
    assert (again.status_code, again.json()["id"]) == (200, first.json()["id"])
    # A record the researcher may not see is refused exactly like one that does not exist.
    hidden = client.post(items, {"record": records["restricted"].public_id}, format="json")
    missing = client.post(items, {"record": "T-999999"}, format="json")
    assert hidden.status_code == missing.status_code == 400
    assert hidden.json() == missing.json()
    item = first.json()["id"]
    changed = client.patch(f"{items}{item}/", {"annotation": "Cameras"}, format="json")
    assert changed.json()["annotation"] == "Cameras"
    assert client.post(f"{items}{item}/move/", {"offset": 1}, format="json").status_code == 200
    published = client.post(f"/api/v1/collections/{slug}/publish/", {"note": "v1"}, format="json")
    assert published.status_code == 201
    assert published.json()["number"] == 1
    renamed = client.patch(f"/api/v1/collections/{slug}/", {"title": "Cameras 2"}, format="json")
    assert renamed.json()["title"] == "Cameras 2"
    # Published, so it may be cited: deletion is refused.
    assert client.delete(f"/api/v1/collections/{slug}/").status_code == 400
    assert client.delete(f"{items}{item}/").status_code == 204
    actions = list(
        AuditEntry.objects.filter(target_id=slug, actor=researcher).values_list("action", flat=True)
    )
    assert AuditAction.COLLECTION_CREATE in actions
    assert AuditAction.COLLECTION_PUBLISH in actions
    assert actions.count(AuditAction.COLLECTION_EDIT) >= 4
    assert set(AuditEntry.objects.filter(target_id=slug).values_list("channel", flat=True)) == {
        "api"
    }


def test_delete_an_unpublished_collection(people, api_for):
    draft = coll.collection_create(title="Scratch", by=people["researcher"])
    assert api_for(people["lawyer"]).delete(f"/api/v1/collections/{draft.slug}/").status_code == 404
    assert (
        api_for(people["researcher"]).delete(f"/api/v1/collections/{draft.slug}/").status_code
        == 204
    )
    assert not Collection.objects.filter(slug=draft.slug).exists()
    entry = AuditEntry.objects.filter(target_id=draft.slug).first()
    assert entry.action == AuditAction.COLLECTION_EDIT and entry.detail == {"deleted": True}


def test_readers_cannot_write(people, bundle, api_for):
    reader = api_for(people["researcher"])
    base = f"/api/v1/collections/{bundle.slug}/"
    assert reader.patch(base, {"title": "Mine"}, format="json").status_code == 404
    assert reader.get(f"{base}items/").status_code == 404
    assert reader.post(f"{base}publish/", {}, format="json").status_code == 404
    anonymous = api_for(None)
    assert anonymous.post("/api/v1/collections/", {"title": "x"}, format="json").status_code == 401
    nobody = api_for(make_user("plain"))
    assert nobody.post("/api/v1/collections/", {"title": "x"}, format="json").status_code == 403
    assert Collection.objects.filter(title="Mine").count() == 0


def test_an_editor_does_not_see_hidden_draft_items(people, records, api_for):
    lawyer = people["lawyer"]
    shared = coll.collection_create(title="Shared bundle", by=lawyer)
    for record in (records["open"], records["restricted"]):
        coll.collection_add_item(collection=shared, record=record, by=lawyer)
    editor = make_user("ed", roles.RESEARCHER)
    coll.collection_share(collection=shared, by=lawyer, user=editor, role="editor")
    coll.collection_update(collection=shared, by=lawyer, visibility="shared")
    client = api_for(editor)
    draft = client.get(f"/api/v1/collections/{shared.slug}/items/").json()
    assert (draft["count"], draft["hidden_items"]) == (1, 1)
    hidden_item = shared.items.get(record=records["restricted"]).pk
    url = f"/api/v1/collections/{shared.slug}/items/{hidden_item}/"
    assert client.delete(url).status_code == 404
    assert client.patch(url, {"annotation": "x"}, format="json").status_code == 404
    assert shared.items.count() == 2
