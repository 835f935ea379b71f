"""The record page's details in Chromium: an anonymous reader sees the coarse ones, a
signed-in lawyer more, an archivist all of them and a link that opens the record's editor."""

import pytest

from archive import roles
from tests.factories import make_user
from tests.web.test_record_details import ANYONE, ARCHIVE, CASES
from tests.web.test_record_details import testimony as testimony  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def boss():
    return make_user("boss", roles.ARCHIVIST)


def shown(page) -> dict[str, str]:
    details = page.locator(".record-details")
    if details.count() == 0:
        return {}
    terms = details.locator("dt").all_inner_texts()
    values = details.locator("dd").all_inner_texts()
    return dict(zip(terms, values, strict=True))


def test_anonymous_reader_sees_only_the_coarse_details(page, testimony, screenshot):
    page.goto(testimony.get_absolute_url())
    screenshot("anonymous")
    assert shown(page) == ANYONE
    assert page.get_by_role("link", name="Edit this record").count() == 0


def test_lawyer_sees_the_details_for_a_case(page, reader_session, testimony, screenshot):
    reader_session("counsel", roles.LAWYER, next_path=testimony.get_absolute_url())
    screenshot("lawyer")
    assert shown(page) == CASES


def test_archivist_sees_every_detail_and_opens_the_editor(
    page, archivist_session, testimony, screenshot
):
    archivist_session("keeper", next_path=testimony.get_absolute_url())
    screenshot("archivist")
    assert shown(page) == ARCHIVE
    page.get_by_role("link", name="Edit this record").click()
    page.wait_for_url(f"**/admin/archive/record/{testimony.pk}/change/")
    assert page.locator("#id_testimony-0-narrator_pseudonym").input_value() == "Narrator K-17"
