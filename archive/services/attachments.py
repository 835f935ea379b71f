"""Adding an image to a record: sanitized first, then stored under its hash, audited."""

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max

from archive import hashing
from archive.models import Record
from archive.models.attachments import Attachment
from archive.models.audit import AuditAction
from archive.services import audit, versions
from archive.services.images import Region, sanitize


@transaction.atomic
@versions.recorded
def attachment_add(
    *,
    record: Record,
    data: bytes,
    by,
    caption: str = "",
    regions: list[Region] = (),
    note: str = "",
) -> Attachment:
    """Raises images.ImageRejected (nothing stored) if the upload is refused. Adding to a
    published record needs a `note` saying why (ValidationError otherwise)."""
    versions.check_note(record, note)
    clean = sanitize(data, list(regions))
    Record.objects.select_for_update().filter(pk=record.pk).first()
    number = (record.attachments.aggregate(n=Max("number"))["n"] or 0) + 1
    attachment = Attachment(
        record=record,
        number=number,
        caption=caption,
        sha256=clean.sha256,
        thumbnail_sha256=hashing.sha256_bytes(clean.thumbnail),
        format=clean.format,
        width=clean.width,
        height=clean.height,
        regions_hidden=len(regions),
        uploaded_by=by,
    )
    attachment.file.save(f"{clean.sha256}.{clean.extension}", ContentFile(clean.data), save=False)
    attachment.thumbnail.save(
        f"{clean.sha256}.thumb.{clean.extension}", ContentFile(clean.thumbnail), save=False
    )
    attachment.save()
    audit.log(
        AuditAction.RECORD_EDIT,
        actor=by,
        target=record,
        detail={
            "attachment_added": number,
            "sha256": clean.sha256,
            "thumbnail_sha256": attachment.thumbnail_sha256,
            "regions_hidden": len(regions),
        },
    )
    return attachment


def parse_regions(text: str, how: str = "blur") -> list[Region]:
    """ "x,y,width,height" rectangles separated by semicolons or new lines."""
    regions = []
    for chunk in text.replace("\n", ";").split(";"):
        if not chunk.strip():
            continue
        parts = [p.strip() for p in chunk.split(",")]
        if len(parts) != 4 or not all(p.isdigit() for p in parts):
            raise ValueError(f"“{chunk.strip()}” is not x,y,width,height in whole pixels.")
        x, y, w, h = (int(p) for p in parts)
        if w == 0 or h == 0:
            raise ValueError(f"“{chunk.strip()}” has no area.")
        regions.append(Region(x, y, w, h, how))
    return regions
