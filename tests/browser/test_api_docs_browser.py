"""The API docs page in Chromium: Swagger UI renders every endpoint group from our own
static files, under the CSP, with no violation and nothing loaded from another host (the
`page` fixture refuses and reports any other host)."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Reports every CSP violation, inline or not, before any script of the page runs.
LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


def test_docs_page_renders_the_endpoints_under_the_csp(page, live_server, screenshot):
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.add_init_script(LISTEN)
    requested = []
    page.on("request", lambda r: requested.append(r.url))

    page.goto("/api/v1/docs/")
    page.locator(".swagger-ui .info .title").wait_for()
    assert "Testimony Archive API" in page.locator(".swagger-ui .info .title").inner_text()
    page.locator(".opblock-summary-path").first.wait_for()
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    for path in ("/api/v1/records/", "/api/v1/collections/", "/api/v1/search/"):
        assert any(shown.replace("\u200b", "") == path for shown in paths), (path, paths)
    # Shown only to those who may use it (an archivist).
    assert not any("audit" in shown for shown in paths), paths
    screenshot("docs")

    assert page.evaluate("window.__cspViolations") == []
    assert problems == [], problems
    assert all(url.startswith(live_server.url) for url in requested), requested


def test_docs_page_text_has_enough_contrast(browser, live_server):
    from tests.browser.test_pages_browser import AXE

    # axe is injected as a script, which the page's CSP rightly forbids: scan with CSP off.
    context = browser.new_context(base_url=live_server.url, bypass_csp=True)
    page = context.new_page()
    page.goto("/api/v1/docs/")
    page.locator(".opblock-summary-method").first.wait_for()
    page.evaluate(AXE)
    faint = page.evaluate(
        """async () => (await axe.run(document, {runOnly: ['color-contrast']})).violations
            .flatMap(v => v.nodes.map(n => n.target.join(' ')))"""
    )
    context.close()
    assert faint == []
