"""The home page and the about-and-methodology page."""

from django.db.models import Count
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.http import require_GET

from archive import permissions, selectors
from archive.models import RecordKind, TermKind, Visibility
from archive.models.records import RECORD_KIND_PLURAL
from archive.models.vocabulary import TERM_KIND_PLURAL

SUMMARY_KINDS = (TermKind.CAMP, TermKind.PRACTICE, TermKind.TECHNOLOGY)


@require_GET
def home(request):
    """What the archive holds, counted over what this visitor may see only."""
    visible = permissions.visible_records(request.user)
    by_kind = dict(visible.values_list("kind").annotate(n=Count("pk")))
    collections = (
        permissions.visible_collections(request.user)
        .filter(visibility=Visibility.PUBLIC, versions__isnull=False)
        .annotate(n_versions=Count("versions"))
        .order_by("-updated_at")[:5]
    )
    context = {
        "kinds": [_counted(kind, by_kind.get(kind.value, 0)) for kind in RecordKind],
        "total": sum(by_kind.values()),
        "summaries": [
            (TERM_KIND_PLURAL[kind], selectors.term_counts(request.user, kind, limit=8))
            for kind in SUMMARY_KINDS
        ],
        "collections": collections,
        "camp_label": TERM_KIND_PLURAL[TermKind.CAMP],
    }
    return render(request, "archive/home.html", context)


def _counted(kind: RecordKind, n: int) -> str:
    return f"{n} {kind.label if n == 1 else RECORD_KIND_PLURAL[kind]}"


@require_GET
def favicon(request):
    """Browsers ask for /favicon.ico on their own (for JSON and other non-HTML pages too)."""
    return redirect(static("archive/favicon.svg"), permanent=True)


@require_GET
def about(request):
    return render(request, "archive/about.html")
