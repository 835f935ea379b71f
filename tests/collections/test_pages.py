"""Collection pages: who sees which collection, a collection never widens access to its
items, grants on collections, search within a collection, add to collection, the editor."""

import datetime as dt

import pytest
from django.utils import timezone

from archive import roles
from archive.models import Collection
from archive.search import engine
from archive.services import access as access_services
from archive.services import collections as coll
from archive.services import intake
from tests.factories import make_record, make_user, sign_in

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "researcher", "lawyer", "archivist", "viewer", "editor", "curator"]


@pytest.fixture
def boss():
    return make_user("boss", roles.ARCHIVIST)


@pytest.fixture
def people(boss):
    return {
        "anonymous": None,
        "researcher": make_user("res", roles.RESEARCHER),
        "lawyer": make_user("law", roles.LAWYER),
        "archivist": boss,
        "viewer": make_user("viewer", roles.RESEARCHER),
        "editor": make_user("editor", roles.RESEARCHER),
        "curator": make_user("curator", roles.LAWYER),
    }


@pytest.fixture
def records(boss):
    def publish(text, title, **fields):
        record = make_record(text, title=title, **fields)
        intake.publish(record=record, by=boss)
        return record

    return {
        "open": publish("Cameras at the zebrafinch gate.", "Open article"),
        "restricted": publish(
            "The quokkawitness account of the gate.",
            "Secret testimony title",
            kind="testimony",
            access_level="restricted",
        ),
    }


def build(people, records, visibility, published=True):
    curator = people["curator"]
    collection = coll.collection_create(title=f"Bundle {visibility}", by=curator)
    for record in records.values():
        coll.collection_add_item(collection=collection, record=record, by=curator)
    coll.collection_share(collection=collection, by=curator, user=people["viewer"], role="viewer")
    coll.collection_share(collection=collection, by=curator, user=people["editor"], role="editor")
    coll.collection_update(collection=collection, by=curator, visibility=visibility)
    if published:
        coll.collection_publish(collection=collection, by=curator)
    return collection


def client_for(client, user):
    if user is not None:
        sign_in(client, user)
    return client


# Who may open a collection's page, by visibility (published collections).
READERS = {
    "private": {"archivist", "curator"},
    "shared": {"archivist", "curator", "viewer", "editor"},
    "public": set(ROLES),
}


@pytest.mark.parametrize("visibility", ["private", "shared", "public"])
@pytest.mark.parametrize("role", ROLES)
def test_collection_pages_follow_visibility_and_never_widen_access(
    client, people, records, visibility, role
):
    collection = build(people, records, visibility)
    client = client_for(client, people[role])
    page = client.get(collection.get_absolute_url())
    listing = client.get("/collections/").content.decode()
    if role not in READERS[visibility]:
        assert page.status_code == 404
        assert client.get(f"/collections/{collection.slug}/v/1/").status_code == 404
        assert collection.title not in listing
        return
    assert page.status_code == 200
    assert collection.title in listing
    body = page.content.decode()
    assert "Open article" in body
    sees_restricted = role in ("lawyer", "archivist", "curator")
    if sees_restricted:
        assert "Secret testimony title" in body and "2 items" in body
    else:
        # SECURITY: only a count; no title, no identifier, no text of the hidden item.
        assert "Secret testimony title" not in body
        assert records["restricted"].public_id not in body
        assert "quokkawitness" not in body
        assert "1 item;" in body and "1 item not available to you" in body


def test_drafts_are_for_editors_only(client, people, records):
    collection = build(people, records, "public", published=False)
    assert client.get(collection.get_absolute_url()).status_code == 404
    sign_in(client, people["viewer"])
    assert client.get(collection.get_absolute_url()).status_code == 404
    sign_in(client, people["curator"])
    page = client.get(collection.get_absolute_url(), follow=True)
    assert page.redirect_chain[-1][0].endswith("/edit/")


