"""What every page shares, in Chromium: an icon that exists (no request for a missing
/favicon.ico), the API schema readable in the browser rather than downloaded, and a way
from the API docs back to the site."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = ["/", "/search/?q=camp", "/about/", "/accounts/login/", "/api/v1/docs/"]


def test_every_kind_of_page_names_an_icon_that_exists(page, archivist_session):
    missing = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    for path in PAGES:
        page.goto(path)
        icon = page.locator("link[rel=icon]")
        assert icon.count() == 1, path
        href = icon.get_attribute("href")
        assert page.request.get(href).status == 200, (path, href)
    favicon = page.request.get("/favicon.ico")
    assert favicon.status == 200 and favicon.headers["content-type"] == "image/svg+xml"
    archivist_session("keeper", "/admin/")
    assert page.locator("link[rel=icon]").count() == 1
    assert missing == []


def test_the_schema_reads_in_the_browser_and_the_docs_lead_back(page, live_server, screenshot):
    page.goto("/api/v1/docs/")
    page.locator(".swagger-ui .info .title").wait_for()
    screenshot("docs")
    page.get_by_role("link", name="Schema (OpenAPI YAML)").click()
    page.wait_for_url("**/api/v1/schema/")
    assert "openapi: 3" in page.locator("pre.schema").inner_text()
    screenshot("schema")
    page.get_by_role("link", name="Testimony Archive API").click()
    page.wait_for_url("**/api/v1/docs/")
    page.get_by_role("link", name="← Testimony Archive").click()
    page.wait_for_url(f"{live_server.url}/")


def test_programs_still_get_yaml_or_json(client):
    assert client.get("/api/v1/schema/")["Content-Type"].startswith("application/vnd.oai.openapi")
    as_json = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert as_json.json()["openapi"].startswith("3.")
