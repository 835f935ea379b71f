"""The controlled vocabularies: public by nature (person terms name officials only)."""

from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics

from archive.api.serializers.records import TermDetailSerializer, TermSerializer
from archive.models import Term, TermKind
from archive.models.vocabulary import fold_label


@extend_schema(
    parameters=[
        OpenApiParameter("kind", str, enum=TermKind.values),
        OpenApiParameter("q", str, description="Part of the label or of any alias."),
    ]
)
class TermList(generics.ListAPIView):
    """Terms by kind and label. Record counts are left out on purpose: they depend on who
    asks, and the search facets already give them through the policy."""

    serializer_class = TermSerializer

    def get_queryset(self):
        terms = Term.objects.order_by("kind", "preferred_label", "slug")
        params = self.request.query_params
        if kind := params.get("kind"):
            terms = terms.filter(kind=kind)
        if q := params.get("q", "").strip()[:200]:
            terms = terms.filter(
                Q(preferred_label__icontains=q) | Q(aliases__folded__contains=fold_label(q))
            ).distinct()
        return terms


class TermDetail(generics.RetrieveAPIView):
    """A term with its aliases, external identifiers, broader and narrower terms."""

    serializer_class = TermDetailSerializer
    lookup_field = "slug"
    queryset = Term.objects.select_related("broader").prefetch_related(
        "aliases", "external_ids", "narrower"
    )
