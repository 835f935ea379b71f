"""Forms of the public pages: collections and their items."""

from django import forms
from django.utils.translation import gettext_lazy as _

from archive.models import Collection, ShareRole


class CollectionForm(forms.ModelForm):
    class Meta:
        model = Collection
        fields = ["title", "description", "visibility"]
        widgets = {"description": forms.Textarea(attrs={"rows": 6, "dir": "auto"})}
        help_texts = {
            "description": _("Markdown: *emphasis*, lists, [links](https://…). No images or HTML."),
            "visibility": _(
                "Whoever may read the collection still sees only the records they may see; "
                "other items show as “not available to you”."
            ),
        }


class AnnotationForm(forms.Form):
    annotation = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2, "dir": "auto"})
    )


class ShareForm(forms.Form):
    username = forms.CharField(required=False, max_length=150, label=_("user name"))
    group = forms.CharField(required=False, max_length=150, label=_("or group"))
    role = forms.ChoiceField(choices=ShareRole.choices)

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("username")) == bool(cleaned.get("group")):
            raise forms.ValidationError(_("Name one user or one group."))
        return cleaned


class PublishForm(forms.Form):
    note = forms.CharField(
        required=False,
        max_length=2000,
        label=_("note for this version"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AddItemForm(forms.Form):
    collection = forms.SlugField(max_length=80)
    record = forms.CharField(max_length=12)
    passage = forms.IntegerField(required=False, min_value=1)
    next = forms.CharField(required=False, max_length=2000)
