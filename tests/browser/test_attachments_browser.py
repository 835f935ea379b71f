"""An archivist adds a photo with a blacked-out region; a reader sees it on the record page."""

import pytest

from archive.models import Attachment
from tests.factories import make_record
from tests.intake.test_images import photo, reopen

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_archivist_uploads_a_photo_and_a_reader_sees_it(
    archivist_session, page, settings, tmp_path, screenshot
):
    settings.MEDIA_ROOT = tmp_path / "media"
    record = make_record("The gate of the compound.", state="published", title="Gate")
    upload = tmp_path / "gate.jpg"
    upload.write_bytes(photo(size=(320, 240)))
    archivist_session("keeper", "/admin/")
    page.goto("/admin/archive/attachment/add/")
    page.locator(".field-record .select2-container").click()
    page.locator(".select2-search__field").fill(record.public_id)
    page.locator(".select2-results__option", has_text=record.public_id).click()
    page.get_by_label("Image").set_input_files(str(upload))
    page.get_by_label("Caption").fill("Gate, seen from the road")
    page.get_by_label("Regions").fill("0,0,160,120")
    page.get_by_label("How").select_option("black")
    page.get_by_label("Change note").fill("Photo of the gate from the 2019 field visit")
    screenshot("upload")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_selector("text=was added successfully")
    message = page.locator(".messagelist").inner_text()
    assert f"{record.public_id} image 1" in message and "None" not in message
    screenshot("added")
    attachment = Attachment.objects.get(record=record)
    assert not reopen(attachment.file.read()).getexif()

    page.goto(record.get_absolute_url())
    image = page.locator(".attachments img")
    assert image.is_visible()
    assert page.evaluate("img => img.naturalWidth", image.element_handle()) == 320
    screenshot("record-with-image")


def test_a_pdf_named_jpg_is_refused_with_what_to_do(
    archivist_session, page, settings, tmp_path, screenshot
):
    settings.MEDIA_ROOT = tmp_path / "media"
    record = make_record("The gate of the compound.", state="draft", title="Gate")
    upload = tmp_path / "scan.jpg"
    upload.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")
    archivist_session("keeper", "/admin/")
    page.goto("/admin/archive/attachment/add/")
    page.locator(".field-record .select2-container").click()
    page.locator(".select2-search__field").fill(record.public_id)
    page.locator(".select2-results__option", has_text=record.public_id).click()
    page.get_by_label("Image").set_input_files(str(upload))
    page.get_by_role("button", name="Save", exact=True).click()
    error = page.locator(".field-image .errorlist").inner_text()
    screenshot("refused")
    assert "PDF document" in error and "JPEG or PNG" in error
    assert "Pillow" not in error
    assert not Attachment.objects.exists()
