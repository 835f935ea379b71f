"""Reviewing identifying details: replace with one click, or dismiss with a written reason."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from archive.admin.policy import HiddenIs404Mixin, visible_record_ids
from archive.models import FindingStatus, PiiFinding
from archive.services import intake


class DismissForm(forms.ModelForm):
    class Meta:
        model = PiiFinding
        fields = ["note"]

    def clean_note(self):
        note = self.cleaned_data["note"].strip()
        if not note:
            raise ValidationError(_("Say why this is not identifying."))
        return note


@admin.register(PiiFinding)
class PiiFindingAdmin(HiddenIs404Mixin, admin.ModelAdmin):
    list_display = ["record", "where", "kind", "context", "placeholder", "status"]
    list_filter = ["status", "kind"]
    search_fields = ["record__public_id"]
    list_select_related = ["record"]
    actions = ["replace_with_placeholder"]
    form = DismissForm
    readonly_fields = ["record", "where", "kind", "context", "placeholder", "status"]
    fields = [*readonly_fields, "note"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(record__in=visible_record_ids(request))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None or obj.status == FindingStatus.OPEN

    @admin.display(description=_("where"))
    def where(self, finding):
        return finding.location

    @admin.display(description=_("in context"))
    def context(self, finding):
        """The finding with some words around it, so the archivist can judge it."""
        if finding.status != FindingStatus.OPEN:
            return finding.text or "—"
        text = intake.source_text(finding)
        before = text[max(0, finding.start - 40) : finding.start]
        found, after = text[finding.start : finding.end], text[finding.end : finding.end + 40]
        return f"…{before}[{found}]{after}…"

    def save_model(self, request, obj, form, change):
        # Saving the form with a reason is the dismissal.
        intake.dismiss_finding(finding=obj, by=request.user, reason=form.cleaned_data["note"])

    @admin.action(description=_("Replace with the placeholder"))
    def replace_with_placeholder(self, request, queryset):
        done = 0
        for pk in list(queryset.values_list("pk", flat=True)):
            # Replacing one can resolve others of the same text; take each as it is now.
            finding = PiiFinding.objects.get(pk=pk)
            if finding.status == FindingStatus.OPEN:
                intake.replace_finding(finding=finding, by=request.user)
                done += 1
        self.message_user(request, _("Replaced %d finding(s).") % done, messages.SUCCESS)
