"""A lawyer searches, narrows by a facet, and jumps to the cited passage, in a real browser."""

import re

import pytest

from tests.browser.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_facet_and_jump_to_the_passage(loaded_seeds, page, screenshot):
    page.goto("/search/")
    page.get_by_label("Search testimony and articles").fill("surveillance cameras")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url("**/search/?q=surveillance+cameras**")
    heading = page.get_by_role("heading", level=1)
    total = int(re.match(r"(\d+)", heading.inner_text())[1])
    assert total > 1
    screenshot("results")

    # Narrow to one organization with the facet form (a plain GET form, no JavaScript).
    page.locator("aside.facets input[name=org][value=hikvision]").check()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**org=hikvision**")
    narrowed = int(re.match(r"(\d+)", heading.inner_text())[1])
    assert 0 < narrowed < total
    assert page.locator("aside.facets input[name=org][value=hikvision]").is_checked()
    screenshot("narrowed")

    link = page.locator("ol.hits .passage a.pn").first
    anchor = link.get_attribute("href").split("#")[1]
    link.click()
    page.wait_for_url(f"**/records/*/#{anchor}")
    target = page.locator(f"section#{anchor}")
    assert target.is_visible()
    assert "mark" not in target.inner_html()  # the record page shows the text as stored
    assert page.evaluate("location.hash") == f"#{anchor}"
    screenshot("passage")


def test_bad_syntax_shows_a_notice_not_an_error(loaded_seeds, page, screenshot):
    page.goto('/search/?q="glove+factory')
    assert page.get_by_role("status").inner_text().startswith("Unbalanced quote")
    assert page.get_by_role("heading", level=1).inner_text() == "1 record"
    screenshot("notice")


def test_the_pages_work_without_javascript(loaded_seeds, browser, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/search/?q=Uyghur")
    page.locator("aside.facets input[name=kind]").first.check()
    page.get_by_role("button", name="Apply filters").click()
    assert "kind=article_excerpt" in page.url
    assert page.get_by_role("heading", level=1).inner_text() == "8 records"
    context.close()


def test_on_a_phone_the_results_come_before_the_filters(loaded_seeds, browser, live_server):
    phone = browser.new_context(
        base_url=live_server.url, viewport={"width": 360, "height": 740}, is_mobile=True
    )
    page = phone.new_page()
    page.goto("/search/?q=surveillance")
    heading = page.locator("#results-heading").bounding_box()
    first_hit = page.locator("ol.hits li.hit").first.bounding_box()
    filters = page.locator("aside.facets").bounding_box()
    page.screenshot(path=str(ARTIFACTS / "search-phone.png"))
    # The first hit is on the first screen; the filters follow the results, one tap away.
    assert heading["y"] < 740 and first_hit["y"] < 740
    assert filters["y"] > first_hit["y"]
    page.get_by_role("link", name="Filters").click()
    assert page.evaluate("location.hash") == "#filters"
    phone.close()

    wide = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = wide.new_page()
    page.goto("/search/?q=surveillance")
    filters = page.locator("aside.facets").bounding_box()
    results = page.locator("section.results").bounding_box()
    assert filters["x"] < results["x"] and abs(filters["y"] - results["y"]) < 5
    assert not page.get_by_role("link", name="Filters").is_visible()
    page.screenshot(path=str(ARTIFACTS / "search-wide.png"))
    wide.close()


def test_an_empty_search_offers_ways_in(loaded_seeds, page, screenshot):
    page.goto("/search/")
    screenshot("browse")
    lists = page.locator("section.browse section.summary-list")
    assert lists.locator("h2").all_inner_texts() == ["Camps", "Practices", "Technologies", "Years"]
    year = lists.last.locator("a").first
    label, count = year.inner_text(), int(year.locator("xpath=../span").inner_text())
    year.click()
    page.wait_for_url(f"**/search/?year={label}")
    assert page.locator("#results-heading").inner_text().startswith(f"{count} record")


def test_on_a_phone_the_search_box_and_the_menu_fit_the_screen(loaded_seeds, browser, live_server):
    phone = browser.new_context(
        base_url=live_server.url, viewport={"width": 360, "height": 740}, is_mobile=True
    )
    page = phone.new_page()
    page.goto("/search/?q=camp")
    page.screenshot(path=str(ARTIFACTS / "search-phone-top.png"))
    button = page.locator("form.search").get_by_role("button", name="Search").bounding_box()
    assert button["x"] + button["width"] <= 360
    # Each menu entry stays on one line: a wrapped "Query syntax" reads as two links.
    for link in page.locator("header.site nav a").all():
        line_height = float(link.evaluate("a => parseFloat(getComputedStyle(a).lineHeight)"))
        assert link.bounding_box()["height"] < 1.5 * line_height, link.inner_text()
    phone.close()
