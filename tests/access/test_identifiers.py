"""What a reader can list of identifiers tells them nothing about the records they cannot
see (their number, their order, where they sit), and the random form works everywhere an
identifier goes: pages, API, search, citations, collections."""

import datetime as dt

import bibtexparser
import pytest
from django.test import Client
from django.utils import timezone

from archive import identifiers, roles
from archive.search import engine
from archive.services import access as access_services
from archive.services import collections as coll
from archive.services import intake
from tests.factories import make_record, make_user, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss():
    return make_user("boss", roles.ARCHIVIST)


def _value(public_id: str) -> int:
    return int("".join(f"{identifiers.ALPHABET.index(s):05b}" for s in public_id[2:]), 2)


def _hidden_kinds(boss, n: int):
    """The n-th way a record stays hidden from an anonymous reader."""
    record = make_record(f"Hidden kiwiquiet account {n}.", title=f"Hidden {n}")
    way = n % 5
    if way == 0:
        return record  # a draft
    if way == 1:
        access_services.record_set_access(record=record, by=boss, access_level="restricted")
    elif way == 2:
        access_services.record_set_access(record=record, by=boss, access_level="confidential")
    elif way == 3:
        tomorrow = timezone.now().date() + dt.timedelta(days=3)
        access_services.record_set_access(record=record, by=boss, embargo_until=tomorrow)
    intake.publish(record=record, by=boss)
    if way == 4:  # published, then restricted
        access_services.record_set_access(
            record=record, by=boss, access_level="restricted", note="consent narrowed"
        )
    return record


def test_listed_identifiers_say_nothing_about_hidden_records(client, boss):
    """Twelve public records with 0, 1, 2 ... hidden records made between them: the
    identifiers a reader can list follow neither the order the records were made in nor the
    number of records made in between."""
    shown, hidden_between, n = [], [], 0
    for i in range(12):
        record = make_record(f"Public kiwiloud article {i}.", title=f"Loud {i}")
        intake.publish(record=record, by=boss)
        shown.append(record.public_id)
        for _ in range(i % 4):
            _hidden_kinds(boss, n)
            n += 1
        hidden_between.append(i % 4)
    engine.drain()
    listed, url = [], "/api/v1/records/?page_size=100"
    while url:
        page = client.get(url).json()
        listed += [r["id"] for r in page["results"]]
        url = page["next"]
    found = client.get("/api/v1/search/", {"q": "kiwiloud", "page_size": 50}).json()
    assert set(shown) <= set(listed)
    assert {r["id"] for r in found["results"]} == set(shown)
    assert client.get("/api/v1/search/", {"q": "kiwiquiet"}).json()["count"] == 0
    assert all(identifiers.is_valid(i) and len(i) == 11 for i in shown)
    values = [_value(i) for i in shown]
    assert values != sorted(values) and values != sorted(values, reverse=True)
    steps = [b - a for a, b in zip(values, values[1:], strict=False)]
    assert steps != [h + 1 for h in hidden_between[:-1]]
    assert len(set(steps)) > 1


def test_a_random_identifier_works_on_every_surface(client, boss):
    record = make_record("Cameras at the kiwigate checkpoint.", "Second line.", title="Kiwigate")
    intake.publish(record=record, by=boss)
    engine.drain()
    public_id = record.public_id
    n = record.versions.filter(state="published").order_by("number").last().number
    assert client.get(f"/records/{public_id}/").status_code == 200
    assert client.get(f"/records/{public_id}/v/{n}/").status_code == 200
    assert client.get(f"/api/v1/records/{public_id}/").json()["id"] == public_id
    [hit] = client.get("/api/v1/search/", {"q": "kiwigate"}).json()["results"]
    assert hit["id"] == public_id and hit["url"].endswith(f"/records/{public_id}/")
    cite = client.get(f"/records/{public_id}/v/{n}/p/1/cite", {"format": "bibtex"})
    [entry] = bibtexparser.parse_string(cite.content.decode()).entries
    assert entry.key == f"{public_id.replace('-', '')}v{n}p1"
    assert f"/records/{public_id}/v/{n}/" in cite.content.decode()
    # A typo changes the identifier into one that is not valid, and answers 404.
    typo = public_id[:-1] + ("0" if public_id[-1] != "0" else "1")
    assert not identifiers.is_valid(typo)
    assert client.get(f"/records/{typo}/").status_code == 404
    # As a person may copy it: any case, O for 0, I or L for 1 (Crockford's reading rules).
    typed = public_id.lower().replace("0", "o").replace("1", "l")
    assert client.get(f"/records/{typed}/").status_code == 200
    assert client.get(f"/api/v1/records/{typed}/").json()["id"] == public_id
    assert client.get(f"/records/{typed}/v/{n}/cite", {"format": "bibtex"}).status_code == 200
    researcher = make_user("res", roles.RESEARCHER)
    bundle = coll.collection_create(title="Kiwi", by=researcher)
    api = sign_in(Client(), researcher)
    added = api.post(
        f"/api/v1/collections/{bundle.slug}/items/",
        {"record": typed, "passage": 2},
        content_type="application/json",
    )
    assert added.status_code == 201, added.content
    assert added.json()["record"] == public_id
