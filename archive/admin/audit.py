"""The audit log in the admin: filter, read and export as CSV; never add, change or delete."""

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from archive import spreadsheets
from archive.models.audit import AuditAction, AuditEntry
from archive.services import audit

CSV_COLUMNS = [
    "id",
    "at",
    "actor_label",
    "action",
    "target_type",
    "target_id",
    "channel",
    "path",
    "ip_hash",
    "detail",
]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_label", "action", "target_type", "target_id", "channel"]
    list_filter = ["action", "channel", "at", "target_type"]
    search_fields = ["actor_label", "target_id", "ip_hash", "path"]
    date_hierarchy = "at"
    readonly_fields = [*CSV_COLUMNS[1:], "actor"]
    fields = readonly_fields
    list_per_page = 100
    show_full_result_count = False  # a count over millions of rows would slow every page

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        return {}  # no "delete selected"

    def get_urls(self):
        export = self.admin_site.admin_view(self.export_csv)
        return [path("export.csv", export, name="archive_auditentry_export"), *super().get_urls()]

    def export_csv(self, request):
        """The entries the change list's current filters select, as CSV, streamed."""
        if not self.has_view_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
            entries = changelist.get_queryset(request).order_by("at", "id")
        except (IncorrectLookupParameters, ValidationError):
            # A forged or stale filter: back to the list, as the admin itself does.
            return HttpResponseRedirect(reverse("admin:archive_auditentry_changelist") + "?e=1")
        filters = {k: v for k, v in request.GET.items()}
        audit.log(AuditAction.AUDIT_EXPORT, actor=request.user, detail={"filters": filters})
        writer = spreadsheets.row_writer()

        def rows():
            yield writer.writerow(CSV_COLUMNS)
            for entry in entries.iterator(chunk_size=2000):
                yield writer.writerow(
                    spreadsheets.csv_cell(v)
                    for v in [
                        entry.pk,
                        entry.at.isoformat(),
                        entry.actor_label,
                        entry.action,
                        entry.target_type,
                        entry.target_id,
                        entry.channel,
                        entry.path,
                        entry.ip_hash,
                        _json(entry.detail),
                    ]
                )

        stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
        return response

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "export_label": _("Export these entries (CSV)")}
        return super().changelist_view(request, extra_context)


def _json(value) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, sort_keys=True)
