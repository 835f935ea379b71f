"""Page-number pagination: ?page=N&page_size=M, with a ceiling on M."""

from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class ItemPagination(Pagination):
    """Items of a collection draft or version, with the number of items the reader may not
    see: counted, never named (docs/collections.md)."""

    def paginate_items(self, items, hidden: int, request, view=None):
        self.hidden = hidden
        return self.paginate_queryset(items, request, view)

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["hidden_items"] = self.hidden
        return Response(response.data)

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["hidden_items"] = {"type": "integer", "example": 1}
        schema["required"] = [*schema.get("required", []), "hidden_items"]
        return schema
