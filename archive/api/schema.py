"""Additions to the generated OpenAPI schema: the two JSON endpoints that are plain Django
views (archive/views/search.py, archive/views/records.py) are described here, so they keep
their code and shape (docs/search.md) and still appear in the schema and its tests."""

FACETS = ("kind", "camp", "practice", "technology", "org", "place", "lang", "year")

_facet_value = {
    "type": "object",
    "properties": {
        "slug": {"type": "string"},
        "label": {"type": "string"},
        "count": {"type": "integer"},
    },
    "required": ["slug", "label", "count"],
}

SEARCH_RESULT = {
    "type": "object",
    "properties": {
        "count": {"type": "integer"},
        "page": {"type": "integer"},
        "pages": {"type": "integer"},
        "results": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "string", "example": "A-000008"},
                    "kind": {"type": "string"},
                    "title": {"type": "string"},
                    "date": {"type": "string", "nullable": True},
                    "url": {"type": "string", "format": "uri"},
                    "score": {"type": "number", "nullable": True},
                    "passages": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "n": {"type": "integer"},
                                "highlight": {"type": "string"},
                                "url": {"type": "string", "format": "uri"},
                            },
                        },
                    },
                },
            },
        },
        "facets": {
            "type": "object",
            "properties": {name: {"type": "array", "items": _facet_value} for name in FACETS},
        },
        "suggestion": {"type": "string", "nullable": True},
        "notice": {"type": "string", "nullable": True},
    },
    "required": ["count", "page", "pages", "results", "facets", "suggestion", "notice"],
}


def _query(name: str, description: str, repeat: bool = False) -> dict:
    schema = {"type": "array", "items": {"type": "string"}} if repeat else {"type": "string"}
    parameter = {"name": name, "in": "query", "required": False, "schema": schema}
    parameter["description"] = description
    if repeat:
        parameter.update(style="form", explode=True)
    return parameter


# The search endpoints share one budget per client (docs/api.md, "Throttling").
THROTTLED = {
    "description": "Too many searches: wait the seconds in Retry-After.",
    "headers": {"Retry-After": {"schema": {"type": "integer"}}},
    "content": {
        "application/json": {
            "schema": {"type": "object", "properties": {"detail": {"type": "string"}}}
        }
    },
}

SEARCH = {
    "get": {
        "operationId": "search",
        "summary": "Search records and passages (docs/search.md)",
        "description": (
            "The query language of /search/; facet parameters repeat, with slugs as values. "
            "Unknown parameters, bad pages and over-long values are ignored. Only what you may "
            "see is searched, counted and faceted; searches by signed-in users are audited."
        ),
        "tags": ["search"],
        "parameters": [
            _query("q", "The query: phrases, AND/OR/NOT, camp:…, year:2017..2019, wildcards."),
            *(
                _query(name, f"Facet filter ({name}); repeat for more.", repeat=True)
                for name in ("camp", "practice", "technology", "org", "place", "year")
            ),
            _query("kind", "testimony or article_excerpt."),
            _query("lang", "Language tag."),
            _query("collection", "Search within a collection (slug)."),
            _query("sort", "relevance, date or -date."),
            _query("page", "Page number, from 1."),
        ],
        "responses": {
            "200": {
                "description": "Results, facets and counts.",
                "content": {"application/json": {"schema": SEARCH_RESULT}},
            },
            "429": THROTTLED,
        },
    }
}

MORE_LIKE_THIS = {
    "get": {
        "operationId": "records_more_like_this",
        "summary": "Records like this one, among those you may see",
        "tags": ["records"],
        "parameters": [
            {"name": "public_id", "in": "path", "required": True, "schema": {"type": "string"}}
        ],
        "responses": {
            "200": {
                "description": "Up to ten similar records.",
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "id": {"type": "string"},
                                "results": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "properties": {
                                            "id": {"type": "string"},
                                            "title": {"type": "string"},
                                            "url": {"type": "string", "format": "uri"},
                                        },
                                    },
                                },
                            },
                        }
                    }
                },
            },
            "404": {"description": "No such record, or one you may not see."},
            "429": THROTTLED,
        },
    }
}


def add_json_endpoints(result, generator, request, public):
    """drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS)."""
    result["paths"]["/api/v1/search/"] = SEARCH
    result["paths"]["/api/v1/records/{public_id}/more-like-this/"] = MORE_LIKE_THIS
    return result
