"""Record admin: passages inline, tag autocomplete, filters by kind, state and tag, bulk tagging."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Count, Q
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from archive import selectors
from archive.admin import stale_edits
from archive.admin.policy import AuditedAdminMixin, HiddenIs404Mixin, visible_record_ids
from archive.models import (
    CollectionItem,
    ImportWarning,
    Passage,
    PiiFinding,
    Record,
    RecordKind,
    RecordState,
    RecordVersion,
    Source,
    Term,
    TermKind,
    Testimony,
)
from archive.models.audit import AuditAction
from archive.models.records import deferred_rehash
from archive.services import access as access_services
from archive.services import audit, intake, versions
from archive.services import records as record_services


class TagKindFilter(admin.SimpleListFilter):
    """Filter records by one tag of a given kind; only terms in use are offered."""

    kind: str

    def lookups(self, request, model_admin):
        # Count records tagged at record level or on any passage, as the filter matches both.
        tagged = selectors.records_by_term([self.kind])
        terms = Term.objects.filter(pk__in=tagged).order_by("preferred_label")
        return [(t.slug, f"{t.preferred_label} ({len(tagged[t.pk])})") for t in terms]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(
                Q(tags__slug=self.value()) | Q(passages__tags__slug=self.value())
            ).distinct()
        return queryset


def _tag_filter(kind: str) -> type[TagKindFilter]:
    return type(
        f"{kind.title()}TagFilter",
        (TagKindFilter,),
        {"kind": kind, "title": TermKind(kind).label, "parameter_name": f"tag_{kind}"},
    )


class OpenWarningFilter(admin.SimpleListFilter):
    title = _("import warnings")
    parameter_name = "warnings"

    def lookups(self, request, model_admin):
        return [("open", _("has open warnings"))]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(import_warnings__resolved_at__isnull=True).distinct()
        return queryset


class PassageInline(admin.StackedInline):
    model = Passage
    fields = [("number", "position", "role"), "text", "tags", "content_hash"]
    readonly_fields = ["number", "content_hash"]
    autocomplete_fields = ["tags"]
    extra = 0
    ordering = ["position", "number"]

    @admin.display(description="¶")
    def number(self, passage):
        return f"¶{passage.number}"


class TestimonyFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        # The inline's own record is not attached before the record is saved, so the model's
        # kind check cannot run here; the formset knows the record.
        filled = [f for f in self.forms if f.has_changed() and not self._should_delete_form(f)]
        if filled and self.instance.kind != RecordKind.TESTIMONY:
            raise forms.ValidationError(_("Narrator details belong to testimony records only."))


class TestimonyInline(admin.StackedInline):
    model = Testimony
    formset = TestimonyFormSet
    can_delete = False
    max_num = 1
    autocomplete_fields = ["interviewing_organization"]


class ImportWarningInline(admin.TabularInline):
    model = ImportWarning
    fields = ["passage_number", "code", "message", "resolved_at", "resolution_note"]
    readonly_fields = ["passage_number", "code", "message", "resolved_at"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class PiiFindingInline(admin.TabularInline):
    """Findings in context; they are replaced or dismissed from the findings list."""

    model = PiiFinding
    fields = ["where", "kind", "text", "placeholder", "status", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("identifying details found")

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("where"))
    def where(self, finding):
        return finding.location


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the audit log, e.g. “consent withdrawn by the narrator”."),
    )


class BulkTagForm(forms.Form):
    terms = forms.ModelMultipleChoiceField(
        queryset=Term.objects.all(),
        help_text=_("Every selected record gets every selected term."),
    )
    change_note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Why these tags are added; needed if any selected record was published."),
    )

    def __init__(self, *args, admin_site, records=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.records = records
        # The same search-as-you-type widget as the record's own tag field.
        field = self.fields["terms"]
        field.widget = AutocompleteSelectMultiple(Record._meta.get_field("tags"), admin_site)
        field.widget.choices = field.choices

    def clean_change_note(self):
        note = self.cleaned_data["change_note"].strip()
        if not note and any(versions.note_required(r) for r in self.records):
            raise forms.ValidationError(_("A published record changes only with a note."))
        return note


class RecordForm(forms.ModelForm):
    """The record's own fields, plus the note every change to a published record needs."""

    change_note = forms.CharField(
        label=_("change note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Why you are changing the record. Kept with the new version and shown with it. "
            "Required once the record has been published."
        ),
    )

    # The version the form was opened at; a save from an older one is a conflict.
    opened_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # Set by RecordAdmin when the record moved on since the form was opened.
    edit_conflict: stale_edits.EditConflict | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["opened_version"].initial = self.instance.edit_version

    def clean_change_note(self):
        note = self.cleaned_data["change_note"].strip()
        if not note and self.instance.pk and versions.note_required(self.instance):
            raise forms.ValidationError(_("A published record changes only with a note."))
        return note

    def clean(self):
        if self.edit_conflict is not None:
            raise forms.ValidationError(self.edit_conflict.message, code="stale")
        return super().clean()


