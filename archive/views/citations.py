"""Citations as files or text: `…/cite?format=bibtex|ris|csl-json|chicago|apa`."""

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.urls import get_script_prefix
from django.utils import timezone
from django.views.decorators.http import require_GET

from archive import citations, permissions
from archive.permissions import get_visible_collection_or_404, get_visible_record_or_404
from archive.services import audit, versions

FORMAT_HELP = (
    "Choose a citation format with ?format=: "
    + ", ".join(citations.FORMATS)
    + " (bibtex, ris and csl-json are files; chicago and apa are text).\n"
)


def site_base_url(request) -> str:
    """The address citations name: ARCHIVE_BASE_URL, or else the one this request came to."""
    return settings.ARCHIVE_BASE_URL or request.build_absolute_uri(get_script_prefix())


def today():
    return timezone.now().date()


def _format(request) -> str | None:
    fmt = request.GET.get("format", "")
    return fmt if fmt in citations.FORMATS else None


def _respond(work: citations.Work, fmt: str, *, private: bool) -> HttpResponse:
    spec = citations.FORMATS[fmt]
    response = HttpResponse(citations.render(work, fmt), content_type=spec.content_type)
    if spec.extension:
        response["Content-Disposition"] = f'attachment; filename="{work.key}.{spec.extension}"'
    # A citation names a record; of a sensitive one, no shared cache may keep it.
    response["Cache-Control"] = "private, no-store" if private else "private"
    return response


def _readable_version(user, record, number: int | None):
    visible = permissions.visible_versions(user, record)
    version = visible.last() if number is None else visible.filter(number=number).first()
    if version is None or versions.is_discarded(version):
        # A draft whose text was discarded at publication has nothing left to cite.
        raise Http404("No such version.")
    return version


@require_GET
def record_cite(request, public_id: str, number: int | None = None, passage: int | None = None):
    """A record version (the newest the reader may see when no number is given), or one
    of its passages. Hidden records and versions answer 404 like missing ones."""
    fmt = _format(request)
    if fmt is None:
        return HttpResponseBadRequest(FORMAT_HELP, content_type="text/plain; charset=utf-8")
    record = get_visible_record_or_404(request.user, public_id=public_id)
    version = _readable_version(request.user, record, number)
    base, accessed = site_base_url(request), today()
    if passage is None:
        work = citations.record_version_work(version, base_url=base, accessed=accessed)
    else:
        try:
            work = citations.passage_work(version, passage, base_url=base, accessed=accessed)
        except LookupError:
            raise Http404("No such passage.") from None
    audit.log_record_view(request.user, record, passage=passage, version=version.number)
    return _respond(work, fmt, private=permissions.is_sensitive(record))


@require_GET
def collection_cite(request, slug: str, number: int | None = None):
    """A published collection version (the newest when no number is given)."""
    fmt = _format(request)
    if fmt is None:
        return HttpResponseBadRequest(FORMAT_HELP, content_type="text/plain; charset=utf-8")
    collection = get_visible_collection_or_404(request.user, slug=slug)
    version = collection_version_or_404(collection, number)
    work = citations.collection_version_work(
        version, base_url=site_base_url(request), accessed=today()
    )
    return _respond(work, fmt, private=True)


def collection_version_or_404(collection, number: int | None):
    """Every collection version is published, so whoever may open the collection may read
    each of them. The manifest stays in the database: it can list 50,000 items."""
    found = collection.versions.defer("manifest").order_by("number")
    version = found.last() if number is None else found.filter(number=number).first()
    if version is None:
        raise Http404("No such version.")
    return version
