"""An archivist corrects a published record with a change note; readers find the versions
on the record page and the earlier text on its version page; the archivist reads the diff."""

import pytest

from archive import roles
from archive.services import intake
from tests.browser.conftest import ARTIFACTS
from tests.factories import make_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_correcting_a_published_record_makes_a_version_readers_can_open(
    archivist_session, browser, live_server, screenshot
):
    page = archivist_session("keeper", "/admin/")
    from django.contrib.auth import get_user_model

    keeper = get_user_model().objects.get(username="keeper")
    assert keeper.groups.filter(name=roles.ARCHIVIST).exists()
    record = make_record(
        "Cameras were installed at the Kashgar checkpoint.",
        "Residents scanned their identity cards at the gate.",
        title="Checkpoints in Kashgar",
    )
    intake.publish(record=record, by=keeper)

    page.goto(f"/admin/archive/record/{record.pk}/change/")
    page.locator("textarea[name='passages-0-text']").fill(
        "Cameras were removed from the Kashgar checkpoint."
    )
    page.get_by_role("button", name="Save", exact=True).click()
    # Without a note the change is refused, on the form, and nothing is saved.
    page.wait_for_selector("text=A published record changes only with a note.")
    screenshot("note-required")
    page.get_by_label("Change note").fill("Correction published by the outlet on 3 May")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_selector("text=was changed successfully")

    # A reader who is not signed in sees the versions and the earlier text.
    reader = browser.new_context(base_url=live_server.url).new_page()
    reader.goto(record.get_absolute_url())
    versions = reader.locator("section.versions")
    assert "Correction published by the outlet on 3 May" in versions.inner_text()
    assert "Version 1" not in versions.inner_text()  # the draft before publication
    reader.get_by_role("link", name="Version 2").click()
    reader.wait_for_selector("text=This is an earlier version")
    assert "Cameras were installed at the Kashgar checkpoint." in reader.content()
    reader.screenshot(path=str(ARTIFACTS / "versions-reader-v2.png"), full_page=True)
    reader.context.close()

    page.goto(f"/records/{record.public_id}/v/3/")
    page.get_by_role("link", name="What changed since version 2").click()
    assert page.locator("del", has_text="installed at").count() == 1
    assert page.locator("ins", has_text="removed from").count() == 1
    screenshot("diff")


def test_a_version_page_links_its_tags_as_separate_chips(page, live_server, screenshot):
    from archive.models import Term
    from tests.factories import make_user

    boss = make_user("boss", roles.ARCHIVIST)
    camp = Term.objects.create(kind="camp", slug="v-camp", preferred_label="Facility Eleven")
    practice = Term.objects.create(kind="practice", slug="v-practice", preferred_label="Shackling")
    record = make_record("Held at the facility.", title="Held", tags=[camp, practice])
    intake.publish(record=record, by=boss)
    page.goto(record.versions.last().get_absolute_url())
    tags = page.locator("ul.tags li a")
    assert tags.all_inner_texts() == ["Facility Eleven", "Shackling"]
    first, second = (tags.nth(i).bounding_box() for i in (0, 1))
    assert first["x"] + first["width"] < second["x"]  # apart, not run together
    assert tags.first.evaluate("a => getComputedStyle(a).borderStyle") == "solid"
    screenshot("version-tags")
    tags.first.click()
    page.wait_for_url("**/terms/v-camp/")
