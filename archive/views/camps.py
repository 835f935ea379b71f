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
    """Every facility with coordinates, filtered by tier and prefecture by the GET form (no
    script needed) or instantly by archive/static/archive/camp-map.js."""
    camps = Camp.objects.filter(latitude__isnull=False).select_related("term")
    counts = selectors.records_per_term(request.user, TermKind.CAMP)
    pattern = reverse("archive:camp", args=["SLUG"]).replace("SLUG", "{slug}")
    every = camp_map.marks(camps, counts, pattern)
    tiers = {int(t) for t in request.GET.getlist("tier") if t in ("1", "2", "3", "4")}
    prefecture = request.GET.get("prefecture", "")
    shown = [
        m
        for m in every
        if (not tiers or m.tier in tiers) and (not prefecture or m.prefecture == prefecture)
    ]
    context = {
        "marks": shown,
        "total": len(every),
        "width": camp_map.WIDTH,
        "height": camp_map.HEIGHT,
        "labels": camp_map.prefecture_labels(every),
        "graticule": camp_map.graticule(),
        "tiers": [(t.value, t.label, camp_map.TIER_COLOURS[t.value]) for t in SecurityTier],
        "untiered": camp_map.TIER_COLOURS[None],
        "selected_tiers": tiers,
        "prefectures": sorted({m.prefecture for m in every if m.prefecture}),
        "prefecture": prefecture,
    }
    return render(request, "archive/camp_map.html", context)
