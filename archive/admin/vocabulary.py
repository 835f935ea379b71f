"""Vocabulary admin: terms with aliases, external identifiers, camp details and hierarchy."""

from django import forms
from django.contrib import admin
from django.db.models import Count
from simple_history.admin import SimpleHistoryAdmin

from archive import selectors
from archive.admin.policy import AuditedAdminMixin
from archive.models import Alias, Camp, ExternalIdentifier, Term
from archive.models.vocabulary import fold_label


class AliasFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        seen: dict[str, str] = {}
        for form in self.forms:
            label = form.cleaned_data.get("label") if form.cleaned_data else None
            if not label or form.cleaned_data.get("DELETE"):
                continue
            folded = fold_label(label)
            if folded in seen:
                raise forms.ValidationError(
                    f"“{label}” and “{seen[folded]}” are the same spelling; keep one."
                )
            seen[folded] = label


class AliasInline(admin.TabularInline):
    model = Alias
    formset = AliasFormSet
    fields = ["label", "language"]
    extra = 1


class ExternalIdentifierInline(admin.TabularInline):
    model = ExternalIdentifier
    extra = 0


class CampInline(admin.StackedInline):
    model = Camp
    can_delete = False
    extra = 0
    max_num = 1


@admin.register(Term)
class TermAdmin(AuditedAdminMixin, SimpleHistoryAdmin):
    list_display = ["preferred_label", "kind", "slug", "broader", "alias_list", "record_count"]
    list_filter = ["kind"]
    ordering = ["kind", "preferred_label"]
    search_fields = ["preferred_label", "slug", "aliases__label", "description"]
    autocomplete_fields = ["broader"]
    prepopulated_fields = {"slug": ["preferred_label"]}
    inlines = [AliasInline, ExternalIdentifierInline, CampInline]
    fields = ["kind", "preferred_label", "slug", "broader", "description", "hierarchy"]
    readonly_fields = ["hierarchy"]

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("broader")
        return qs.prefetch_related("aliases").annotate(n_records=Count("records", distinct=True))

    def get_readonly_fields(self, request, obj=None):
        return ["hierarchy", "kind"] if obj is not None else ["hierarchy"]

    def get_inlines(self, request, obj):
        # Facility details only make sense on camp terms.
        if obj is None or obj.kind != "camp":
            return [AliasInline, ExternalIdentifierInline]
        return self.inlines

    def get_search_results(self, request, queryset, search_term):
        # The tag and "broader" autocompletes ask this too: exact names first.
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        return selectors.terms_best_first(found, search_term), may_have_duplicates

    @admin.display(description="aliases")
    def alias_list(self, term):
        return ", ".join(a.label for a in term.aliases.all())

    @admin.display(description="records", ordering="n_records")
    def record_count(self, term):
        return term.n_records

    @admin.display(description="broader terms")
    def hierarchy(self, term):
        chain = [t.preferred_label for t in reversed(term.ancestors())]
        return " › ".join([*chain, term.preferred_label]) if term.pk else "—"
