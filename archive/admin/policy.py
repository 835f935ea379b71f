"""Admin pieces that apply archive.permissions to record-bound objects."""

from django.contrib.admin.utils import unquote
from django.http import Http404

from archive import permissions


class HiddenIs404Mixin:
    """Objects outside the policy's queryset answer 404, as everywhere else, instead of the
    admin's redirect with a "does not exist" message."""

    def _check_visible(self, request, object_id):
        if object_id and not self.get_queryset(request).filter(pk=unquote(object_id)).exists():
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


def visible_record_ids(request):
    return permissions.visible_records(request.user).values("pk")
