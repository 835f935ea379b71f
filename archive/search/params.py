"""Search parameters from a request's query string, shared by the page and the JSON API."""

from django.http import QueryDict

from archive.search.limits import MAX_QUERY_LENGTH
from archive.search.query import FACETS, SORTS, SearchParams, clean_filters

MAX_PAGE = 500


def params_from_querydict(data: QueryDict) -> SearchParams:
    """Lenient by design: a bad page, sort or facet value is ignored, never an error."""
    try:
        page = min(max(1, int(data.get("page", "1"))), MAX_PAGE)
    except ValueError:
        page = 1
    sort = data.get("sort", "relevance")
    return SearchParams(
        # Kept past the limit, so search() can say it is too long; but not without end.
        q=data.get("q", "")[: 2 * MAX_QUERY_LENGTH],
        filters=clean_filters({name: data.getlist(name) for name in FACETS}),
        sort=sort if sort in SORTS else "relevance",
        page=page,
        collection=data.get("collection", "")[:80],
    )
