"""Records (list with filters, detail) and record versions."""

from django.db.models import Q
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics

from archive import permissions
from archive.api.serializers.records import (
    RecordDetailSerializer,
    RecordSerializer,
    VersionSerializer,
)
from archive.models import RecordKind, RecordState
from archive.models.vocabulary import SEARCH_FIELD
from archive.services import audit

# The tag filters take the search's parameter names: camp=, practice=, org=, …
TAG_PARAMETERS = {name: kind for kind, name in SEARCH_FIELD.items()}

RECORD_FILTERS = [
    OpenApiParameter("kind", str, enum=RecordKind.values),
    OpenApiParameter("language", str, description="BCP 47 tag, e.g. en, ug-Arab, zh."),
    OpenApiParameter("year", int, description="Records whose events span this year."),
    OpenApiParameter("state", str, enum=RecordState.values, description="Archivists only."),
    *(
        OpenApiParameter(name, str, description=f"Tagged with this {kind.label} (slug).")
        for name, kind in TAG_PARAMETERS.items()
    ),
]


def _year(value: str) -> int | None:
    return int(value) if value.isdigit() and 1 <= int(value) <= 9999 else None


@extend_schema(parameters=RECORD_FILTERS)
class RecordList(generics.ListAPIView):
    """Records you may see, newest identifier last. Unknown filter values match nothing."""

    serializer_class = RecordSerializer

    def get_queryset(self):
        user, params = self.request.user, self.request.query_params
        records = permissions.visible_records(user).order_by("public_id")
        if kind := params.get("kind"):
            records = records.filter(kind=kind)
        if language := params.get("language"):
            records = records.filter(language=language)
        if state := params.get("state"):
            # Everyone else sees only published records; the filter would only echo that.
            if permissions.is_archivist(user):
                records = records.filter(state=state)
        if "year" in params:
            year = _year(params["year"])
            if year is None:
                return records.none()
            records = records.filter(
                Q(event_start__year__lte=year),
                Q(event_end__year__gte=year)
                | Q(event_end__isnull=True, event_start__year__gte=year),
            )
        for name, kind in TAG_PARAMETERS.items():
            for slug in params.getlist(name):
                records = records.filter(tags__kind=kind, tags__slug=slug)
        return records.select_related("source").distinct()


class RecordDetail(generics.RetrieveAPIView):
    """A record with its passages (¶ number, role, text, SHA-256, tags), tags, the versions you
    may read, attachments and citation links. Views of restricted and confidential records
    are audited, as on the record page."""

    serializer_class = RecordDetailSerializer

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        # The record's version number (docs/api.md, "Changing records"): what a writer would
        # send back in If-Match so a change made meanwhile is caught, not overwritten.
        response["ETag"] = f'"{self.record.edit_version}"'
        return response

    def get_object(self):
        user = self.request.user
        record = permissions.get_visible_record_or_404(user, public_id=self.kwargs["public_id"])
        audit.log_record_view(user, record)
        self.record = record
        return record


class RecordVersionDetail(generics.RetrieveAPIView):
    """Version n of a record as it read then (docs/versions.md). Readers get versions made
    while the record was published; archivists every version."""

    serializer_class = VersionSerializer

    @extend_schema(responses={200: VersionSerializer, 404: OpenApiTypes.OBJECT})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_object(self):
        user = self.request.user
        record = permissions.get_visible_record_or_404(user, public_id=self.kwargs["public_id"])
        version = (
            permissions.visible_versions(user, record).filter(number=self.kwargs["number"]).first()
        )
        if version is None:
            raise Http404("No such version.")
        audit.log_record_view(user, record, version=version.number)
        return version
