"""The OpenAPI schema validates, documents every endpoint, and the docs page loads nothing
from another host; the existing JSON endpoints keep their shape."""

import re

import pytest
from drf_spectacular.validation import validate_schema

from tests.factories import sign_in

pytestmark = pytest.mark.django_db


def test_schema_is_valid_openapi_3(client, people):
    sign_in(client, people["archivist"])  # shown every endpoint
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)  # against the OpenAPI 3.0 JSON Schema
    for path in (
        "/api/v1/records/",
        "/api/v1/records/{public_id}/versions/{number}/",
        "/api/v1/terms/",
        "/api/v1/collections/{slug}/versions/{number}/items/",
        "/api/v1/audit/",
        "/api/v1/search/",
        "/api/v1/records/{public_id}/more-like-this/",
    ):
        assert path in schema["paths"], path


def test_docs_page_loads_only_our_own_files(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"(src|href)=\"(https?:)?//", html)
    assert "<script>" not in html and "<style>" not in html
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_search_endpoint_keeps_its_shape(client):
    body = client.get("/api/v1/search/", {"q": "camp"}).json()
    assert set(body) == {"count", "page", "pages", "results", "facets", "suggestion", "notice"}


def _operations(schema: dict) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }


def test_the_anonymous_schema_lists_only_what_anonymous_callers_may_use(client, people, records):
    """An endpoint only archivists may use (the audit log), or only accounts (tokens, writes),
    is not advertised to someone who cannot use it; each operation listed answers them."""
    accept = {"HTTP_ACCEPT": "application/vnd.oai.openapi+json"}
    schema = client.get("/api/v1/schema/", **accept).json()
    validate_schema(schema)
    listed = _operations(schema)
    assert not {path for _, path in listed if "audit" in path or "token" in path}
    assert {method for method, _ in listed} == {"GET"}
    assert ("GET", "/api/v1/search/") in listed and ("GET", "/api/v1/records/") in listed
    values = {"public_id": records["open"].public_id, "number": "1", "slug": "no-such", "pk": "1"}
    for _, path in sorted(listed):
        url = re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)
        status = client.get(url).status_code
        assert status in (200, 404), (url, status)  # 404: that particular object, not the path
    # An archivist, verified, is shown the whole API.
    sign_in(client, people["archivist"])
    whole = _operations(client.get("/api/v1/schema/", **accept).json())
    assert ("GET", "/api/v1/audit/") in whole
