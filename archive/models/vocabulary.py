"""Controlled vocabularies: camps, practices, technologies, organizations, places, people."""

import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from archive.bounded_json import BoundedJSONDecoder


class TermKind(models.TextChoices):
    CAMP = "camp", _("camp")
    PRACTICE = "practice", _("practice")
    TECHNOLOGY = "technology", _("technology")
    ORGANIZATION = "organization", _("organization")
    PLACE = "place", _("place")
    # Officials and public figures only, never survivors: a person term is public by nature.
    PERSON = "person", _("person (officials and public figures only)")
    ETHNIC_GROUP = "ethnic_group", _("ethnic group")


# Headings and counts name a kind in the plural; English plurals are not label + "s".
TERM_KIND_PLURAL = {
    TermKind.CAMP: _("camps"),
    TermKind.PRACTICE: _("practices"),
    TermKind.TECHNOLOGY: _("technologies"),
    TermKind.ORGANIZATION: _("organizations"),
    TermKind.PLACE: _("places"),
    TermKind.PERSON: _("people (officials and public figures only)"),
    TermKind.ETHNIC_GROUP: _("ethnic groups"),
}


# The search field (and query-language prefix) of each kind: camp:, practice:, org:, …
SEARCH_FIELD = {
    TermKind.CAMP: "camp",
    TermKind.PRACTICE: "practice",
    TermKind.TECHNOLOGY: "technology",
    TermKind.ORGANIZATION: "org",
    TermKind.PLACE: "place",
    TermKind.PERSON: "person",
    TermKind.ETHNIC_GROUP: "group",
}


def fold_label(label: str) -> str:
    """Case- and diacritic-insensitive key, so "Ürümqi" and "urumqi" count as one spelling."""
    decomposed = unicodedata.normalize("NFKD", label.strip())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(unicodedata.normalize("NFC", stripped).casefold().split())


class TermManager(models.Manager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Term(models.Model):
    kind = models.CharField(max_length=20, choices=TermKind.choices, db_index=True)
    slug = models.SlugField(max_length=120, unique=True)
    preferred_label = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    broader = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="narrower",
        help_text=_("A broader term; camps sit under their county, counties under prefectures."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = TermManager()

    class Meta:
        ordering = ["kind", "preferred_label"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=TermKind.values), name="term_kind_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(broader=models.F("pk")), name="term_not_own_broader"
            ),
        ]

    def __str__(self):
        return f"{self.preferred_label} ({self.get_kind_display()})"

    def save(self, *args, **kwargs):
        stored = getattr(self, "_stored_slug", None)
        self._slug_changed = stored is not None and stored != self.slug
        super().save(*args, **kwargs)
        self._stored_slug = self.slug

    def natural_key(self):
        return (self.slug,)

    @property
    def search_query(self) -> str:
        """The query that finds records tagged with this term, e.g. camp:dabancheng-1."""
        return f"{SEARCH_FIELD[self.kind]}:{self.slug}"

    def ancestors(self) -> list["Term"]:
        """Broader terms from the nearest up; stops at a cycle instead of looping forever."""
        seen, chain, current = {self.pk}, [], self.broader
        while current is not None and current.pk not in seen:
            chain.append(current)
            seen.add(current.pk)
            current = current.broader
        return chain

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._stored_kind = instance.__dict__.get("kind")
        instance._stored_slug = instance.__dict__.get("slug")
        return instance

    def clean(self):
        stored = getattr(self, "_stored_kind", None)
        if stored and stored != self.kind:
            # Aliases, camp details and the records that use the term all assume its kind.
            raise ValidationError(
                {"kind": _("A term's kind cannot change; create a new term and retag instead.")}
            )
        if self.broader_id and self.pk:
            current = self.broader
            while current is not None:
                if current.pk == self.pk:
                    raise ValidationError({"broader": _("A term cannot be broader than itself.")})
                current = current.broader


