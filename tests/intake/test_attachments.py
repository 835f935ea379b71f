"""Images on records: stored sanitized under their hash, served only through the policy,
refused on the admin form when unsafe, and checked by verify_fixity."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from PIL import Image

from archive import roles
from archive.models import Attachment, AuditEntry
from archive.services.attachments import attachment_add
from tests.factories import make_record, make_user, sign_in
from tests.intake.test_images import GPS_IFD, photo, reopen

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def boss():
    return make_user("boss", roles.ARCHIVIST)


def test_an_added_image_is_stored_sanitized_under_its_hash(boss, media):
    record = make_record("Text.", state="published")
    first = attachment_add(record=record, data=photo(), by=boss, caption="Gate", note="photo")
    second = attachment_add(record=record, data=photo(size=(30, 30)), by=boss, note="photo")
    assert (first.number, second.number) == (1, 2)
    stored = first.file.read()
    assert not reopen(stored).getexif().get_ifd(GPS_IFD) and not reopen(stored).getexif()
    assert first.file.name == f"attachments/{first.sha256}.jpg"
    assert sorted(p.name for p in (media / "attachments").glob("*.jpg")) == sorted(
        [f"{first.sha256}.jpg", f"{second.sha256}.jpg"]
    )
    assert AuditEntry.objects.filter(detail__attachment_added=1, target_id=record.public_id)


def test_images_are_served_only_to_whoever_may_see_the_record(boss):
    public = make_record("Open.", state="published")
    secret = make_record("Closed.", state="published", access_level="restricted")
    open_image = attachment_add(record=public, data=photo(), by=boss, note="photo")
    closed_image = attachment_add(record=secret, data=photo(), by=boss, note="photo")
    anonymous = Client()
    response = anonymous.get(open_image.get_absolute_url())
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert anonymous.get(open_image.thumbnail_url()).status_code == 200
    assert anonymous.get(closed_image.get_absolute_url()).status_code == 404
    assert anonymous.get(closed_image.thumbnail_url()).status_code == 404
    lawyer = Client()
    lawyer.force_login(make_user("law", roles.LAWYER))
    response = lawyer.get(closed_image.get_absolute_url())
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert AuditEntry.objects.filter(action="record.view", target_id=secret.public_id).exists()
    page = lawyer.get(secret.get_absolute_url()).content.decode()
    assert closed_image.thumbnail_url() in page and closed_image.sha256 in page


def test_the_admin_upload_hides_regions_and_refuses_unsafe_files(boss, media, settings):
    record = make_record("Text.", state="draft")
    client = sign_in(Client(), boss)
    image = Image.new("L", (100, 50), 255)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    ok = client.post(
        "/admin/archive/attachment/add/",
        {
            "record": record.pk,
            "image": SimpleUploadedFile("site.png", buffer.getvalue()),
            "caption": "Site",
            "regions": "0,0,50,50",
            "how": "black",
        },
    )
    assert ok.status_code == 302
    stored = reopen(Attachment.objects.get(record=record).file.read())
    assert stored.getpixel((10, 10)) == 0 and stored.getpixel((90, 10)) == 255
    settings.ATTACHMENT_MAX_PIXELS = 1000
    refused = client.post(
        "/admin/archive/attachment/add/",
        {
            "record": record.pk,
            "image": SimpleUploadedFile("bomb.png", buffer.getvalue()),
            "how": "blur",
        },
    )
    assert refused.status_code == 200 and "too many pixels" in refused.content.decode()
    bad_region = client.post(
        "/admin/archive/attachment/add/",
        {
            "record": record.pk,
            "image": SimpleUploadedFile("x.png", buffer.getvalue()),
            "regions": "10,10,abc",
            "how": "blur",
        },
    )
    assert "not x,y,width,height" in bad_region.content.decode()
    assert Attachment.objects.filter(record=record).count() == 1
    assert len(list((media / "attachments").glob("*.png"))) == 1


def test_fixity_catches_a_tampered_image(boss):
    record = make_record("Text.", state="published")
    attachment = attachment_add(record=record, data=photo(), by=boss, note="photo")
    path = attachment.file.path
    with open(path, "ab") as handle:
        handle.write(b"tampered")
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("verify_fixity", stdout=out)
    assert f"MISMATCH file {record.public_id} image 1" in out.getvalue()
