"""The audit log, read-only, for archivists only; everyone else gets 404."""

from datetime import UTC, datetime, time

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers

from archive.api.permissions import ArchivistOr404
from archive.models.audit import AuditAction, AuditEntry
from archive.services import audit


class AuditEntrySerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_label")

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "at",
            "actor",
            "action",
            "target_type",
            "target_id",
            "detail",
            "channel",
            "path",
            "ip_hash",
        ]


def _day(value: str, end: bool):
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()  # noqa: DTZ007 (only the date is kept)
    except ValueError:
        return None
    return datetime.combine(day, time.max if end else time.min, tzinfo=UTC)


FILTERS = {"action": "action", "actor": "actor_label", "target_id": "target_id"}


@extend_schema(
    parameters=[
        OpenApiParameter("action", str, enum=AuditAction.values),
        OpenApiParameter("actor", str, description="Username as it was at the time."),
        OpenApiParameter("target_id", str, description="E.g. a record's identifier."),
        OpenApiParameter("since", str, description="YYYY-MM-DD (UTC), inclusive."),
        OpenApiParameter("until", str, description="YYYY-MM-DD (UTC), inclusive."),
    ]
)
class AuditLog(generics.ListAPIView):
    """Entries newest first. Reading them is itself audited (`audit.export`, with the
    filters and page), like the admin's CSV export: the log says who read the log."""

    serializer_class = AuditEntrySerializer
    permission_classes = [ArchivistOr404]

    def get_queryset(self):
        params = self.request.query_params
        entries = AuditEntry.objects.order_by("-at", "-id")
        for name, field in (
            ("action", "action"),
            ("actor", "actor_label"),
            ("target_id", "target_id"),
        ):
            if value := params.get(name):
                entries = entries.filter(**{field: value})
        for name, lookup, end in (("since", "at__gte", False), ("until", "at__lte", True)):
            if value := params.get(name):
                bound = _day(value, end)
                if bound is None:
                    return entries.none()
                entries = entries.filter(**{lookup: bound})
        return entries

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        filters = {k: v[:100] for k, v in request.query_params.items()}
        audit.log(AuditAction.AUDIT_EXPORT, actor=request.user, detail={"api": filters})
        return response
