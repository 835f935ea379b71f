"""Admin pieces that apply archive.permissions to record-bound objects."""

from django.contrib.admin.utils import unquote
from django.http import Http404

from archive import permissions
from archive.models.audit import AuditAction
from archive.services import audit


class HiddenIs404Mixin:
    """Objects outside the policy's queryset answer 404, as everywhere else, instead of the
    admin's redirect with a "does not exist" message."""

    def _check_visible(self, request, object_id):
        # get_object answers None for an id of the wrong type (say /record/import/change/)
        # as for a hidden one, so both are "not found" rather than a server error.
        if object_id and self.get_object(request, unquote(object_id)) is None:
            raise Http404("No such object.")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._check_visible(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self._check_visible(request, object_id)
        return super().delete_view(request, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self._check_visible(request, object_id)
        return super().history_view(request, object_id, extra_context)


class AuditedAdminMixin:
    """Every save and delete through this admin writes an audit entry with the fields changed
    (names only: values are in the object's history)."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit.log(
            AuditAction.OBJECT_CHANGE,
            actor=request.user,
            target=obj,
            detail={"created": not change, "fields": sorted(form.changed_data)},
        )

    def delete_model(self, request, obj):
        target = (obj._meta.model_name, obj.pk)
        super().delete_model(request, obj)
        audit.log(AuditAction.OBJECT_DELETE, actor=request.user, target=target)

    def delete_queryset(self, request, queryset):
        targets = [(obj._meta.model_name, obj.pk) for obj in queryset]
        super().delete_queryset(request, queryset)
        for target in targets:
            audit.log(AuditAction.OBJECT_DELETE, actor=request.user, target=target)


def visible_record_ids(request):
    return permissions.visible_records(request.user).values("pk")
