"""Facility pages and the map of every facility."""

from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from archive import camp_map, selectors
from archive.models import Camp, SecurityTier, Term, TermKind
from archive.views.terms import term_detail


@require_GET
def camp_detail(request, slug: str):
    get_object_or_404(Term, slug=slug, kind=TermKind.CAMP)
    return term_detail(request, slug)


@require_GET
def camp_map_page(request):
    """Every facility with coordinates as a list filtered by tier and prefecture through the GET
    form (no script needed); archive/static/archive/camp-map.js draws the list as a map that
    zooms, pans and clusters, and filters both in place."""
    camps = Camp.objects.filter(latitude__isnull=False).select_related("term")
    counts = selectors.records_per_term(request.user, TermKind.CAMP)
    pattern = reverse("archive:camp", args=["SLUG"]).replace("SLUG", "{slug}")
    tiers = {int(t) for t in request.GET.getlist("tier") if t in ("1", "2", "3", "4")}
    prefecture = request.GET.get("prefecture", "")
    every = camp_map.facilities(camps, counts, pattern, tiers, prefecture)
    context = {
        "facilities": every,
        "shown": sum(f.shown for f in every),
        "total": len(every),
        "tiers": [(t.value, t.label) for t in SecurityTier],
        "selected_tiers": tiers,
        "prefectures": sorted({f.prefecture for f in every if f.prefecture}),
        "prefecture": prefecture,
    }
    return render(request, "archive/camp_map.html", context)
