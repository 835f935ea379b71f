"""Grants in the admin: created and revoked through the access services, never edited."""

from django import forms
from django.contrib import admin, messages
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from archive.admin.policy import HiddenIs404Mixin, visible_record_ids
from archive.admin.service_saves import CreatedByServiceMixin
from archive.models import Grant
from archive.services import access as access_services


class ActiveFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("active", _("active")), ("inactive", _("expired or revoked"))]

    def queryset(self, request, queryset):
        active = Grant.objects.active().values("pk")
        if self.value() == "active":
            return queryset.filter(pk__in=active)
        if self.value() == "inactive":
            return queryset.exclude(pk__in=active)
        return queryset


class GrantForm(forms.ModelForm):
    class Meta:
        model = Grant
        fields = ["record", "collection", "user", "group", "reason", "expires_at"]


@admin.register(Grant)
class GrantAdmin(CreatedByServiceMixin, HiddenIs404Mixin, admin.ModelAdmin):
    form = GrantForm
    list_display = ["target", "grantee", "reason", "expires_at", "active", "granted_by"]
    list_filter = [ActiveFilter, "created_at", "expires_at"]
    search_fields = [
        "record__public_id",
        "collection__slug",
        "user__username",
        "group__name",
        "reason",
    ]
    autocomplete_fields = ["record", "collection", "user", "group"]
    list_select_related = ["record", "collection", "user", "group", "granted_by"]
    actions = ["revoke"]
    readonly_fields = ["granted_by", "created_at", "revoked_at", "revoked_by"]

    def get_queryset(self, request):
        grants = super().get_queryset(request)
        return grants.filter(Q(record__in=visible_record_ids(request)) | Q(record__isnull=True))

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:  # a grant is revoked and replaced, never rewritten
            return [*GrantForm.Meta.fields, *self.readonly_fields]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(boolean=True, description=_("active"))
    def active(self, grant):
        return grant.is_active()

    def save_model(self, request, obj, form, change):
        if not change:  # a grant is revoked and replaced, never rewritten
            super().save_model(request, obj, form, change)

    def create_through_service(self, request, form):
        grant = form.instance
        return access_services.grant_create(
            record=grant.record,
            collection=grant.collection,
            user=grant.user,
            group=grant.group,
            reason=grant.reason,
            expires_at=grant.expires_at,
            by=request.user,
        )

    @admin.action(description=_("Revoke the selected grants"))
    def revoke(self, request, queryset):
        revoked = sum(access_services.grant_revoke(grant=g, by=request.user) for g in queryset)
        self.message_user(request, _("Revoked %d grant(s).") % revoked, messages.SUCCESS)