class Alias(models.Model):
    """Another spelling, script or name of a term: Uighur, Uigur; Ürümqi, 乌鲁木齐; 海康威视."""

    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="aliases")
    label = models.CharField(max_length=255)
    language = models.CharField(
        max_length=35, blank=True, help_text=_("BCP 47 tag, e.g. en, zh, ug-Arab.")
    )
    # Denormalized from the term so the database itself forbids one spelling naming two
    # terms of the same kind, which would make alias matching in search ambiguous.
    kind = models.CharField(max_length=20, choices=TermKind.choices, editable=False)
    folded = models.CharField(max_length=255, editable=False, db_index=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "aliases"
        ordering = ["label"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "folded"], name="alias_unique_within_kind"),
        ]

    def __str__(self):
        return self.label

    def save(self, *args, **kwargs):
        self.kind = self.term.kind
        self.folded = fold_label(self.label)
        super().save(*args, **kwargs)

    def clean(self):
        term = self._term_or_none()
        if term is None:
            return
        folded = fold_label(self.label)
        # "Urumqi" beside "Ürümqi" is a spelling worth recording, so only identical ones clash.
        if self.label.strip().casefold() == term.preferred_label.strip().casefold():
            raise ValidationError({"label": _("An alias must differ from the preferred label.")})
        clash = Alias.objects.filter(kind=term.kind, folded=folded).exclude(pk=self.pk)
        if term.pk:
            clash = clash.exclude(term=term)
        if clash.exists():
            other = clash.select_related("term").first().term
            raise ValidationError(
                {
                    "label": _("“%(label)s” already names %(other)s.")
                    % {"label": self.label, "other": other}
                }
            )

    def _term_or_none(self) -> Term | None:
        # In an admin inline for a new term, the term is set but not saved yet.
        try:
            return self.term
        except Term.DoesNotExist:
            return None


class ExternalIdentifier(models.Model):
    """An identifier in another dataset, e.g. the ASPI Xinjiang Data Project facility xjdp:50."""

    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="external_ids")
    scheme = models.SlugField(max_length=40)
    value = models.CharField(max_length=200)

    class Meta:
        ordering = ["scheme", "value"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "value"], name="external_id_unique"),
        ]

    def __str__(self):
        return f"{self.scheme}:{self.value}"


class SecurityTier(models.IntegerChoices):
    # ASPI's tiers, inferred from visible security features.
    TIER_1 = 1, _("Tier 1: re-education facility (lower security)")
    TIER_2 = 2, _("Tier 2: re-education facility")
    TIER_3 = 3, _("Tier 3: detention centre")
    TIER_4 = 4, _("Tier 4: prison")


class Camp(models.Model):
    """Facility details of a camp term."""

    term = models.OneToOneField(
        Term, on_delete=models.CASCADE, primary_key=True, related_name="camp"
    )
    prefecture = models.CharField(max_length=120, blank=True)
    county = models.CharField(max_length=120, blank=True)
    latitude = models.DecimalField(
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    security_tier = models.PositiveSmallIntegerField(
        choices=SecurityTier.choices, null=True, blank=True
    )
    status_notes = models.TextField(blank=True, help_text=_("What is known of its current status."))
    # Observations of the ASPI Xinjiang Data Project (archive/services/gazetteer.py); empty
    # (None) where the dataset says nothing or only "#N/A", "N/A" or "None known".
    in_dataset = models.BooleanField(
        default=True, help_text=_("False once a newer version of the dataset no longer lists it.")
    )
    watchtowers = models.BooleanField(null=True, blank=True)
    interior_fencing = models.BooleanField(null=True, blank=True)
    external_wall = models.BooleanField(null=True, blank=True)
    security_changed = models.BooleanField(
        _("security features added or removed"), null=True, blank=True
    )
    security_changes = models.TextField(_("security features changed"), blank=True)
    security_changed_when = models.CharField(
        max_length=40, blank=True, help_text=_("As the dataset gives it, e.g. 3rdQt2018, 2019.")
    )
    decommissioning = models.BooleanField(_("signs of decommissioning"), null=True, blank=True)
    decommissioning_signs = models.TextField(blank=True)
    buildings = models.JSONField(
        default=dict,
        blank=True,
        decoder=BoundedJSONDecoder,
        help_text=_('Number of buildings per year, e.g. {"2018": 15}.'),
    )
    latest_imagery = models.DateField(
        _("latest satellite imagery"),
        null=True,
        blank=True,
        help_text=_("Month precision: stored as the first day of the month."),
    )
    notes = models.TextField(blank=True)
    crosswalk = models.JSONField(
        default=dict,
        blank=True,
        decoder=BoundedJSONDecoder,
        help_text=_("Numbers in other camp datasets (several facilities may share one)."),
    )

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(security_tier__isnull=True)
                | models.Q(security_tier__gte=1, security_tier__lte=4),
                name="camp_tier_1_to_4",
            ),
        ]

    def __str__(self):
        return str(self.term)

    def clean(self):
        if self.term_id and self.term.kind != TermKind.CAMP:
            raise ValidationError(_("Facility details belong to camp terms only."))
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError(_("Give both latitude and longitude, or neither."))
