"""A reader who pastes too much into the search box, or searches too fast, is told so in the
page, in a real browser; nothing is searched and nothing breaks."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_pasted_wall_of_text_is_refused_with_a_message(loaded_seeds, page, screenshot):
    page.goto("/search/")
    page.get_by_label("Search testimony and articles").fill("surveillance " * 60)
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url("**/search/?q=surveillance**")
    notice = page.get_by_role("status").inner_text()
    assert "over 500 characters long: nothing was searched" in notice
    # Nothing was searched, so no count is shown: "0 records" would say the archive has none.
    assert page.get_by_text("0 records").count() == 0
    assert page.get_by_role("heading", level=1, name="Nothing was searched").count() == 1
    assert page.get_by_label("Sort by").count() == 0
    screenshot("too-long")


def test_searching_too_fast_is_told_when_to_try_again(loaded_seeds, page, settings, screenshot):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "search_anon": "2/minute",
        },
    }
    page.goto("/search/")  # the empty page is not counted
    for _ in range(2):
        assert page.goto("/search/?q=camp").status == 200
    response = page.goto("/search/?q=camp")
    assert response.status == 429 and int(response.headers["retry-after"]) > 0
    assert page.get_by_role("status").inner_text().startswith("Too many searches")
    assert page.get_by_label("Search testimony and articles").input_value() == "camp"
    assert page.get_by_text("0 records").count() == 0
    screenshot("throttled")


def test_the_record_page_over_the_search_rate_shows_the_record(
    loaded_seeds, page, settings, screenshot
):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "search_anon": "1/minute",
        },
    }
    from archive.models import Record

    record = Record.objects.get(import_key="seed-003-2")
    page.goto(record.get_absolute_url())
    similar = page.get_by_role("complementary", name="More like this")
    assert similar.get_by_role("link").count() > 0
    response = page.goto(record.get_absolute_url())
    assert response.status == 200
    assert page.get_by_role("heading", level=1).inner_text() == record.title
    assert similar.get_by_role("link").count() == 0
    assert similar.get_by_role("status").inner_text().startswith("Not shown. Too many searches")
    screenshot("similar-throttled")
