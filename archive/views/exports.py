"""Download of a collection version as a ZIP (docs/exports.md)."""

from django.http import StreamingHttpResponse
from django.views.decorators.http import require_GET

from archive.permissions import get_visible_collection_or_404
from archive.services import exports
from archive.views.citations import collection_version_or_404, site_base_url


@require_GET
def collection_version_export(request, slug: str, number: int):
    """Whoever may read the version may export it; items whose records they may not see are
    left out and counted. Streamed: a version of 50,000 items is never held in memory."""
    collection = get_visible_collection_or_404(request.user, slug=slug)
    version = collection_version_or_404(collection, number)
    export = exports.collection_version_export(
        version=version, by=request.user, base_url=site_base_url(request)
    )
    response = StreamingHttpResponse(export.stream(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
