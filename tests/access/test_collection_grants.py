"""What a collection grant opens: the records (up to restricted) of the versions published
when an archivist made it. Nothing a curator or editor does afterwards (draft items, new
versions) opens anything more to anyone, on any surface."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from rest_framework.test import APIClient

from archive import roles
from archive.models import AuditEntry
from archive.models.audit import AuditAction
from archive.search import engine
from archive.services import access as access_services
from archive.services import collections as coll
from archive.services import intake
from tests.factories import make_record, make_user, sign_in

pytestmark = pytest.mark.django_db

CONFIDENTIAL_TITLE = "Wombatvoice confidential account"
RESTRICTED_TITLE = "Numbatwatch restricted account"


@pytest.fixture
def boss():
    return make_user("boss", roles.ARCHIVIST)


@pytest.fixture
def scene(boss):
    """A researcher holding a by-name grant on a confidential record, a lawyer, both curating
    a shared collection that an archivist granted (by name and by group) after its first
    version, which held only an open record."""
    holder = make_user("holder", roles.RESEARCHER)
    lawyer = make_user("lawyer", roles.LAWYER)
    reader = make_user("reader", roles.RESEARCHER)
    team_member = make_user("teammate", roles.RESEARCHER)

    def publish(text, title, **fields):
        record = make_record(text, title=title, **fields)
        intake.publish(record=record, by=boss)
        return record

    opened = publish("Cameras at the dingogate checkpoint.", "Open article")
    confidential = publish(
        "The wombatvoice account of the camp.",
        title=CONFIDENTIAL_TITLE,
        kind="testimony",
        access_level="confidential",
    )
    restricted = publish(
        "The numbatwatch account of the camp.",
        title=RESTRICTED_TITLE,
        kind="testimony",
        access_level="restricted",
    )
    access_services.grant_create(record=confidential, user=holder, reason="case 7", by=boss)
    collection = coll.collection_create(title="Checkpoint bundle", by=holder)
    coll.collection_add_item(collection=collection, record=opened, by=holder)
    coll.collection_share(collection=collection, by=holder, user=lawyer, role="editor")
    coll.collection_update(collection=collection, by=holder, visibility="shared")
    coll.collection_publish(collection=collection, by=holder)
    access_services.grant_create(collection=collection, user=reader, reason="expert", by=boss)
    team = reader.groups.model.objects.create(name="case-team")
    team_member.groups.add(team)
    access_services.grant_create(collection=collection, group=team, reason="team", by=boss)
    engine.drain()
    return {
        "holder": holder,
        "lawyer": lawyer,
        "reader": reader,
        "teammate": team_member,
        "collection": collection,
        "confidential": confidential,
        "restricted": restricted,
    }


def api(user) -> APIClient:
    return sign_in(APIClient(), user)


def assert_closed_to(user, record, word, collection, version: int):
    """Every surface answers as if the record did not exist for `user`."""
    client = sign_in(Client(), user)
    assert client.get(record.get_absolute_url()).status_code == 404
    assert api(user).get(f"/api/v1/records/{record.public_id}/").status_code == 404
    found = api(user).get("/api/v1/search/", {"q": word}).json()
    assert found["count"] == 0 and found["results"] == []
    page = client.get("/search/", {"q": word}).content.decode()
    assert record.title not in page
    within = api(user).get("/api/v1/search/", {"q": word, "collection": collection.slug}).json()
    assert within["count"] == 0
    body = client.get(collection.get_absolute_url()).content.decode()
    assert record.title not in body and record.public_id not in body
    assert "1 item not available to you" in body
    served = api(user).get(f"/api/v1/collections/{collection.slug}/versions/{version}/").json()
    assert served["hidden_items"] == 1
    export = client.get(f"/collections/{collection.slug}/v/{version}/export.zip")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(export.streaming_content)))
    everything = b"".join(archive.read(name) for name in archive.namelist()).decode()
    assert record.title not in everything and record.public_id not in everything


def test_a_confidential_record_added_by_a_grantee_opens_to_no_collection_grantee(scene):
    """The reported case: the holder of a by-name grant adds the record to a granted
    collection's draft through the API, then publishes it; the collection's grantees (by name
    or by group) still cannot open it anywhere."""
    collection, secret = scene["collection"], scene["confidential"]
    added = api(scene["holder"]).post(
        f"/api/v1/collections/{collection.slug}/items/",
        {"record": secret.public_id},
        format="json",
    )
    assert added.status_code == 201
    coll.collection_publish(collection=collection, by=scene["holder"])
    for who in ("reader", "teammate", "lawyer"):
        assert_closed_to(scene[who], secret, "wombatvoice", collection, version=2)
    # The holder's own by-name grant still opens it.
    assert sign_in(Client(), scene["holder"]).get(secret.get_absolute_url()).status_code == 200


def test_an_editor_cannot_widen_a_collection_grant_with_later_versions(scene):
    """A lawyer (who sees restricted testimony by role) adds some to the granted collection
    and publishes: the researchers granted the collection see only a count."""
    collection, restricted = scene["collection"], scene["restricted"]
    coll.collection_add_item(collection=collection, record=restricted, by=scene["lawyer"])
    for who in ("reader", "teammate"):
        client = sign_in(Client(), scene[who])
        assert client.get(restricted.get_absolute_url()).status_code == 404
    coll.collection_publish(collection=collection, by=scene["lawyer"])
    for who in ("reader", "teammate"):
        assert_closed_to(scene[who], restricted, "numbatwatch", collection, version=2)


def test_a_collection_grant_opens_what_was_published_when_it_was_made(scene, boss):
    """A new grant made after version 2 opens version 2's restricted record, by name and by
    group; a confidential record in it stays closed to every collection grant."""
    collection = scene["collection"]
    holder, restricted, secret = scene["holder"], scene["restricted"], scene["confidential"]
    coll.collection_add_item(collection=collection, record=restricted, by=scene["lawyer"])
    coll.collection_add_item(collection=collection, record=secret, by=holder)
    coll.collection_publish(collection=collection, by=holder)
    later = make_user("later", roles.RESEARCHER)
    grant = access_services.grant_create(collection=collection, user=later, reason="x", by=boss)
    engine.drain()
    client = sign_in(Client(), later)
    assert client.get(restricted.get_absolute_url()).status_code == 200
    assert api(later).get("/api/v1/search/", {"q": "numbatwatch"}).json()["count"] == 1
    assert client.get(secret.get_absolute_url()).status_code == 404
    assert api(later).get("/api/v1/search/", {"q": "wombatvoice"}).json()["count"] == 0
    entry = AuditEntry.objects.filter(action=AuditAction.GRANT_CREATE).order_by("-pk").first()
    assert entry.detail["grant"] == grant.pk and entry.detail["opens_versions_up_to"] == 2


def test_a_collection_grant_needs_a_published_version(boss):
    researcher = make_user("res", roles.RESEARCHER)
    draft = coll.collection_create(title="Unpublished", by=researcher)
    with pytest.raises(ValidationError, match="no published version"):
        access_services.grant_create(collection=draft, user=researcher, reason="x", by=boss)
    assert not draft.grants.exists()
