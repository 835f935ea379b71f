"""A lawyer builds a bundle from search results, annotates and publishes it; a reader who is
not signed in sees the public version with the restricted item only counted."""

import re

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
    # New slugs carry a random suffix (docs/collections.md), so the test reads it back.
    page.wait_for_url(re.compile(r"/collections/okapigate-bundle-[a-z0-9]{6}/edit/$"))
    home = page.url.removesuffix("edit/").removeprefix(live_server.url)

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

    page.goto(f"{home}edit/")
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
    page.wait_for_url(f"**{home}v/1/")
    assert "2 items" in page.locator("p.count").inner_text()
    assert "Corroborates the account above." in page.content()
    screenshot("published")

    reader = browser.new_context(base_url=live_server.url).new_page()
    reader.goto(home)
    body = reader.content()
    assert "Cameras at the gate" in body
    assert "Residents scanned their cards" in body  # the cited passage, as pinned
    assert "1 item not available to you" in body
    assert "Account of the questioning" not in body and secret.public_id not in body
    reader.screenshot(path=str(ARTIFACTS / "collection-anonymous-reader.png"), full_page=True)
    reader.context.close()


def test_sharing_by_name_answers_alike_for_accounts_and_other_names(page, reader_session):
    """A researcher shares with a colleague and with a name that is no account: the page
    says the same for both, and lists both alike."""
    make_user("colleague", roles.LAWYER)
    reader_session("scholar", roles.RESEARCHER, "/collections/")
    page.get_by_label("Title").fill("Shared notes")
    page.get_by_role("button", name="Create").click()
    page.wait_for_url(re.compile(r"/collections/shared-notes-[a-z0-9]{6}/edit/$"))
    messages = []
    for name in ("colleague", "no-such-person"):
        page.get_by_label("User name").fill(name)
        page.get_by_label("Role").select_option("viewer")
        page.get_by_role("button", name="Share", exact=True).click()
        page.wait_for_load_state()
        messages.append(page.locator(".messages").inner_text().replace(name, "NAME"))
    assert messages[0] == messages[1] == "Shared with user NAME (viewer)."
    listed = page.locator('section[aria-labelledby="share-heading"] li')
    assert listed.all_inner_texts() == [
        "user colleague (viewer) Stop sharing",
        "user no-such-person (viewer) Stop sharing",
    ]
    assert "No active account" not in page.content()
    page.screenshot(path=str(ARTIFACTS / "collection-shared-by-name.png"), full_page=True)


def test_a_collection_grantee_never_sees_a_record_an_editor_added(
    page, live_server, reader_session
):
    """The holder of a by-name grant on a confidential record adds it to a granted
    collection and publishes: the collection's grantee sees only a count, and the record's
    page is the ordinary 404."""
    from archive.services import access as access_services
    from archive.services import collections as coll

    boss = make_user("boss", roles.ARCHIVIST)
    holder = make_user("holder", roles.RESEARCHER)
    opened = make_record("The emugate opened at dawn.", title="Open article")
    secret = make_record(
        "I was held at the emugate.",
        kind="testimony",
        access_level="confidential",
        title="Confidential account",
    )
    for record in (opened, secret):
        intake.publish(record=record, by=boss)
    access_services.grant_create(record=secret, user=holder, reason="case 7", by=boss)
    bundle = coll.collection_create(title="Emugate", by=holder)
    coll.collection_add_item(collection=bundle, record=opened, by=holder)
    coll.collection_publish(collection=bundle, by=holder)
    reader = reader_session("expert", roles.RESEARCHER, "/")
    access_services.grant_create(collection=bundle, user=reader, reason="expert", by=boss)
    coll.collection_add_item(collection=bundle, record=secret, by=holder)
    coll.collection_publish(collection=bundle, by=holder)
    page.goto(bundle.get_absolute_url())
    body = page.content()
    assert "Open article" in body and "1 item not available to you" in body
    assert "Confidential account" not in body and secret.public_id not in body
    page.screenshot(path=str(ARTIFACTS / "collection-grantee-count-only.png"), full_page=True)
    response = page.goto(f"/records/{secret.public_id}/")
    assert response.status == 404
