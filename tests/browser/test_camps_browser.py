"""The facility map in Chromium: script filters marks in place, a click opens the facility
page, and without script the same form filters on the server."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DATASET = Path(__file__).resolve().parents[2] / "seeds" / "gazetteer" / "xjdp-camps-v1.csv"


def test_the_map_filters_and_opens_a_facility(page, browser, live_server, screenshot):
    call_command("import_gazetteer", str(DATASET), stdout=io.StringIO())
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto("/camps/map/")
    marks = page.locator("svg a.mark")
    assert marks.count() == 380
    screenshot("map")
    page.get_by_label("Tier 4: prison").check()
    visible = page.locator("svg a.mark:not([display=none])")
    assert 0 < visible.count() < 380
    assert all(t == "4" for t in visible.evaluate_all("ms => ms.map(m => m.dataset.tier)"))
    assert page.url.endswith("/camps/map/")  # filtered in place, no reload
    screenshot("map-tier-4")
    visible.first.dispatch_event("click")
    page.wait_for_url("**/camps/*/")
    page.wait_for_load_state()
    assert "Tier 4: prison" in page.locator("dl.facility").inner_text()
    assert errors == []

    plain = browser.new_context(base_url=live_server.url, java_script_enabled=False).new_page()
    plain.goto("/camps/map/")
    plain.get_by_label("Prefecture").select_option("Hotan")
    plain.get_by_role("button", name="Filter").click()
    plain.wait_for_url("**prefecture=Hotan**")
    prefectures = plain.locator("svg a.mark").evaluate_all(
        "ms => ms.map(m => m.getAttribute('data-prefecture'))"
    )
    assert prefectures and set(prefectures) == {"Hotan"}
    plain.context.close()
