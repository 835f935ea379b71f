"""An archivist reviews identifying details in a real browser and publishes the account."""

import pytest

from archive import roles
from archive.models import Record
from archive.services import intake
from tests.factories import make_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_archivist_reviews_findings_and_publishes(archivist_session, screenshot):
    page = archivist_session("keeper", "/admin/")
    from django.contrib.auth import get_user_model

    keeper = get_user_model().objects.get(username="keeper")
    assert keeper.groups.filter(name=roles.ARCHIVIST).exists()
    record = make_record(
        "Abduweli Ablimit was taken from Yengisheher in 2017.",
        "His sister called +86 139 1234 5678 every week.",
        kind="testimony",
        title="Account of a detention",
        access_level="restricted",
    )
    intake.set_identifying_terms(
        record=record,
        terms=[("Abduweli Ablimit", "[NARRATOR]"), ("Yengisheher", "[VILLAGE]")],
        by=keeper,
    )
    intake.submit_for_review(record=record, by=keeper)

    page.goto("/admin/archive/piifinding/?status__exact=open")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 3
    assert "[+86 139 1234 5678]" in page.locator("#result_list").inner_text()
    screenshot("findings")

    # Dismiss the phone number with a reason.
    page.locator("#result_list tbody tr", has_text="phone").locator("th a").click()
    page.get_by_label("Note").fill("The organisation's public hotline, not the family's.")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_selector("text=was changed successfully")

    # Replace the two names with their placeholders in one action.
    page.goto("/admin/archive/piifinding/?status__exact=open")
    page.locator("#action-toggle").check()
    page.locator("select[name=action]").select_option("replace_with_placeholder")
    page.get_by_role("button", name="Go").click()
    page.wait_for_selector("text=Replaced 2 finding(s)")

    page.goto("/admin/archive/record/")
    page.locator(f"input[name=_selected_action][value='{record.pk}']").check()
    page.locator("select[name=action]").select_option("publish")
    page.get_by_role("button", name="Go").click()
    page.wait_for_selector("text=1 record(s) published")
    screenshot("published")
    record = Record.objects.get(pk=record.pk)
    assert record.state == "published"
    assert record.passages.get(number=1).text == "[NARRATOR] was taken from [VILLAGE] in 2017."