def test_a_grant_on_a_collection_opens_it_and_its_records_until_it_expires(
    client, people, records, boss
):
    collection = build(people, records, "private")
    reader = people["researcher"]
    secret = records["restricted"]
    grant = access_services.grant_create(
        collection=collection,
        user=reader,
        reason="expert witness",
        by=boss,
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    sign_in(client, reader)
    body = client.get(collection.get_absolute_url()).content.decode()
    assert "Secret testimony title" in body
    assert client.get(secret.get_absolute_url()).status_code == 200
    type(grant).objects.filter(pk=grant.pk).update(expires_at=timezone.now())
    assert client.get(collection.get_absolute_url()).status_code == 404
    assert client.get(secret.get_absolute_url()).status_code == 404


def test_search_within_a_collection_finds_only_its_records(client, people, records, boss):
    outside = make_record("Cameras at the zebrafinch market.", title="Outside")
    intake.publish(record=outside, by=boss)
    collection = build(people, records, "public")
    engine.drain()
    everywhere = client.get("/api/v1/search/", {"q": "zebrafinch"}).json()
    assert {r["title"] for r in everywhere["results"]} == {"Open article", "Outside"}
    within = client.get("/api/v1/search/", {"q": "zebrafinch", "collection": collection.slug})
    assert [r["title"] for r in within.json()["results"]] == ["Open article"]
    # The restricted item stays out of an anonymous search within the collection too.
    hidden = client.get("/api/v1/search/", {"q": "quokkawitness", "collection": collection.slug})
    assert hidden.json()["count"] == 0
    forged = client.get("/api/v1/search/", {"q": "zebrafinch", "collection": "no-such"}).json()
    assert forged["count"] == 0 and "No such collection" in forged["notice"]


def test_add_to_collection_from_a_record_page_or_a_search_result(client, people, records):
    curator = people["curator"]
    collection = coll.collection_create(title="Mine", by=curator)
    sign_in(client, curator)
    record = records["open"]
    response = client.post(
        "/collections/add/",
        {
            "collection": collection.slug,
            "record": record.public_id,
            "passage": "1",
            "next": "/search/?q=gate",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/search/?q=gate"
    assert list(collection.items.values_list("record__public_id", "passage_number")) == [
        (record.public_id, 1)
    ]
    # A foreign redirect target is replaced by the record page.
    response = client.post(
        "/collections/add/",
        {"collection": collection.slug, "record": record.public_id, "next": "https://evil.test/"},
    )
    assert response["Location"] == record.get_absolute_url()
    # A forged collection or a record the user may not see: 404, nothing added.
    other = coll.collection_create(title="Theirs", by=people["lawyer"])
    for data in (
        {"collection": other.slug, "record": record.public_id},
        {"collection": collection.slug, "record": "T-999999"},
        {"collection": collection.slug, "record": record.public_id, "passage": "99"},
    ):
        status = client.post("/collections/add/", data).status_code
        assert status in (302, 404)
    assert collection.items.count() == 2
    sign_in(client, people["researcher"])
    response = client.post(
        "/collections/add/", {"collection": collection.slug, "record": record.public_id}
    )
    assert response.status_code == 404


def test_the_editor_annotates_moves_removes_shares_and_publishes(client, people, records):
    curator = people["curator"]
    collection = coll.collection_create(title="Editor test", by=curator)
    a, _ = coll.collection_add_item(collection=collection, record=records["open"], by=curator)
    b, _ = coll.collection_add_item(collection=collection, record=records["restricted"], by=curator)
    sign_in(client, curator)
    url = f"/collections/{collection.slug}/items/"
    client.post(f"{url}{b.pk}/", {"action": "annotate", "annotation": "Key account"})
    client.post(f"{url}{b.pk}/", {"action": "up"})
    order = list(collection.items.order_by("position").values_list("pk", "annotation"))
    assert order == [(b.pk, "Key account"), (a.pk, "")]
    client.post(f"/collections/{collection.slug}/shares/", {"username": "viewer", "role": "viewer"})
    assert collection.shares.get().user == people["viewer"]
    response = client.post(f"/collections/{collection.slug}/publish/", {"note": "For the hearing"})
    version = collection.versions.get()
    assert response["Location"] == version.get_absolute_url()
    assert (version.note, version.items.count()) == ("For the hearing", 2)
    client.post(f"{url}{a.pk}/", {"action": "remove"})
    assert collection.items.count() == 1 and version.items.count() == 2
    # Someone else's collection, or an item of another collection: 404.
    sign_in(client, people["editor"])
    assert client.get(f"/collections/{collection.slug}/edit/").status_code == 404
    assert client.post(f"{url}{b.pk}/", {"action": "remove"}).status_code == 404


def test_descriptions_are_markdown_rendered_safely(client, people, records):
    curator = people["curator"]
    collection = coll.collection_create(
        title="Markdown",
        by=curator,
        visibility="public",
        description=(
            "**Bold** <script>alert(1)</script> [bad](javascript:alert(1)) "
            "![tracker](https://tracker.example/pixel.png)"
        ),
    )
    coll.collection_add_item(collection=collection, record=records["open"], by=curator)
    coll.collection_publish(collection=collection, by=curator)
    body = client.get(collection.get_absolute_url()).content.decode()
    assert "<strong>Bold</strong>" in body
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body
    assert 'href="javascript:' not in body
    assert "<img" not in body
    assert Collection.objects.get(pk=collection.pk).description.startswith("**Bold**")


def test_the_record_page_offers_add_to_collection_to_editors_only(client, people, records):
    curator = people["curator"]
    coll.collection_create(title="Case file", by=curator)
    record = records["open"]
    assert "Add to collection" not in client.get(record.get_absolute_url()).content.decode()
    sign_in(client, people["researcher"])  # may create collections, but has none yet
    assert "Add to collection" not in client.get(record.get_absolute_url()).content.decode()
    sign_in(client, curator)
    body = client.get(record.get_absolute_url()).content.decode()
    assert "Add to collection" in body and "Case file" in body
    assert '<option value="1">¶1</option>' in body


def test_a_version_page_offers_its_citation_and_its_export(client, people, records):
    collection = build(people, records, "public")
    body = client.get(collection.get_absolute_url()).content.decode()
    assert f"/collections/{collection.slug}/v/1/export.zip" in body
    assert "Cite version 1 of this collection" in body
    assert f"/collections/{collection.slug}/v/1/cite?format=bibtex" in body
    version = collection.versions.get()
    assert version.manifest_hash in body


def test_items_are_listed_a_page_at_a_time(client, people, records, monkeypatch):
    from archive.views import collections as views

    monkeypatch.setattr(views, "ITEMS_PER_PAGE", 1)
    collection = build(people, records, "public")
    first = client.get(collection.get_absolute_url()).content.decode()
    assert "Page 1 of" not in first  # anonymous: one visible item, the other only counted
    sign_in(client, people["curator"])
    first = client.get(collection.get_absolute_url()).content.decode()
    second = client.get(collection.get_absolute_url(), {"page": 2}).content.decode()
    assert "Page 1 of 2" in first and "Open article" in first
    assert "Page 2 of 2" in second and "Secret testimony title" in second
    assert "Open article" not in second


@pytest.mark.parametrize(
    ("role", "says"),
    [
        ("anonymous", "the ones they publish for everyone appear here"),
        ("researcher", "Make one below, then add records or passages to it"),
    ],
)
def test_an_empty_list_says_what_would_fill_it(client, people, role, says):
    if people[role]:
        sign_in(client, people[role])
    page = client.get("/collections/").content.decode()
    assert says in page
