"""An archivist imports a file in the admin: a preview shows an error, a corrected file is
previewed, confirmed and lands in the record list."""

import json

import pytest

from archive.models import Record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _file(tmp_path, name, *rows):
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


ROW = {
    "kind": "article_excerpt",
    "title": "Browser import: cameras at a fictional checkpoint",
    "language": "en",
    "state": "published",
    "tags": {"technology": ["CCTV"]},
    "text": "SYNTHETIC. A fictional checkpoint had four cameras.\n\nEach car was stopped.",
}


def test_archivist_previews_an_error_then_imports_a_good_file(
    archivist_session, page, loaded_seeds, settings, tmp_path, screenshot
):
    settings.ARCHIVE_IMPORT_PENDING_DIR = tmp_path / "pending"
    bad = _file(tmp_path, "bad.jsonl", ROW | {"tags": {"technology": ["no such camera"]}})
    good = _file(tmp_path, "good.jsonl", ROW)
    archivist_session("keeper", "/admin/archive/record/")
    page.get_by_role("link", name="Import records").click()
    page.wait_for_url("**/admin/archive/import/")

    page.get_by_label("File").set_input_files(str(bad))
    page.get_by_role("button", name="Preview").click()
    page.wait_for_selector("text=1 error(s): nothing was written")
    error_row = page.locator("#import-rows tbody tr")
    assert "tags.technology" in error_row.inner_text()
    assert "no technology term" in error_row.inner_text()
    assert page.get_by_role("button", name="Confirm import").count() == 0
    screenshot("preview-error")
    assert not Record.objects.filter(title=ROW["title"]).exists()

    page.get_by_label("File").set_input_files(str(good))
    page.get_by_role("button", name="Preview").click()
    page.wait_for_selector("text=1 record(s) would be created")
    screenshot("preview-ok")
    assert not Record.objects.filter(title=ROW["title"]).exists()
    page.get_by_role("button", name="Confirm import").click()
    page.wait_for_selector("text=Imported: 1 record(s) created")
    record = Record.objects.get(title=ROW["title"])
    assert record.state == "published"
    screenshot("imported")

    page.get_by_role("link", name=record.public_id).click()
    page.wait_for_selector(f"#result_list >> text={ROW['title']}")
    screenshot("record-list")


def test_a_hostile_json_file_is_a_preview_error_not_a_server_error(
    archivist_session, page, settings, tmp_path, screenshot
):
    from tests.json_attacks import ATTACKS, in_object

    settings.ARCHIVE_IMPORT_PENDING_DIR = tmp_path / "pending"
    path = tmp_path / "hostile.jsonl"
    path.write_text(in_object(ATTACKS["nested arrays"], **ROW) + "\n", encoding="utf-8")
    archivist_session("keeper", "/admin/archive/import/")
    page.get_by_label("File").set_input_files(str(path))
    page.get_by_role("button", name="Preview").click()
    page.wait_for_selector("text=1 error(s): nothing was written")
    assert "nested more than 32 levels deep" in page.locator("#import-rows").inner_text()
    assert page.get_by_role("button", name="Confirm import").count() == 0
    screenshot("hostile-json")
    assert not Record.objects.filter(title=ROW["title"]).exists()
