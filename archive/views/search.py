"""The search page, its JSON twin, and the query-syntax help."""

from functools import lru_cache

from django.http import JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET

from archive import permissions, selectors
from archive.api.throttling import search_rate, search_wait, too_many_searches
from archive.search import limits
from archive.search.evaluate import MAX_PREFIX_TERMS
from archive.search.params import params_from_querydict
from archive.search.query import FACETS, SearchResult, search
from archive.services import audit


def _params(request):
    """The request's search parameters, with a collection slug resolved to its records. A
    collection the user may not see searches nothing, as a missing one would."""
    params = params_from_querydict(request.GET)
    collection = None
    if params.collection:
        collection = (
            permissions.visible_collections(request.user).filter(slug=params.collection).first()
        )
        params.within = (
            selectors.collection_record_ids(request.user, collection)
            if collection is not None
            else frozenset()
        )
    return params, collection


@require_GET
def search_page(request):
    # The empty page (no query string) costs nothing and is not counted.
    if request.GET and (wait := search_wait(request)):
        params = params_from_querydict(request.GET)
        result = SearchResult(params, notice=too_many_searches(wait), refused=True)
        context = {"params": params, "result": result}
        response = render(request, "archive/search.html", context, status=429)
        response["Retry-After"] = str(wait)
        return response
    params, collection = _params(request)
    result = None
    browse = None
    if params.q or params.filters or params.collection:
        result = search(request.user, params)
        if params.collection and collection is None:
            result.notice, result.refused = "No such collection: nothing was searched.", True
        audit.log_search(request.user, params, result)
    else:
        browse = _browse(request.user, params)
    return render(
        request,
        "archive/search.html",
        {
            "params": params,
            "result": result,
            "facets_html": _facets_html(params, result) if result else "",
            "hits": [(hit, _hit_html(hit)) for hit in result.hits] if result else [],
            "collection": collection,
            "collections": selectors.editable_collection_choices(request.user),
            "browse": browse,
        },
    )


BROWSE = (("camp", "Camps"), ("practice", "Practices"), ("technology", "Technologies"))


def _browse(user, params) -> list[tuple[str, str, list]]:
    """Starting points for an empty search: the facets of searching for nothing, that is of
    every record this reader may see, so each number is what its link will find."""
    everything = search(user, params).facets
    lists = [(name, title, everything.get(name, [])) for name, title in BROWSE]
    years = sorted(everything.get("year", []), key=lambda v: v.value)
    return [*lists, ("year", "Years", years)]


@lru_cache(maxsize=4096)  # at most about 2 KB an entry
def _fragment(template: str, values: tuple) -> str:
    """A part of the search page rendered from plain values alone, and reused for the same
    values (a popular search, the next reader of the same role): rendering the sidebar and
    the hits was most of a page's time. The template sees nothing but `values`, so a reused
    fragment is byte for byte what would be rendered now, for this reader."""
    return render_to_string(template, dict(values))


def _hit_html(hit) -> str:
    record = hit.record
    return _fragment(
        "archive/_search_hit.html",
        (
            ("url", record.get_absolute_url()),
            ("title", record.title),
            ("public_id", record.public_id),
            ("kind", str(record.get_kind_display())),
            ("dates", record.event_dates_display),
            ("outlet", record.source.outlet if record.source_id else None),
            ("summary", record.summary),
            ("passages", tuple((p.number, p.highlight, p.url) for p in hit.passages)),
        ),
    )


def _facets_html(params, result) -> str:
    facets = tuple(
        (
            name,
            FACET_TITLES.get(name, name),
            tuple((v.value, v.label, v.count, v.selected) for v in values),
        )
        for name, values in result.facets.items()
        if values
    )
    return _fragment(
        "archive/_search_facets.html",
        (
            ("q", params.q),
            ("sort", params.sort),
            ("collection", params.collection),
            ("facets", facets),
        ),
    )


FACET_TITLES = {
    "kind": "Kind",
    "camp": "Camp",
    "practice": "Practice",
    "technology": "Technology",
    "org": "Organization",
    "place": "Place",
    "lang": "Language",
    "year": "Year of events",
}


@require_GET
def search_api(request):
    if wait := search_wait(request):
        response = JsonResponse({"detail": too_many_searches(wait)}, status=429)
        response["Retry-After"] = str(wait)
        return response
    params, collection = _params(request)
    result = search(request.user, params)
    if params.collection and collection is None:
        result.notice, result.refused = "No such collection: nothing was searched.", True
    audit.log_search(request.user, params, result)
    # Every link is a path of ours: its absolute form is the same prefix, built once (a
    # page of hits has some fifty links, and build_absolute_uri parsed each: 8 % of a search).
    root = request.build_absolute_uri("/")[:-1]
    return JsonResponse(
        {
            "count": result.count,
            "page": params.page,
            "pages": result.pages,
            "results": [
                {
                    "id": hit.record.public_id,
                    "kind": hit.record.kind,
                    "title": hit.record.title,
                    "date": _iso_partial(hit.record),
                    "url": root + hit.record.get_absolute_url(),
                    "score": hit.score,
                    "passages": [
                        {
                            "n": p.number,
                            "highlight": p.highlight,
                            "url": root + p.url,
                        }
                        for p in hit.passages
                    ],
                }
                for hit in result.hits
            ],
            "facets": {
                name: [
                    {"slug": v.value, "label": v.label, "count": v.count}
                    for v in result.facets.get(name, [])
                ]
                for name in FACETS
            },
            "suggestion": result.suggestion,
            "notice": result.notice,
        },
        json_dumps_params={"ensure_ascii": False},
    )


def _iso_partial(record) -> str | None:
    if record.event_start is None:
        return None
    precision = record.event_start_precision
    return {"day": record.event_start.isoformat(), "year": str(record.event_start.year)}.get(
        precision, record.event_start.strftime("%Y-%m")
    )


@require_GET
def search_help(request):
    return render(
        request,
        "archive/search_help.html",
        {
            "search_url": reverse("archive:search"),
            "limits": {
                "characters": limits.MAX_QUERY_LENGTH,
                "words": limits.MAX_TERMS,
                "wildcards": limits.MAX_WILDCARDS,
                "wildcard_words": MAX_PREFIX_TERMS,
                "suggest_words": limits.MAX_SUGGEST_QUERY_TERMS,
                "suggest_letters": limits.MAX_SUGGEST_WORD_LENGTH,
                "anonymous_rate": search_rate("search_anon"),
                "signed_in_rate": search_rate("search_user"),
            },
        },
    )
