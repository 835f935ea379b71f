"""The public record page and more-like-this."""

from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from archive import citations, permissions, selectors
from archive.api.throttling import search_wait, too_many_searches
from archive.permissions import get_visible_record_or_404, is_sensitive
from archive.record_details import record_details, version_details
from archive.search.query import more_like_this
from archive.services import audit, versions
from archive.version_diff import compare
from archive.views.citations import site_base_url, today


@require_GET
def record_detail(request, public_id: str):
    record = get_visible_record_or_404(request.user, public_id=public_id)
    audit.log_record_view(request.user, record)
    passages = record.passages.order_by("position", "number").prefetch_related("tags")
    newest = permissions.visible_versions(request.user, record).last()
    # The similar records are a search and count against the reader's search budget; over
    # it the record is still shown, without them.
    wait = search_wait(request)
    context = {
        "record": record,
        "passages": passages,
        "tags": record.tags.order_by("kind", "preferred_label"),
        "similar": None if wait else more_like_this(request.user, record),
        "similar_refused": too_many_searches(wait) if wait else None,
        "attachments": record.attachments.all(),
        "versions": permissions.visible_versions(request.user, record)
        .only("number", "created_at", "note", "version_hash", "state", "redacted_at")
        .annotate(
            discarded=ExpressionWrapper(
                Q(snapshot__has_key="discarded"), output_field=BooleanField()
            )
        ),
        "citation": _citation(request, newest),
        "collections": selectors.editable_collection_choices(request.user),
        "details": record_details(request.user, record),
        "edit_url": reverse("admin:archive_record_change", args=[record.pk])
        if permissions.can_use_admin(request.user)
        else None,
    }
    return render(request, "archive/record_detail.html", context)


def _citation(request, version):
    """The citation box of a version, or None when there is nothing to cite."""
    if version is None or versions.is_discarded(version):
        return None
    return citations.record_version_box(version, site_base_url(request), today())


def _version_or_404(user, record, number: int):
    version = permissions.visible_versions(user, record).filter(number=number).first()
    if version is None:
        raise Http404("No such version.")
    return version


@require_GET
def record_version(request, public_id: str, number: int):
    """A past version as it read then, to whoever may see the record and that version."""
    record = get_visible_record_or_404(request.user, public_id=public_id)
    version = _version_or_404(request.user, record, number)
    audit.log_record_view(request.user, record, version=number)
    visible = permissions.visible_versions(request.user, record)
    context = {
        "record": record,
        "version": version,
        "snapshot": version.snapshot,
        "latest": visible.last(),
        "previous": visible.filter(number__lt=number).last(),
        "live_terms": selectors.existing_term_slugs(
            t["slug"] for t in version.snapshot.get("tags", [])
        ),
        "can_compare": permissions.can_compare_versions(request.user),
        "citation": _citation(request, version),
        "details": version_details(request.user, version.snapshot),
    }
    return render(request, "archive/record_version.html", context)


@require_GET
def record_version_diff(request, public_id: str, number: int, other: int):
    """What changed from version `number` to version `other`: archivists only (404 otherwise)."""
    if not permissions.can_compare_versions(request.user):
        raise Http404("No such page.")
    record = get_visible_record_or_404(request.user, public_id=public_id)
    old = _version_or_404(request.user, record, number)
    new = _version_or_404(request.user, record, other)
    audit.log_record_view(request.user, record, version=other)
    discarded = versions.is_discarded(old) or versions.is_discarded(new)
    context = {
        "record": record,
        "old": old,
        "new": new,
        "discarded": discarded,
        "diff": None if discarded else compare(old.snapshot, new.snapshot),
        "old_heading": f"Version {old.number}",
        "new_heading": f"Version {new.number}",
    }
    return render(request, "archive/record_version_diff.html", context)


@require_GET
def more_like_this_api(request, public_id: str):
    # Before the record is looked up, so a refusal says nothing about whether it exists.
    if wait := search_wait(request):
        response = JsonResponse({"detail": too_many_searches(wait)}, status=429)
        response["Retry-After"] = str(wait)
        return response
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
