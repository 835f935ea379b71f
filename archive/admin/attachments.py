"""Adding images to a record: sanitized on upload (bad files are refused on the form), with
rectangles to blur or black out; stored images are never edited, only added."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from archive.admin.policy import HiddenIs404Mixin, visible_record_ids
from archive.admin.service_saves import CreatedByServiceMixin
from archive.models import Attachment
from archive.services import attachments as attachment_services
from archive.services import versions
from archive.services.images import ImageRejected, sanitize


class AttachmentForm(forms.ModelForm):
    image = forms.FileField(help_text=_("JPEG, PNG, WebP or TIFF. Metadata is removed."))
    regions = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Rectangles to hide, in pixels of the upright image: x,y,width,height; …"),
    )
    how = forms.ChoiceField(choices=[("blur", _("blur")), ("black", _("black out"))])
    change_note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Why the image is added. Needed once the record has been published."),
    )

    class Meta:
        model = Attachment
        fields = ["record", "caption"]

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("image")
        record = cleaned.get("record")
        if record is not None:
            try:
                versions.check_note(record, cleaned.get("change_note", ""))
            except ValidationError as error:
                self.add_error(None, error)
        if upload is None:
            return cleaned
        try:
            cleaned["parsed_regions"] = attachment_services.parse_regions(
                cleaned.get("regions", ""), cleaned.get("how", "blur")
            )
        except ValueError as error:
            raise ValidationError({"regions": str(error)}) from None
        data = upload.read()
        try:
            sanitize(data, cleaned["parsed_regions"])  # refuse here, with the reason, on the form
        except ImageRejected as error:
            raise ValidationError({"image": str(error)}) from None
        cleaned["data"] = data
        return cleaned


@admin.register(Attachment)
class AttachmentAdmin(CreatedByServiceMixin, HiddenIs404Mixin, admin.ModelAdmin):
    form = AttachmentForm
    list_display = ["record", "number", "preview", "caption", "format", "sha256"]
    search_fields = ["record__public_id", "caption"]
    autocomplete_fields = ["record"]
    list_select_related = ["record"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(record__in=visible_record_ids(request))

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["record", "image", "caption", "regions", "how", "change_note"]
        return ["record", "number", "preview", "caption", "format", "width", "height", "sha256"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.get_fields(request, obj)

    def has_change_permission(self, request, obj=None):
        return obj is None  # the list, yes; a stored image is never edited

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("image"))
    def preview(self, attachment):
        return format_html('<img src="{}" alt="" height="60">', attachment.thumbnail_url())

    def create_through_service(self, request, form):
        return attachment_services.attachment_add(
            record=form.cleaned_data["record"],
            data=form.cleaned_data["data"],
            caption=form.cleaned_data.get("caption", ""),
            regions=form.cleaned_data["parsed_regions"],
            by=request.user,
            note=form.cleaned_data.get("change_note", ""),
        )
