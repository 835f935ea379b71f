"""Two archivists in two browsers open the same record in the admin; A saves ¶1, then B
saves ¶2 and the summary. B's save is held back with what A changed, B's form holds A's ¶1
and B's own edits, and B's second save keeps everything."""

import pytest

from archive import roles
from archive.models import Record
from tests.browser.conftest import ARTIFACTS, BROWSER_PASSWORD
from tests.factories import enrol_totp, make_record, make_user, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, username: str, next_path: str) -> None:
    user = make_user(username, roles.ARCHIVIST)
    user.set_password(BROWSER_PASSWORD)
    user.save()
    device = enrol_totp(user)
    page.goto(f"/accounts/login/?next={next_path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(BROWSER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/accounts/verify/**")
    page.get_by_label("Six-digit code").fill(totp_code(device))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(f"**{next_path}")


@pytest.fixture
def second_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.route(
        "**/*",
        lambda route: (
            route.continue_() if route.request.url.startswith(live_server.url) else route.abort()
        ),
    )
    yield context.new_page()
    context.close()


def test_the_second_saver_sees_the_first_change_and_loses_nothing(page, second_page):
    record = make_record(
        "The first paragraph as imported.",
        "The second paragraph as imported.",
        title="Two editors in two browsers",
        summary="The summary as imported.",
    )
    url = f"/admin/archive/record/{record.pk}/change/"
    a, b = page, second_page
    sign_in(a, "editor-a", url)
    sign_in(b, "editor-b", url)

    a.locator("#id_passages-0-text").fill("The first paragraph, corrected by A.")
    a.locator('input[name="_save"]').click()
    a.wait_for_url("**/admin/archive/record/")

    b.locator("#id_passages-1-text").fill("The second paragraph, corrected by B.")
    b.locator("#id_summary").fill("The summary, rewritten by B.")
    b.locator('input[name="_save"]').click()
    b.wait_for_selector("#edit-conflict")
    assert "editor-a" in b.locator(".errorlist.nonfield").inner_text()
    assert "version 1 → 2" in b.locator("#edit-conflict h2").inner_text()
    assert ", corrected by A" in b.locator("#edit-conflict ins").first.inner_text()
    assert b.locator("#id_passages-0-text").input_value() == "The first paragraph, corrected by A."
    assert b.locator("#id_passages-1-text").input_value() == "The second paragraph, corrected by B."
    assert b.locator("#id_summary").input_value() == "The summary, rewritten by B."
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    b.screenshot(path=str(ARTIFACTS / "edit-conflict-second-saver.png"), full_page=True)
    record.refresh_from_db()
    assert record.summary == "The summary as imported."

    b.locator('input[name="_save"]').click()
    b.wait_for_url("**/admin/archive/record/")
    record = Record.objects.get(pk=record.pk)
    assert dict(record.passages.values_list("number", "text")) == {
        1: "The first paragraph, corrected by A.",
        2: "The second paragraph, corrected by B.",
    }
    assert record.summary == "The summary, rewritten by B."
    assert record.versions.count() == 3
