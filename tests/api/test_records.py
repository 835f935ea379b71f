"""Records, record versions and terms through the API, for every role: hidden records answer
404 and never show in lists, counts or filters; sensitive views are audited."""

import pytest

from archive.models import AuditEntry
from archive.models.audit import AuditAction
from tests.api.conftest import SECRET_TITLE

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "researcher", "lawyer", "archivist"]
SEES_RESTRICTED = {"lawyer", "archivist"}


def _ids(response):
    return {row["id"] for row in response["results"]}


@pytest.mark.parametrize("role", ROLES)
def test_list_and_counts_hold_only_visible_records(people, records, api_for, role):
    client = api_for(people[role])
    everything = client.get("/api/v1/records/", {"page_size": 200}).json()
    ids = {row["id"] for row in everything["results"]}
    assert records["open"].public_id in ids
    assert (records["restricted"].public_id in ids) == (role in SEES_RESTRICTED)
    assert (records["draft"].public_id in ids) == (role == "archivist")
    assert everything["count"] == len(ids)
    # A filter that matches only the hidden record counts nothing, for whoever may not see it.
    testimony = client.get("/api/v1/records/", {"kind": "testimony"}).json()
    assert testimony["count"] == (1 if role in SEES_RESTRICTED else 0)
    assert SECRET_TITLE not in str(everything) or role in SEES_RESTRICTED


@pytest.mark.parametrize("role", ROLES)
def test_detail_and_versions_answer_404_when_hidden(people, records, api_for, role):
    client = api_for(people[role])
    restricted = records["restricted"].public_id
    hidden = client.get(f"/api/v1/records/{restricted}/")
    missing = client.get("/api/v1/records/Z-999999/")
    assert missing.status_code == 404
    if role in SEES_RESTRICTED:
        body = hidden.json()
        assert body["title"] == SECRET_TITLE
        assert body["passages"][0]["number"] == 1
        assert len(body["passages"][0]["sha256"]) == 64
        number = body["versions"][-1]["number"]
        version = client.get(f"/api/v1/records/{restricted}/versions/{number}/")
        assert version.status_code == 200
        assert version.json()["snapshot"]["title"] == SECRET_TITLE
    else:
        assert hidden.status_code == 404
        assert hidden.json() == missing.json()
        assert client.get(f"/api/v1/records/{restricted}/versions/1/").status_code == 404


def test_draft_versions_are_for_archivists_only(people, records, api_for):
    open_id = records["open"].public_id
    reader = api_for(people["researcher"]).get(f"/api/v1/records/{open_id}/").json()
    boss = api_for(people["archivist"]).get(f"/api/v1/records/{open_id}/").json()
    readable = {v["number"] for v in reader["versions"]}
    every = {v["number"] for v in boss["versions"]}
    assert readable < every
    draft = min(every - readable)
    assert api_for(people["researcher"]).get(
        f"/api/v1/records/{open_id}/versions/{draft}/"
    ).status_code == 404  # fmt: skip


def test_viewing_a_restricted_record_is_audited(people, records, api_for):
    client = api_for(people["lawyer"])
    record = records["restricted"]
    client.get(f"/api/v1/records/{record.public_id}/")
    client.get(f"/api/v1/records/{record.public_id}/versions/{record.versions.last().number}/")
    entries = AuditEntry.objects.filter(
        action=AuditAction.RECORD_VIEW, target_id=record.public_id, actor=people["lawyer"]
    )
    assert entries.count() == 2
    assert {e.channel for e in entries} == {"api"}
    assert entries.filter(detail__has_key="version").count() == 1


def test_state_filter_is_for_archivists_only(people, records, api_for):
    boss = api_for(people["archivist"]).get("/api/v1/records/", {"state": "draft"}).json()
    assert _ids(boss) >= {records["draft"].public_id}
    assert all(row["state"] == "draft" for row in boss["results"])
    reader = api_for(people["researcher"]).get("/api/v1/records/", {"state": "draft"}).json()
    assert records["draft"].public_id not in _ids(reader)


def test_tag_year_and_language_filters(records, api_for):
    client = api_for(None)
    seeds = client.get("/api/v1/records/", {"page_size": 200}).json()
    assert seeds["count"] > 1
    assert client.get("/api/v1/records/", {"camp": "no-such-camp"}).json()["count"] == 0
    assert client.get("/api/v1/records/", {"year": "abc"}).json()["count"] == 0
    english = client.get("/api/v1/records/", {"language": "en", "page_size": 200}).json()
    assert records["open"].public_id in _ids(english)


def test_tag_filter_finds_tagged_seed_records(api_for, records):
    client = api_for(None)
    rows = client.get("/api/v1/records/", {"page_size": 200}).json()["results"]
    tag = next(
        tag for row in rows for tag in client.get(row["api_url"]).json()["tags"]
    )  # fmt: skip
    parameter = {"organization": "org", "ethnic_group": "group"}.get(tag["kind"], tag["kind"])
    tagged = client.get("/api/v1/records/", {parameter: tag["slug"]}).json()
    assert tagged["count"] >= 1
    for row in tagged["results"]:
        detail = client.get(row["api_url"]).json()
        assert tag["slug"] in {t["slug"] for t in detail["tags"]}


def test_pagination(records, api_for):
    client = api_for(None)
    first = client.get("/api/v1/records/", {"page_size": 2}).json()
    assert len(first["results"]) == 2
    assert first["next"] and first["previous"] is None
    second = client.get(first["next"]).json()
    assert not _ids(first) & _ids(second)
    huge = client.get("/api/v1/records/", {"page_size": 100_000}).json()
    assert len(huge["results"]) <= 200
    assert client.get("/api/v1/records/", {"page": 9999}).status_code == 404


def test_terms_list_search_and_detail(db, api_for):
    client = api_for(None)
    terms = client.get("/api/v1/terms/", {"q": "Uighur"}).json()
    assert terms["count"] >= 1
    slug = terms["results"][0]["slug"]
    detail = client.get(f"/api/v1/terms/{slug}/").json()
    assert {"aliases", "external_ids", "broader", "narrower"} <= detail.keys()
    assert "Uighur" in {alias["label"] for alias in detail["aliases"]}
    assert client.get("/api/v1/terms/no-such-term/").status_code == 404


def test_the_record_etag_is_its_version_and_moves_with_each_change(people, records, api_for):
    from archive.services import records as record_services

    client, record = api_for(people["archivist"]), records["open"]
    url = f"/api/v1/records/{record.public_id}/"
    before = client.get(url)
    record.refresh_from_db()
    assert before["ETag"] == f'"{record.edit_version}"'
    record_services.record_update(record=record, title="Renamed", note="a correction")
    record.refresh_from_db()
    assert client.get(url)["ETag"] == f'"{record.edit_version}"' != before["ETag"]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_records_cannot_be_changed_through_the_api(people, records, api_for, method):
    """No API write path can overwrite a record; one added later must take If-Match
    (docs/api.md, "Changing records") and this test with it."""
    client, record = api_for(people["archivist"]), records["open"]
    for url in ("/api/v1/records/", f"/api/v1/records/{record.public_id}/"):
        response = getattr(client, method)(url, {"title": "x"}, format="json")
        assert response.status_code == 405
    record.refresh_from_db()
    assert record.title == "Open article"
