"""Collections and record versions in the admin: read-only overviews for archivists.

Collections are edited on their own pages (archive/views/collections.py) through the
services, and versions never change, so nothing here writes."""

from django.contrib import admin

from archive.admin.policy import HiddenIs404Mixin, visible_record_ids
from archive.models import Collection, CollectionVersion, RecordVersion


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CollectionVersionInline(admin.TabularInline):
    model = CollectionVersion
    fields = ["number", "title", "published_at", "published_by", "manifest_hash"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Collection)
class CollectionAdmin(ReadOnlyAdmin):
    list_display = ["slug", "title", "visibility", "updated_at"]
    list_filter = ["visibility"]
    search_fields = ["slug", "title"]
    fields = ["slug", "title", "description", "visibility", "curators", "created_at"]
    readonly_fields = fields
    inlines = [CollectionVersionInline]


@admin.register(CollectionVersion)
class CollectionVersionAdmin(ReadOnlyAdmin):
    list_display = ["collection", "number", "published_at", "published_by", "manifest_hash"]
    search_fields = ["collection__slug", "title"]
    fields = [
        "collection",
        "number",
        "title",
        "note",
        "published_at",
        "published_by",
        "manifest_hash",
        "manifest",
    ]
    readonly_fields = fields


@admin.register(RecordVersion)
class RecordVersionAdmin(HiddenIs404Mixin, ReadOnlyAdmin):
    list_display = ["__str__", "created_at", "created_by_label", "state", "note", "redacted_at"]
    list_filter = ["state"]
    search_fields = ["record__public_id", "note"]
    fields = [
        "record",
        "number",
        "created_at",
        "created_by_label",
        "note",
        "state",
        "content_hash",
        "version_hash",
        "redacted_at",
        "snapshot",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).filter(record__in=visible_record_ids(request))
