"""Sanitizing uploaded images: only a re-encoded copy without any metadata is ever kept.

An upload is refused, with a message saying why, if it is too large, not really an image,
of a format we do not accept, a decompression bomb, or truncated. Otherwise the EXIF
orientation is applied, the archivist's rectangles are blurred or blacked out, and the
pixels alone are encoded again: no EXIF (so no GPS), no XMP, no IPTC, no maker notes, no
comments, no ICC profile. TIFF is stored as PNG, because TIFF writers carry tags of their own.
The original bytes are never written anywhere.
"""

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from PIL import Image, ImageDraw, ImageFilter, ImageOps, UnidentifiedImageError

from archive import hashing

ACCEPTED = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WEBP", "TIFF": "PNG"}  # read -> stored
EXTENSION = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
THUMBNAIL_SIZE = (400, 400)


class ImageRejected(ValueError):
    """The upload is not stored; the message says why, in words an archivist can act on."""


@dataclass(frozen=True)
class Region:
    """A rectangle to hide, in pixels of the upright image."""

    x: int
    y: int
    width: int
    height: int
    how: str = "blur"  # or "black"


@dataclass(frozen=True)
class SanitizedImage:
    data: bytes
    format: str
    extension: str
    width: int
    height: int
    sha256: str
    thumbnail: bytes


def sanitize(data: bytes, regions: list[Region] = ()) -> SanitizedImage:
    limit = settings.ATTACHMENT_MAX_BYTES
    if len(data) > limit:
        raise ImageRejected(
            f"The file is {len(data) / 1e6:.1f} MB; the limit is {limit / 1e6:.0f} MB."
        )
    image = _open_checked(data)
    stored_format = ACCEPTED[image.format]
    image = ImageOps.exif_transpose(image)
    for region in regions:
        _hide(image, region)
    clean = _pixels_only(image, stored_format)
    out = _encode(clean, stored_format)
    thumb = clean.copy()
    thumb.thumbnail(THUMBNAIL_SIZE)
    return SanitizedImage(
        data=out,
        format=stored_format,
        extension=EXTENSION[stored_format],
        width=clean.width,
        height=clean.height,
        sha256=hashing.sha256_bytes(out),
        thumbnail=_encode(thumb, stored_format),
    )


def _open_checked(data: bytes) -> Image.Image:
    max_pixels = settings.ATTACHMENT_MAX_PIXELS
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that; refuse both.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            previous, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, max_pixels
            try:
                probe = Image.open(io.BytesIO(data))
                if probe.format not in ACCEPTED:
                    raise ImageRejected(
                        f"{probe.format or 'This'} images are not accepted; "
                        "upload JPEG, PNG, WebP or TIFF."
                    )
                if probe.width * probe.height > max_pixels:
                    raise Image.DecompressionBombError("too many pixels")
                probe.verify()  # structure and checksums, without decoding
                image = Image.open(io.BytesIO(data))
                image.load()  # decoding the pixels finds truncated data
            finally:
                Image.MAX_IMAGE_PIXELS = previous
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageRejected(
            f"The image has too many pixels (more than {max_pixels:,}); it may be a "
            "decompression bomb. Scale it down before uploading."
        ) from error
    except UnidentifiedImageError as error:
        raise ImageRejected(_not_an_image(data)) from error
    except (OSError, SyntaxError, ValueError) as error:
        raise ImageRejected(
            "The image is damaged or incomplete (truncated); upload the file again."
        ) from error
    return image


# What archivists most often upload by mistake, found by the file's first bytes (its name
# may say .jpg whatever it holds), with what to do instead.
_NOT_IMAGES = [
    (
        lambda head: head.startswith(b"%PDF"),
        "This file is a PDF document, not an image, whatever its name says. Export the page "
        "as JPEG or PNG (or take a screenshot of it) and upload that.",
    ),
    (
        lambda head: head[4:8] == b"ftyp" and head[8:12] in {b"heic", b"heix", b"mif1", b"msf1"},
        "This file is a HEIC photo (as iPhones take them), which the archive cannot read. "
        "Export it as JPEG (on the phone: Settings, Camera, Formats, Most Compatible) and "
        "upload that.",
    ),
    (
        lambda head: head.startswith(b"PK\x03\x04"),
        "This file is a ZIP archive or an office document, not an image. Upload each "
        "picture in it as a JPEG or PNG file.",
    ),
]


def _not_an_image(data: bytes) -> str:
    head = data[:16]
    for matches, message in _NOT_IMAGES:
        if matches(head):
            return message
    return (
        "This file is not an image in a format the archive reads, whatever its name says. "
        "Open it and save or export it as JPEG or PNG, then upload that."
    )


def _hide(image: Image.Image, region: Region) -> None:
    box = (
        max(0, region.x),
        max(0, region.y),
        min(image.width, region.x + region.width),
        min(image.height, region.y + region.height),
    )
    if box[0] >= box[2] or box[1] >= box[3]:
        raise ImageRejected(f"The region {region} lies outside the image.")
    if region.how == "black":
        ImageDraw.Draw(image).rectangle((box[0], box[1], box[2] - 1, box[3] - 1), fill="black")
        return
    patch = image.crop(box)
    # Strong enough that a face or a name cannot be read or restored by sharpening.
    radius = max(12, (box[2] - box[0] + box[3] - box[1]) // 8)
    for _ in range(3):
        patch = patch.filter(ImageFilter.GaussianBlur(radius))
    image.paste(patch.resize((4, 4)).resize(patch.size), box)


def _pixels_only(image: Image.Image, stored_format: str) -> Image.Image:
    """A new image holding only the pixels: no info dict, no EXIF, no palette metadata."""
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    if stored_format == "JPEG" and image.mode in ("RGBA", "LA"):
        image = image.convert("RGB")
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    return clean


def _encode(image: Image.Image, stored_format: str) -> bytes:
    buffer = io.BytesIO()
    options = {"JPEG": {"quality": 90}, "WEBP": {"quality": 90}, "PNG": {"optimize": True}}
    image.save(buffer, format=stored_format, **options[stored_format])
    return buffer.getvalue()
