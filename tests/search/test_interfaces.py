"""The search page, its JSON twin, the record page and the help page."""

import pytest

from archive.models import Record
from tests.search.helpers import seed_id

pytestmark = pytest.mark.django_db


def test_search_page_renders_results_facets_and_passage_links(client):
    response = client.get("/search/", {"q": '"sham trials"'})
    body = response.content.decode()
    assert response.status_code == 200
    assert "1 record" in body
    assert f'href="/records/{seed_id("seed-003-4")}/#p' in body
    assert "<mark>sham</mark>" in body
    assert 'type="checkbox" name="practice"' in body  # the facet sidebar, a plain form
    assert "<script" not in body  # works without JavaScript


def test_search_page_with_bad_syntax_explains_itself(client):
    body = client.get("/search/", {"q": '"glove factory'}).content.decode()
    assert "Unbalanced quote" in body and "1 record" in body


def test_search_page_ignores_nonsense_parameters(client):
    response = client.get(
        "/search/", {"q": "Uyghur", "page": "x", "sort": "evil", "org": "a" * 500}
    )
    assert response.status_code == 200 and "8 records" in response.content.decode()


def test_json_search_has_the_documented_shape(client):
    body = client.get(
        "/api/v1/search/", {"q": "Hikvision", "org": "hikvision", "sort": "date"}
    ).json()
    assert set(body) >= {"count", "results", "facets", "suggestion", "notice"}
    assert body["count"] == 3 == len(body["results"])
    hit = body["results"][0]
    assert set(hit) == {"id", "kind", "title", "date", "url", "score", "passages"}
    assert hit["url"] == f"http://testserver/records/{hit['id']}/"  # absolute, to cite
    assert hit["passages"] and set(hit["passages"][0]) == {"n", "highlight", "url"}
    assert hit["passages"][0]["url"] == f"{hit['url']}#p{hit['passages'][0]['n']}"
    assert set(body["facets"]) == {
        "kind",
        "camp",
        "practice",
        "technology",
        "org",
        "place",
        "lang",
        "year",
    }
    org = {f["slug"]: f for f in body["facets"]["org"]}
    assert org["hikvision"] == {"slug": "hikvision", "label": "Hikvision", "count": 3}


def test_json_search_repeats_facet_parameters(client):
    one = client.get("/api/v1/search/", {"org": ["huawei"]}).json()["count"]
    two = client.get(
        "/api/v1/search/", {"org": ["huawei", "society-for-threatened-peoples"]}
    ).json()["count"]
    assert two == one + 1 and one == 3


def test_record_page_has_passage_anchors_tags_hash_and_similar_records(client):
    record = Record.objects.get(import_key="seed-004")
    body = client.get(f"/records/{record.public_id}/").content.decode()
    assert 'id="p17"' in body and "一体化联合作战平台" in body
    assert record.content_hash in body
    assert 'href="/terms/hikvision/"' in body  # record tags open their term pages
    assert "More like this" in body


def test_more_like_this_api(client):
    record = Record.objects.get(import_key="seed-003-2")
    body = client.get(f"/api/v1/records/{record.public_id}/more-like-this/").json()
    assert body["id"] == record.public_id
    assert body["results"] and record.public_id not in [r["id"] for r in body["results"]]


def test_help_page_documents_every_form(client):
    body = client.get("/search/help/").content.decode()
    for example in [
        '"sham trials"',
        "~5",
        " OR ",
        "NOT",
        "detain*",
        "camp:",
        "year:2017..2019",
        "联合作战",
    ]:
        assert example in body.replace("&quot;", '"'), example


def test_search_page_shows_an_edited_hit_as_it_is_now(client):
    """Rendered hits are reused for the same shown values; an edit changes them."""
    from django.utils.html import escape

    from archive.search import engine
    from archive.services.records import PassageInput, record_set_passages, record_update

    record = Record.objects.get(public_id=seed_id("seed-003-4"))
    old_title = escape(record.title)
    assert old_title in client.get("/search/", {"q": '"sham trials"'}).content.decode()
    record_update(record=record, title="Retitled account of the trials", note="title fixed")
    passages = [PassageInput(p.text, p.role) for p in record.passages.order_by("position")]
    passages[0] = PassageInput(passages[0].text + " Sham trials again.", passages[0].role)
    record_set_passages(record=record, passages=passages, note="typo")
    engine.drain()
    again = client.get("/search/", {"q": '"sham trials"'}).content.decode()
    assert "Retitled account of the trials" in again and old_title not in again
    assert "<mark>Sham</mark> <mark>trials</mark> again" in again
