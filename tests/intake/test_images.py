"""Uploaded images: refused when unsafe, re-encoded without any metadata, regions hidden."""

import io

import pytest
from PIL import Image, ImageStat, PngImagePlugin

from archive import hashing
from archive.services.images import ImageRejected, Region, sanitize

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def photo(size=(64, 48), fmt="JPEG", *, gps=True, orientation=None, **save) -> bytes:
    """A small photo like a phone's: pixels of two colours, GPS and other EXIF tags."""
    image = Image.new("RGB", size, "white")
    image.paste((200, 30, 30), (0, 0, size[0] // 2, size[1]))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Model X"  # Model
    if gps:
        exif[GPS_IFD] = {1: "N", 2: (43.0, 49.0, 32.0), 3: "E", 4: (87.0, 37.0, 0.0)}
    if orientation:
        exif[ORIENTATION] = orientation
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, exif=exif, **save)
    return buffer.getvalue()


def reopen(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_a_photo_with_gps_comes_out_without_any_metadata():
    original = photo()
    assert reopen(original).getexif().get_ifd(GPS_IFD)  # the test photo does carry GPS
    result = sanitize(original)
    clean = reopen(result.data)
    assert not clean.getexif()  # no EXIF at all: no GPS, make, model or maker notes
    assert "exif" not in clean.info and "xmp" not in clean.info and "icc_profile" not in clean.info
    assert b"PhoneMaker" not in result.data and b"Model X" not in result.data
    assert result.sha256 == hashing.sha256_bytes(result.data)
    assert (result.format, result.extension, result.width, result.height) == ("JPEG", "jpg", 64, 48)
    assert reopen(result.thumbnail).size == (64, 48)  # already smaller than a thumbnail


def test_xmp_and_text_chunks_in_a_png_are_dropped():
    image = Image.new("RGB", (20, 20), "white")
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>GPSLatitude 43,49.5N</x:xmpmeta>")
    info.add_text("Comment", "taken at the narrator's house")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", pnginfo=info)
    result = sanitize(buffer.getvalue())
    assert b"xmpmeta" not in result.data and b"narrator" not in result.data
    assert reopen(result.data).info.get("Comment") is None


def test_the_exif_orientation_is_applied_before_the_tag_goes():
    result = sanitize(photo(size=(60, 40), orientation=6))  # 6: rotate 90° clockwise
    assert (result.width, result.height) == (40, 60)


def test_tiff_is_stored_as_png_and_webp_as_webp():
    assert sanitize(photo(fmt="TIFF", gps=False)).format == "PNG"
    assert sanitize(photo(fmt="WEBP")).extension == "webp"


def test_thumbnails_fit_in_400_pixels():
    result = sanitize(photo(size=(1600, 900)))
    assert reopen(result.thumbnail).size == (400, 225)


@pytest.mark.parametrize("how", ["blur", "black"])
def test_regions_are_blurred_or_blacked_out(how):
    image = Image.new("L", (200, 100), 255)
    for x in range(0, 200, 4):  # fine stripes: readable detail, like text
        image.paste(0, (x, 0, x + 2, 100))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    result = sanitize(buffer.getvalue(), [Region(0, 0, 100, 100, how)])
    clean = reopen(result.data)
    hidden = ImageStat.Stat(clean.crop((10, 10, 90, 90)))
    kept = ImageStat.Stat(clean.crop((110, 10, 190, 90)))
    assert kept.stddev[0] > 100  # the other half keeps its stripes
    if how == "black":
        assert hidden.extrema[0] == (0, 0)
    else:
        # No stripe survives: neighbouring pixels differ by a few levels, not by 255.
        row = [clean.getpixel((x, 50)) for x in range(5, 95)]
        assert max(abs(a - b) for a, b in zip(row, row[1:], strict=False)) < 8
        assert hidden.stddev[0] < 40


def test_a_decompression_bomb_is_refused(settings):
    settings.ATTACHMENT_MAX_PIXELS = 1_000_000
    image = Image.new("1", (2000, 2000))  # 4 million pixels in a few kilobytes
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    assert len(buffer.getvalue()) < 20_000
    with pytest.raises(ImageRejected, match="too many pixels"):
        sanitize(buffer.getvalue())


def test_a_truncated_file_is_refused():
    data = photo(size=(400, 300))
    with pytest.raises(ImageRejected, match="damaged or incomplete"):
        sanitize(data[: len(data) // 2])


def test_a_file_over_the_size_limit_is_refused(settings):
    settings.ATTACHMENT_MAX_BYTES = 1000
    with pytest.raises(ImageRejected, match="the limit is"):
        sanitize(photo(size=(400, 300)))


@pytest.mark.parametrize(
    "data, message",
    [
        (b"%PDF-1.4 not an image at all", "PDF document, not an image.*Export the page"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00", "HEIC photo.*Export it as JPEG"),
        (b"PK\x03\x04" + b"\x00" * 30, "office document, not an image"),
        (b"plain words", "not an image in a format the archive reads.*JPEG or PNG"),
        (b"GIF89a" + b"\x00" * 30, "not an image|GIF images are not accepted"),
    ],
)
def test_other_files_are_refused_saying_what_to_do(data, message):
    with pytest.raises(ImageRejected, match=message) as refused:
        sanitize(data)
    # The archivist is told what to do, not which library failed.
    assert "Pillow" not in str(refused.value)


def test_a_real_gif_is_refused_by_format():
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, format="GIF")
    with pytest.raises(ImageRejected, match="GIF images are not accepted"):
        sanitize(buffer.getvalue())
