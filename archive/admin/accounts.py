"""Invitations in the admin: an archivist names the account and its role and gets a link to
hand over through a channel they trust. The link is shown once; only its digest is kept."""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from archive import roles
from archive.admin.service_saves import CreatedByServiceMixin
from archive.models import Invitation
from archive.services import accounts as account_services


class InvitationForm(forms.ModelForm):
    username = forms.CharField(max_length=150)
    email = forms.EmailField(required=False, help_text=_("Optional; the archive sends no mail."))
    role = forms.ChoiceField(
        choices=[("", _("no role (registered reader)")), *[(r, r) for r in roles.ROLES]],
        required=False,
    )

    class Meta:
        model = Invitation
        fields = []

    def clean_username(self):
        username = self.cleaned_data["username"]
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise ValidationError(_("That username is taken."))
        return username


@admin.register(Invitation)
class InvitationAdmin(CreatedByServiceMixin, admin.ModelAdmin):
    list_display = ["user", "role", "status", "created_by", "created_at", "expires_at"]
    list_filter = ["role", "created_at"]
    search_fields = ["user__username"]
    list_select_related = ["user", "created_by"]
    actions = ["reissue"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = InvitationForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["username", "email", "role"]
        return ["user", "role", "created_by", "created_at", "expires_at", "accepted_at"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.get_fields(request, obj)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def create_through_service(self, request, form):
        invitation, token = account_services.invite(
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            by=request.user,
        )
        request._invitation_link = request.build_absolute_uri(
            reverse("archive:invitation", args=[token])
        )
        return invitation

    def response_add(self, request, obj, post_url_continue=None):
        return self._show_link(request, obj)

    def _show_link(self, request, invitation):
        invitation.refresh_from_db()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Invitation link"),
            "opts": self.model._meta,
            "invitation": invitation,
            "link": request._invitation_link,
        }
        return TemplateResponse(request, "admin/archive/invitation/link.html", context)

    @admin.action(description=_("Make a new link (and a new expiry)"))
    def reissue(self, request, queryset):
        open_ones = [i for i in queryset if i.accepted_at is None]
        if len(open_ones) != 1:
            self.message_user(request, _("Choose exactly one invitation not yet accepted."))
            return None
        invitation, token = account_services.reissue(invitation=open_ones[0], by=request.user)
        request._invitation_link = request.build_absolute_uri(
            reverse("archive:invitation", args=[token])
        )
        return self._show_link(request, invitation)
