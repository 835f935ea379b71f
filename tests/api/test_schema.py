"""The OpenAPI schema validates, documents every endpoint, and the docs page loads nothing
from another host; the existing JSON endpoints keep their shape."""

import re

import pytest
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db


def test_schema_is_valid_openapi_3(client):
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
        "/api/v1/tokens/",
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
