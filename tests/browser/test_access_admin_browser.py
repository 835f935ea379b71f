"""An archivist grants a lawyer access to a confidential record and reads the audit log."""

import pytest
from django.contrib.auth.models import Group

from archive import roles
from archive.models import AuditEntry, Grant
from tests.search.helpers import indexed_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"  # as BROWSER_PASSWORD


@pytest.fixture
def archivist_page(archivist_session):
    return archivist_session("keeper", "/admin/")


def test_archivist_grants_access_and_reads_it_back_in_the_audit_log(
    archivist_page, django_user_model, screenshot
):
    page = archivist_page
    lawyer = django_user_model.objects.create_user(username="counsel", password=PASSWORD)
    lawyer.groups.add(Group.objects.get(name=roles.LAWYER))
    record = indexed_record("A confidential account.", access_level="confidential")

    page.goto("/admin/archive/grant/add/")
    screenshot("grant-add-empty")
    # The record and user fields are the admin's autocomplete widgets.
    page.locator(".field-record .select2-container").click()
    page.locator(".select2-search__field").fill(record.public_id)
    page.locator(".select2-results__option", has_text=record.public_id).click()
    page.locator(".field-user .select2-container").click()
    page.locator(".select2-search__field").fill("counsel")
    page.locator(".select2-results__option", has_text="counsel").click()
    page.get_by_label("Reason").fill("Case 2026-14: corroboration of the Dabancheng accounts")
    screenshot("grant-add")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_selector("text=was added successfully")
    assert "None" not in page.locator(".messagelist").inner_text()
    grant = Grant.objects.get()
    assert (grant.record, grant.user, grant.granted_by.username) == (record, lawyer, "keeper")

    page.goto("/admin/archive/auditentry/?action__exact=grant.create")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert record.public_id in rows.first.inner_text()
    screenshot("audit-log")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export these entries (CSV)").click()
    text = open(download.value.path(), encoding="utf-8").read()
    assert "grant.create" in text and record.public_id in text
    assert AuditEntry.objects.filter(action="audit.export").count() == 1
