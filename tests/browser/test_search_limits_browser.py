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
    assert page.get_by_role("heading", level=1).inner_text() == "0 records"
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
    screenshot("throttled")