@admin.register(Record)
class RecordAdmin(HiddenIs404Mixin, SimpleHistoryAdmin):
    form = RecordForm
    list_display = [
        "public_id",
        "title",
        "kind",
        "state",
        "access_level",
        "embargo_until",
        "language",
        "source",
        "open_warnings",
    ]
    list_filter = [
        "kind",
        "state",
        "access_level",
        "language",
        OpenWarningFilter,
        *(_tag_filter(k) for k in TermKind.values),
    ]
    search_fields = ["public_id", "title", "summary", "passages__text"]
    autocomplete_fields = ["tags", "source"]
    readonly_fields = [
        "public_id",
        # The workflow moves the state (actions below), so the publishing gate always runs.
        "state",
        "content_hash",
        "created_by",
        "updated_by",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (
            None,
            {"fields": ["public_id", "kind", "state", "title", "summary", "language", "source"]},
        ),
        (
            _("Events described"),
            {
                "fields": [
                    ("event_start", "event_start_precision"),
                    ("event_end", "event_end_precision"),
                ]
            },
        ),
        (
            _("Who may see it"),
            {
                "fields": ["access_level", "embargo_until"],
                "description": _(
                    "A testimony's consent scope caps its level: public consent allows any "
                    "level, research at most registered, legal at most restricted, archive "
                    "only confidential alone."
                ),
            },
        ),
        (_("Tags"), {"fields": ["tags"]}),
        (_("Why"), {"fields": ["change_note", "opened_version"]}),
        (
            _("Integrity"),
            {"fields": ["content_hash", "created_by", "created_at", "updated_by", "updated_at"]},
        ),
    ]
    actions = ["add_tags", "submit_for_review", "publish", "withdraw"]
    list_select_related = ["source"]
    ordering = ["public_id"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(pk__in=visible_record_ids(request))
            .annotate(
                n_open=Count("import_warnings", filter=Q(import_warnings__resolved_at__isnull=True))
            )
        )

    def get_readonly_fields(self, request, obj=None):
        # The kind decides the identifier prefix, so it is fixed once the record exists.
        fixed = ["kind"] if obj is not None else []
        return [*self.readonly_fields, *fixed]

    def get_inlines(self, request, obj):
        if obj is not None and obj.kind == "testimony" or obj is None:
            return [TestimonyInline, PassageInline, PiiFindingInline, ImportWarningInline]
        return [PassageInline, PiiFindingInline, ImportWarningInline]

    @admin.action(description=_("Submit for review (scans for identifying details)"))
    def submit_for_review(self, request, queryset):
        self._workflow(request, queryset, intake.submit_for_review, _("submitted for review"))

    @admin.action(description=_("Publish (refused while identifying details are open)"))
    def publish(self, request, queryset):
        self._workflow(request, queryset, intake.publish, _("published"))

    @admin.action(description=_("Withdraw (asks for the reason)"))
    def withdraw(self, request, queryset):
        form = WithdrawForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            reason = form.cleaned_data["reason"]
            self._workflow(
                request,
                queryset,
                lambda record, by: intake.withdraw(record=record, by=by, reason=reason),
                _("withdrawn"),
            )
            return None
        return self._action_form_page(
            request, queryset, form, _("Withdraw records"), "admin/archive/record/withdraw.html"
        )

    def _action_form_page(self, request, queryset, form, title, template):
        """The intermediate page of an action that asks for more (its form), listing the
        selected records so the form posts them back."""
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "records": queryset,
            "form": form,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, template, context)

    def _workflow(self, request, queryset, step, done):
        moved = 0
        for record in queryset:
            try:
                step(record=record, by=request.user)
                moved += 1
            except ValidationError as error:
                self.message_user(
                    request, f"{record.public_id}: {' '.join(error.messages)}", messages.ERROR
                )
        if moved:
            self.message_user(request, f"{moved} record(s) {done}.", messages.SUCCESS)

    @admin.display(description="open warnings", ordering="n_open")
    def open_warnings(self, record):
        return record.n_open or ""

    def has_delete_permission(self, request, obj=None):
        # Evidence that was ever published is withdrawn, never deleted.
        if obj is not None and obj.was_ever_published():
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request, queryset):
        # The bulk "delete selected" action checks the model permission only, not each object.
        published = [r.public_id for r in queryset if r.was_ever_published()]
        if published:
            raise PermissionDenied(f"Records that were published cannot be deleted: {published}")
        targets = [("record", r.public_id) for r in queryset]
        super().delete_queryset(request, queryset)
        for target in targets:
            audit.log(AuditAction.RECORD_DELETE, actor=request.user, target=target)

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        # A never-published record's versions and draft collection items go with it; nobody
        # deletes those on their own, so their own delete permission does not apply here.
        perms_needed -= {RecordVersion._meta.verbose_name, CollectionItem._meta.verbose_name}
        return deleted, counts, perms_needed, protected

    def delete_model(self, request, obj):
        public_id = obj.public_id
        super().delete_model(request, obj)
        audit.log(AuditAction.RECORD_DELETE, actor=request.user, target=("record", public_id))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return self._changeform_as_one_version(request, object_id, form_url, extra_context)
        except versions.StaleEdit:
            # Another save won the race between the check below and this one's first write;
            # it has committed, so running the view again shows it as a conflict.
            return self._changeform_as_one_version(request, object_id, form_url, extra_context)

    def _changeform_as_one_version(self, request, object_id, form_url, extra_context):
        # The record, its inlines and its tags are saved in separate steps; one recording
        # block around them all makes one version of the whole change.
        with transaction.atomic(), versions.recording(by=request.user):
            request.edit_conflict = None
            if request.method == "POST" and object_id is not None:
                record = self.get_object(request, unquote(object_id))
                if record is not None:
                    request.edit_conflict = stale_edits.find(record, request.POST)
                if request.edit_conflict is not None:
                    # The form and its inlines come back holding the merge.
                    request.POST = request.edit_conflict.data
            context = {**(extra_context or {}), "edit_conflict": request.edit_conflict}
            return super().changeform_view(request, object_id, form_url, context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.edit_conflict = getattr(request, "edit_conflict", None)
        return form

    def save_model(self, request, obj, form, change):
        if change:
            versions.record_claim_edit(record_id=obj.pk, opened=form.cleaned_data["opened_version"])
        versions.note_pending(form.cleaned_data.get("change_note", ""))
        if not change:
            obj.created_by = request.user
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
        if not change:
            audit.log(AuditAction.RECORD_CREATE, actor=request.user, target=obj)
        elif form.changed_data:
            # Only the state and access fields are logged with values; others by name.
            before = {name: form.initial.get(name) for name in form.changed_data}
            after = {name: form.cleaned_data.get(name) for name in form.changed_data}
            record_services.audit_record_change(obj, request.user, before, after)

    def save_related(self, request, form, formsets, change):
        # One rehash after all inline passage writes, under the record's row lock.
        with transaction.atomic(), deferred_rehash():
            Record.objects.select_for_update().filter(pk=form.instance.pk).first()
            super().save_related(request, form, formsets, change)
            changed = sorted({fs.model._meta.model_name for fs in formsets if fs.has_changed()})
            if change and changed:
                audit.log(
                    AuditAction.RECORD_EDIT,
                    actor=request.user,
                    target=form.instance,
                    detail={"inlines": changed},
                )
            # A narrower consent entered on the testimony inline narrows the level at once.
            access_services.enforce_consent(record=form.instance, by=request.user)
            # Every save of an unpublished record is scanned for identifying details.
            if form.instance.state in (RecordState.DRAFT, RecordState.IN_REVIEW):
                intake.scan(record=form.instance)

    @admin.action(description=_("Add tags to selected records"))
    def add_tags(self, request, queryset):
        form = BulkTagForm(
            request.POST if "apply" in request.POST else None,
            admin_site=self.admin_site,
            records=list(queryset),
        )
        if "apply" in request.POST and form.is_valid():
            added = record_services.records_add_tags(
                records=queryset,
                terms=form.cleaned_data["terms"],
                by=request.user,
                note=form.cleaned_data["change_note"],
            )
            self.message_user(
                request,
                _("Added %(n)d tag(s) across %(r)d record(s).")
                % {"n": added, "r": queryset.count()},
                messages.SUCCESS,
            )
            return None
        return self._action_form_page(
            request,
            queryset,
            form,
            _("Add tags to selected records"),
            "admin/archive/record/bulk_tag.html",
        )


@admin.register(Source)
class SourceAdmin(AuditedAdminMixin, SimpleHistoryAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["outlet", "title", "published_display", "language"]
    search_fields = ["outlet", "title", "authors"]
    list_filter = ["language", "published_precision"]


@admin.register(ImportWarning)
class ImportWarningAdmin(HiddenIs404Mixin, AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["record", "passage_number", "code", "message", "resolved_at"]
    list_filter = ["code", ("resolved_at", admin.EmptyFieldListFilter)]
    search_fields = ["record__public_id", "message"]
    readonly_fields = [
        "record",
        "passage_number",
        "code",
        "message",
        "detail",
        "created_at",
        "resolved_at",
        "resolved_by",
    ]
    fields = [*readonly_fields, "resolution_note"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(record__in=visible_record_ids(request))

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        from django.utils import timezone

        if obj.resolution_note and obj.resolved_at is None:
            obj.resolved_at, obj.resolved_by = timezone.now(), request.user
        super().save_model(request, obj, form, change)
