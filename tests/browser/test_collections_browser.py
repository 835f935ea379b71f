"""A lawyer builds a bundle from search results, annotates and publishes it; a reader who is
not signed in sees the public version with the restricted item only counted."""

import pytest

from archive import roles
from archive.search import engine
from archive.services import intake
from tests.browser.conftest import ARTIFACTS
from tests.factories import make_record, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_lawyer_builds_and_publishes_a_collection(
    page, browser, live_server, screenshot, reader_session
):
    boss = make_user("boss", roles.ARCHIVIST)
    open_record = make_record(
        "Cameras watched the okapigate checkpoint day and night.",
        "Residents scanned their cards at the okapigate.",
        title="Cameras at the gate",
    )
    secret = make_record(
        "I was questioned at the okapigate for two days.",
        kind="testimony",
        access_level="restricted",
        title="Account of the questioning",
    )
    for record in (open_record, secret):
        intake.publish(record=record, by=boss)
    engine.drain()
    reader_session("counsel", roles.LAWYER, "/collections/")
    page.get_by_label("Title").fill("Okapigate bundle")
    page.get_by_label("Visibility").select_option("public")
    page.get_by_role("button", name="Create").click()
    page.wait_for_url("**/collections/okapigate-bundle/edit/")

    page.goto("/search/?q=okapigate")
    hits = page.locator("ol.hits li.hit")
    assert hits.count() == 2
    screenshot("search-with-add")
    first = hits.filter(has_text="Account of the questioning")
    first.get_by_role("button", name="Add").click()
    page.wait_for_selector("text=to “Okapigate bundle”")
    second = page.locator("ol.hits li.hit").filter(has_text="Cameras at the gate")
    second.get_by_label("what").select_option("2")
    second.get_by_role("button", name="Add").click()
    page.wait_for_selector(f"text=Added {open_record.public_id} ¶2")
    # The same passage again: nothing is added, and the page says so.
    again = page.locator("ol.hits li.hit").filter(has_text="Cameras at the gate")
    again.get_by_label("what").select_option("2")
    again.get_by_role("button", name="Add").click()
    page.wait_for_selector(f"text={open_record.public_id} ¶2 was already in “Okapigate bundle”")
    assert "Added" not in page.locator(".messages").inner_text()
    screenshot("already-in")

    page.goto("/collections/okapigate-bundle/edit/")
    items = page.locator("ol.items li.item")
    assert items.count() == 2
    items.nth(1).get_by_label("Annotation").fill("Corroborates the account above.")
    items.nth(1).get_by_role("button", name="Save annotation").click()
    page.wait_for_selector("text=Annotation saved.")
    page.get_by_role("button", name="Move item 2 up").click()
    page.wait_for_load_state()
    assert "Cameras at the gate" in page.locator("ol.items li.item").first.inner_text()
    page.get_by_label("Note for this version").fill("Filed with the submission of 2 May")
    page.get_by_role("button", name="Publish version 1").click()
    page.wait_for_url("**/collections/okapigate-bundle/v/1/")
    assert "2 items" in page.locator("p.count").inner_text()
    assert "Corroborates the account above." in page.content()
    screenshot("published")

    reader = browser.new_context(base_url=live_server.url).new_page()
    reader.goto("/collections/okapigate-bundle/")
    body = reader.content()
    assert "Cameras at the gate" in body
    assert "Residents scanned their cards" in body  # the cited passage, as pinned
    assert "1 item not available to you" in body
    assert "Account of the questioning" not in body and secret.public_id not in body
    reader.screenshot(path=str(ARTIFACTS / "collection-anonymous-reader.png"), full_page=True)
    reader.context.close()
