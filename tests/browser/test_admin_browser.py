"""An archivist signs in and works through seed records in a real browser."""

import pytest
from playwright.sync_api import expect

from archive.models import Record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def signed_in(archivist_session):
    return archivist_session("archivist", "/admin/archive/record/", superuser=True)


def test_archivist_finds_filters_and_opens_a_seed_article(loaded_seeds, signed_in, screenshot):
    page = signed_in
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 8
    screenshot("record-list")

    page.get_by_role("link", name="Hikvision", exact=False).first.click()
    page.wait_for_url("**tag_organization=hikvision**")
    assert 0 < rows.count() < 8

    record = Record.objects.get(import_key="seed-004")
    page.get_by_role("link", name=record.public_id).click()
    page.wait_for_selector("text=Fionnuala Ní Aoláin")
    assert page.locator("text=¶1").first.is_visible()
    assert page.locator("text=uncertain-repair").first.is_visible()
    screenshot("record-change")


def test_archivist_searches_passage_text(loaded_seeds, signed_in, screenshot):
    page = signed_in
    page.locator("#searchbar").fill("glove factory")
    page.locator("#changelist-search input[type=submit]").click()
    page.wait_for_url("**q=glove+factory**")
    assert page.locator("#result_list tbody tr").count() == 1
    screenshot("search")


def test_archivist_bulk_tags_records_by_typing_an_alias(loaded_seeds, signed_in, screenshot):
    page = signed_in
    first, second = Record.objects.order_by("public_id")[:2]
    assert not Record.objects.filter(pk__in=[first.pk, second.pk], tags__slug="sharp-eyes")
    for record in (first, second):
        page.locator(f"input[name=_selected_action][value='{record.pk}']").check()
    page.locator("select[name=action]").select_option("add_tags")
    page.get_by_role("button", name="Go").click()
    page.wait_for_selector("text=Add tags to 2 records")

    # The terms field is the admin's autocomplete: typing an alias finds the term.
    page.locator(".select2-container").first.click()
    page.locator(".select2-search__field").fill("Xueliang")
    page.locator(".select2-results__option", has_text="Sharp Eyes").first.click()
    page.get_by_label("Change note").fill("Tagged in the Sharp Eyes review")
    screenshot("bulk-tag-form")
    page.get_by_role("button", name="Add tags").click()
    page.wait_for_selector("text=Added")
    screenshot("bulk-tag-done")
    assert all(r.tags.filter(slug="sharp-eyes").exists() for r in (first, second))
    assert Record.objects.filter(tags__slug="sharp-eyes").count() == 3  # 2 + the Amnesty piece


def test_tag_autocomplete_lists_the_term_named_first(loaded_seeds, signed_in, screenshot):
    page = signed_in
    page.goto("/admin/archive/record/add/")
    page.locator(".field-tags .select2-container").click()
    # Opening the box lists every term (Turkic peoples among them) before the typed text's
    # answer arrives; wait for that answer, or a slow machine reads the first list.
    with page.expect_response(lambda r: "autocomplete" in r.url and "term=Uyghurs" in r.url):
        page.locator(".select2-search__field").fill("Uyghurs")
    options = page.locator(".select2-results__option:not(.loading-results)")
    options.filter(has_text="Turkic peoples").wait_for()
    # The answer is drawn just after it arrives: let the first option settle, then read it.
    expect(options.first).to_have_text("Uyghurs (ethnic group)")
    screenshot("tag-autocomplete")
    assert options.first.inner_text() == "Uyghurs (ethnic group)"
