"""A reader copies a record's citation with one click, without breaking the CSP; without
script the citation is still there to select; a passage's "cite" link gives its citation."""

import pytest

from tests.collections.cited import build_corpus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reader_copies_the_citation_of_a_record(page, browser, live_server, screenshot):
    corpus = build_corpus()
    record = corpus.testimony
    version = record.versions.order_by("-number").first()
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)

    page.goto(record.get_absolute_url())
    box = page.locator("section.citation")
    assert box.is_visible()
    chicago = box.locator("pre.cite-text").first
    text = chicago.inner_text()
    assert text.startswith("Narrator Q-17 [pseud.]. “Camp {B} & 50%")
    assert f"/records/{record.public_id}/v/{version.number}/" in text
    assert version.version_hash in text
    box.get_by_role("button", name="Copy Chicago").click()
    button = box.locator("button.copied")
    assert button.inner_text() == "Copied"
    assert page.evaluate("navigator.clipboard.readText()") == text
    assert "Copied to the clipboard." in box.inner_text()
    box.scroll_into_view_if_needed()
    screenshot("copied")
    assert problems == [], problems

    # The BibTeX link downloads a file named by the citation key.
    with page.expect_download() as download:
        box.get_by_role("link", name="BibTeX").click()
    assert download.value.suggested_filename == f"T{record.public_id[2:]}v{version.number}.bib"

    # Without script: no button, the text still on the page.
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    still = context.new_page()
    still.goto(record.get_absolute_url())
    assert still.locator("section.citation pre.cite-text").first.inner_text() == text
    assert not still.locator("section.citation button.copy").first.is_visible()
    context.close()


def test_a_passage_cite_link_gives_that_passage(page, live_server):
    corpus = build_corpus()
    record = corpus.article
    version = record.versions.order_by("-number").first()
    page.goto(f"/records/{record.public_id}/v/{version.number}/")
    page.get_by_role("link", name="cite ¶2").click()
    body = page.locator("body").inner_text()
    assert f"/records/{record.public_id}/v/{version.number}/#p2" in body
    assert version.snapshot["passages"][1]["sha256"] in body
