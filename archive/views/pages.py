"""The home page and the about-and-methodology page."""

from django.db.models import Count
from django.shortcuts import render
from django.views.decorators.http import require_GET

from archive import permissions, selectors
from archive.models import RecordKind, TermKind, Visibility

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
            (TermKind(kind).label, selectors.term_counts(request.user, kind, limit=8))
            for kind in SUMMARY_KINDS
        ],
        "collections": collections,
        "camp_label": TermKind.CAMP.label,
    }
    return render(request, "archive/home.html", context)


PLURALS = {RecordKind.TESTIMONY: "testimonies", RecordKind.ARTICLE_EXCERPT: "article excerpts"}


def _counted(kind: RecordKind, n: int) -> str:
    return f"{n} {kind.label if n == 1 else PLURALS[kind]}"


@require_GET
def about(request):
    return render(request, "archive/about.html")
