"""Term pages (camps, practices, technologies, organizations …) and the corroboration table."""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from archive import selectors
from archive.models import Term

RECORDS_PER_PAGE = 50


@require_GET
def term_detail(request, slug: str):
    term = get_object_or_404(
        Term.objects.select_related("broader").prefetch_related(
            "aliases", "narrower", "external_ids"
        ),
        slug=slug,
    )
    records = selectors.records_tagged(request.user, term).select_related("source")
    page = Paginator(records.order_by("event_start", "public_id"), RECORDS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    passages = selectors.passages_tagged(request.user, term).order_by(
        "record__public_id", "position"
    )[:RECORDS_PER_PAGE]
    context = {
        "term": term,
        "camp": getattr(term, "camp", None) if term.kind == "camp" else None,
        "page": page,
        "passages": passages,
        "passage_count": selectors.passages_tagged(request.user, term).count(),
        "by_year": selectors.counts_by_year(records),
        "narrators": selectors.distinct_narrators(records),
    }
    return render(request, "archive/term_detail.html", context)


@require_GET
def corroboration(request):
    return render(request, "archive/corroboration.html", selectors.corroboration(request.user))
