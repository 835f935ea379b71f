"""The facility map in Chromium, on a desktop and a phone: every facility or group can be
picked, names never collide, groups open as the map zooms, the counter and the list follow
the filters, and without script the list and the same form still filter on the server."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from archive.models import Camp
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_pages_browser import serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DATASET = Path(__file__).resolve().parents[2] / "seeds" / "gazetteer" / "xjdp-camps-v1.csv"

MARKS_SELECTOR = "#camp-map .leaflet-marker-pane .leaflet-marker-icon"

# Marks (facilities and numbered groups) inside the map whose centre is not theirs to click:
# another mark, a name or a control lies on top of it (an open label the reader asked for may).
COVERED_CENTRES = """() => {
  const frame = document.getElementById('camp-map').getBoundingClientRect();
  return [...document.querySelectorAll(MARKS)]
    .map(icon => [icon, icon.getBoundingClientRect()])
    .filter(([icon, r]) => r.left >= frame.left && r.right <= frame.right
                        && r.top >= frame.top && r.bottom <= frame.bottom)
    .filter(([icon, r]) => {
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      return !(hit && (icon.contains(hit) || hit.closest('.leaflet-popup')));
    })
    .map(([icon]) => icon.title || icon.textContent);
}"""

# Pairs of shown prefecture names whose boxes meet, and names lying on a mark.
COLLISIONS = """() => {
  const meet = (a, b) => a.left < b.right && b.left < a.right
                      && a.top < b.bottom && b.top < a.bottom;
  const names = [...document.querySelectorAll('#camp-map .prefecture-name span')]
    .filter(s => getComputedStyle(s).visibility !== 'hidden')
    .map(s => [s.textContent, s.getBoundingClientRect()]);
  const marks = [...document.querySelectorAll(MARKS)].map(i => i.getBoundingClientRect());
  const out = [];
  names.forEach(([a, ra], i) => names.slice(i + 1).forEach(([b, rb]) => {
    if (meet(ra, rb)) out.push(a + ' / ' + b);
  }));
  names.forEach(([a, ra]) => { if (marks.some(m => meet(ra, m))) out.push(a + ' on a mark'); });
  return {shown: names.length, collisions: out};
}"""

# How many facilities the marks stand for: a group counts its members.
FACILITIES_DRAWN = """() => [...document.querySelectorAll(MARKS)].reduce((n, icon) =>
  n + (icon.classList.contains('facility-cluster') ? parseInt(icon.textContent, 10) : 1), 0)"""


def js(snippet: str) -> str:
    return snippet.replace("MARKS", repr(MARKS_SELECTOR))


COVERED_CENTRES, COLLISIONS, FACILITIES_DRAWN = map(
    js, (COVERED_CENTRES, COLLISIONS, FACILITIES_DRAWN)
)


def settle(page):
    # Leaflet animates zooms and groups splitting; the names are placed again 400 ms after.
    page.wait_for_timeout(300)
    page.wait_for_function(
        "() => !document.querySelector('.leaflet-cluster-anim, .leaflet-zoom-anim')"
    )
    page.wait_for_timeout(500)


def assert_usable(page, names_at_least=1):
    page.locator("#camp-map").scroll_into_view_if_needed()
    settle(page)
    assert page.evaluate(COVERED_CENTRES) == []
    names = page.evaluate(COLLISIONS)
    assert names["collisions"] == []
    assert names["shown"] >= names_at_least
    return names


@pytest.fixture
def gazetteer(db):
    call_command("import_gazetteer", str(DATASET), stdout=io.StringIO())


def test_every_facility_can_be_picked_and_names_never_collide(page, gazetteer):
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto("/")
    page.get_by_role("navigation", name="Site").get_by_role("link", name="Facility map").click()
    page.wait_for_url("**/camps/map/")
    page.wait_for_selector("#camp-map .leaflet-marker-icon")
    assert_usable(page, names_at_least=15)
    assert page.evaluate(FACILITIES_DRAWN) == 380
    page.screenshot(path=str(ARTIFACTS / "camp-map-desktop.png"))

    # The biggest group opens into smaller groups and facilities as the map zooms in.
    groups = page.locator("#camp-map .facility-cluster")
    sizes = [int(t.split()[0]) for t in groups.all_inner_texts()]
    biggest = groups.nth(sizes.index(max(sizes))).bounding_box()
    page.mouse.click(biggest["x"] + biggest["width"] / 2, biggest["y"] + biggest["height"] / 2)
    settle(page)
    after = [int(t.split()[0]) for t in groups.all_inner_texts()]
    assert max(after, default=0) < max(sizes)
    assert_usable(page)

    # From the keyboard too: Enter on a focused group opens it.
    before = sorted(groups.all_inner_texts())
    groups.first.focus()
    page.keyboard.press("Enter")
    settle(page)
    assert sorted(groups.all_inner_texts()) != before

    # Guma Facility #1 lies among five others in Guma county: the list shows it on the map,
    # alone, and a click on its centre opens its label and then its page.
    guma = page.locator("#camp-list li", has_text="Guma Facility #1 ")
    guma.get_by_role("button", name="Show on map: Guma Facility #1").click()
    mark = page.locator('#camp-map .leaflet-marker-icon[data-slug="guma-facility-1"]')
    mark.wait_for()
    assert_usable(page, names_at_least=0)  # Hotan's centre lies outside this close view
    box = mark.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.locator(".leaflet-popup").get_by_role("link", name="Guma Facility #1").click()
    page.wait_for_url("**/camps/guma-facility-1/")
    assert "Guma Facility #1" in page.locator("h1").inner_text()

    # ... and its page leads back to it on the map.
    page.get_by_role("link", name="on the map").click()
    page.wait_for_url("**/camps/map/?prefecture=Hotan#guma-facility-1")
    page.locator(".leaflet-popup").get_by_role("link", name="Guma Facility #1").wait_for()
    assert_usable(page, names_at_least=0)
    assert errors == []


def test_the_counter_the_list_and_the_map_follow_the_filters(page, gazetteer):
    page.goto("/camps/map/")
    page.wait_for_selector("#camp-map .leaflet-marker-icon")
    page.evaluate("window.notReloaded = true")
    page.get_by_label("Tier 4: prison").check()
    settle(page)
    prisons = Camp.objects.filter(security_tier=4, latitude__isnull=False).count()
    assert 0 < prisons < 380
    assert page.locator("#map-count").inner_text() == f"{prisons} of 380 facilities shown"
    assert page.locator("#camp-list li:visible").count() == prisons
    assert page.evaluate(FACILITIES_DRAWN) == prisons
    assert_usable(page)
    page.get_by_label("Prefecture").select_option("Hotan")
    settle(page)
    both = Camp.objects.filter(security_tier=4, prefecture="Hotan").count()
    assert page.locator("#map-count").inner_text() == f"{both} of 380 facilities shown"
    assert page.evaluate(FACILITIES_DRAWN) == both
    names = assert_usable(page)
    assert names["shown"] == 1  # only Hotan's name
    assert page.evaluate("window.notReloaded") is True
    assert page.url.endswith("/camps/map/?tier=4&prefecture=Hotan")  # the view can be shared


def test_on_a_phone_the_map_takes_the_whole_width(browser, live_server, gazetteer):
    phone = browser.new_context(
        base_url=live_server.url, viewport={"width": 360, "height": 740}, is_mobile=True
    )
    page = phone.new_page()
    page.goto("/camps/map/")
    page.wait_for_selector("#camp-map .leaflet-marker-icon")
    assert page.locator("#camp-map").bounding_box()["width"] == 360
    assert page.evaluate("document.documentElement.scrollWidth") == 360
    assert_usable(page)
    assert page.evaluate(FACILITIES_DRAWN) == 380
    page.screenshot(path=str(ARTIFACTS / "camp-map-phone.png"))
    phone.close()


def test_the_map_passes_an_axe_scan(browser, live_server, gazetteer):
    # axe is injected as a script, which the page's CSP rightly forbids: scan with CSP off.
    context = browser.new_context(base_url=live_server.url, bypass_csp=True)
    page = context.new_page()
    page.goto("/camps/map/")
    page.wait_for_selector("#camp-map .leaflet-marker-icon")
    assert serious_violations(page) == []
    context.close()


def test_without_script_the_list_and_form_filter_on_the_server(browser, live_server, gazetteer):
    plain = browser.new_context(base_url=live_server.url, java_script_enabled=False).new_page()
    plain.goto("/camps/map/")
    plain.get_by_label("Prefecture").select_option("Hotan")
    plain.get_by_role("button", name="Filter").click()
    plain.wait_for_url("**prefecture=Hotan**")
    hotan = Camp.objects.filter(prefecture="Hotan").count()
    shown = plain.locator("#camp-list li:visible")
    assert shown.count() == hotan
    assert set(shown.evaluate_all("ls => ls.map(l => l.dataset.prefecture)")) == {"Hotan"}
    assert plain.locator("#map-count").inner_text() == f"{hotan} of 380 facilities shown"
    assert plain.get_by_text("The map needs JavaScript; the list has every facility.").is_visible()
    plain.get_by_role("link", name="Guma Facility #1").click()
    plain.wait_for_url("**/camps/guma-facility-1/")
    plain.context.close()


@pytest.mark.parametrize("width", [1280, 360])
def test_out_of_the_box_the_camp_views_say_what_would_fill_them(
    browser, live_server, loaded_seeds, gazetteer, width
):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 800}, is_mobile=width < 500
    )
    page = context.new_page()

    def seen(path, name, text):
        page.goto(path)
        assert page.get_by_text(text).is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(ARTIFACTS / f"camps-empty-{name}-{width}.png"), full_page=True)

    seen("/", "home", "No record you may read is tagged with a facility yet.")
    page.locator(".summary-list").get_by_role("link", name="facility map").click()
    page.wait_for_url("**/camps/map/")

    seen("/camps/guma-facility-1/", "facility", "No record you may read is tagged with this")
    page.locator(".empty-state").get_by_role("link", name="Pishan County").click()
    page.wait_for_url("**/terms/pishan-county/")
    assert page.get_by_role("link", name="Bundestag discusses human rights violations").count()

    seen("/corroboration/", "corroboration", "A cell appears here when an archivist tags")
    seen("/search/?q=camp:pishan", "search", "“pishan” is the place Pishan County")
    context.close()
