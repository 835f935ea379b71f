"""The public record page and more-like-this."""

from django.http import FileResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from archive.permissions import get_visible_record_or_404, is_sensitive
from archive.search.query import more_like_this
from archive.services import audit


@require_GET
def record_detail(request, public_id: str):
    record = get_visible_record_or_404(request.user, public_id=public_id)
    audit.log_record_view(request.user, record)
    passages = record.passages.order_by("position", "number").prefetch_related("tags")
    context = {
        "record": record,
        "passages": passages,
        "tags": record.tags.order_by("kind", "preferred_label"),
        "similar": more_like_this(request.user, record),
        "attachments": record.attachments.all(),
    }
    return render(request, "archive/record_detail.html", context)


@require_GET
def more_like_this_api(request, public_id: str):
    record = get_visible_record_or_404(request.user, public_id=public_id)
    audit.log_record_view(request.user, record)
    return JsonResponse(
        {
            "id": record.public_id,
            "results": [
                {
                    "id": r.public_id,
                    "title": r.title,
                    "url": request.build_absolute_uri(r.get_absolute_url()),
                }
                for r in more_like_this(request.user, record, limit=10)
            ],
        },
        json_dumps_params={"ensure_ascii": False},
    )


CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


@require_GET
def attachment_file(request, public_id: str, number: int, thumbnail: bool = False):
    """An image of a record, served only to whoever may see the record (404 otherwise)."""
    record = get_visible_record_or_404(request.user, public_id=public_id)
    attachment = get_object_or_404(record.attachments, number=number)
    if not thumbnail:
        audit.log_record_view(request.user, record)
    stored = attachment.thumbnail if thumbnail else attachment.file
    response = FileResponse(stored.open("rb"), content_type=CONTENT_TYPES[attachment.format])
    response["Cache-Control"] = "private, no-store" if is_sensitive(record) else "private"
    response["X-Content-Type-Options"] = "nosniff"
    return response
