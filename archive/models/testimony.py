"""Narrator and interview details of a testimony record. Coarse attributes only, by design."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from archive.dates import DatePrecision

from .access import check_consent
from .records import Record, RecordKind
from .vocabulary import Term, TermKind


class Gender(models.TextChoices):
    FEMALE = "female", _("female")
    MALE = "male", _("male")
    OTHER = "other", _("other")
    UNDISCLOSED = "undisclosed", _("undisclosed")


class AgeRange(models.TextChoices):
    # Bands wide enough that an age never narrows a narrator down to a person.
    UNDER_18 = "under_18", _("under 18")
    AGE_18_29 = "18_29", _("18–29")
    AGE_30_44 = "30_44", _("30–44")
    AGE_45_59 = "45_59", _("45–59")
    AGE_60_PLUS = "60_plus", _("60 or over")
    UNDISCLOSED = "undisclosed", _("undisclosed")


class Ethnicity(models.TextChoices):
    UYGHUR = "uyghur", _("Uyghur")
    KAZAKH = "kazakh", _("Kazakh")
    KYRGYZ = "kyrgyz", _("Kyrgyz")
    UZBEK = "uzbek", _("Uzbek")
    HUI = "hui", _("Hui")
    TAJIK = "tajik", _("Tajik")
    HAN = "han", _("Han")
    OTHER = "other", _("other")
    UNDISCLOSED = "undisclosed", _("undisclosed")


class Prefecture(models.TextChoices):
    """Xinjiang's prefecture-level divisions: the finest home location a narrator record holds."""

    ALTAY = "altay", _("Altay")
    AKSU = "aksu", _("Aksu")
    BAYINGOLIN = "bayingolin", _("Bayingolin")
    BORTALA = "bortala", _("Bortala")
    CHANGJI = "changji", _("Changji")
    HAMI = "hami", _("Hami (Kumul)")
    HOTAN = "hotan", _("Hotan")
    ILI = "ili", _("Ili")
    KARAMAY = "karamay", _("Karamay")
    KASHGAR = "kashgar", _("Kashgar")
    KIZILSU = "kizilsu", _("Kizilsu")
    TACHENG = "tacheng", _("Tacheng (Tarbaghatay)")
    TURPAN = "turpan", _("Turpan")
    URUMQI = "urumqi", _("Ürümqi")
    XPCC = "xpcc", _("XPCC (Bingtuan) city")
    OUTSIDE = "outside_xinjiang", _("outside Xinjiang")
    UNDISCLOSED = "undisclosed", _("undisclosed")


class Relation(models.TextChoices):
    SURVIVOR = "survivor", _("survivor")
    WITNESS = "witness", _("witness")
    RELATIVE = "relative", _("relative")


class ConsentScope(models.TextChoices):
    # The access-control issue maps each scope to the widest access level it allows.
    PUBLIC = "public", _("public")
    RESEARCH = "research", _("research")
    LEGAL = "legal", _("legal")
    ARCHIVE_ONLY = "archive_only", _("archive only")


class Testimony(models.Model):
    record = models.OneToOneField(
        Record, on_delete=models.CASCADE, primary_key=True, related_name="testimony"
    )
    narrator_pseudonym = models.CharField(
        max_length=80, help_text=_("Never the real name; e.g. “Narrator K-17”.")
    )
    gender = models.CharField(max_length=12, choices=Gender.choices, default=Gender.UNDISCLOSED)
    age_range = models.CharField(
        max_length=12, choices=AgeRange.choices, default=AgeRange.UNDISCLOSED
    )
    ethnicity = models.CharField(
        max_length=12, choices=Ethnicity.choices, default=Ethnicity.UNDISCLOSED
    )
    home_prefecture = models.CharField(
        max_length=20, choices=Prefecture.choices, default=Prefecture.UNDISCLOSED
    )
    relation = models.CharField(max_length=10, choices=Relation.choices)
    detention_start = models.DateField(null=True, blank=True)
    detention_start_precision = models.CharField(
        max_length=12, choices=DatePrecision.choices, default=DatePrecision.MONTH
    )
    detention_end = models.DateField(null=True, blank=True)
    detention_end_precision = models.CharField(
        max_length=12, choices=DatePrecision.choices, default=DatePrecision.MONTH
    )
    interview_date = models.DateField(null=True, blank=True)
    interview_date_precision = models.CharField(
        # An exact interview day, with a place, can identify a narrator; keep it coarse by default.
        max_length=12,
        choices=DatePrecision.choices,
        default=DatePrecision.MONTH,
    )
    interviewing_organization = models.ForeignKey(
        Term,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="interviews",
        limit_choices_to={"kind": TermKind.ORGANIZATION},
    )
    original_language = models.CharField(max_length=35, blank=True)
    translation_note = models.TextField(blank=True)
    # The narrowest scope is the default: widening consent is a deliberate, recorded act.
    # It caps the record's access level (models.access.CONSENT_WIDEST_LEVEL).
    consent_scope = models.CharField(
        max_length=12, choices=ConsentScope.choices, default=ConsentScope.ARCHIVE_ONLY
    )
    reliability_notes = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "testimony details"
        verbose_name_plural = "testimony details"

    def __str__(self):
        return f"{self.record.public_id}: {self.narrator_pseudonym}"

    def clean(self):
        # In the admin's add form the record is set but not saved yet, so test the object.
        record = self.record if _has_record(self) else None
        if record is not None and record.kind != RecordKind.TESTIMONY:
            raise ValidationError(_("Narrator details belong to testimony records only."))
        org = self.interviewing_organization
        if org is not None and org.kind != TermKind.ORGANIZATION:
            raise ValidationError({"interviewing_organization": _("Choose an organization.")})
        if record is not None and record.access_level:
            try:
                check_consent(record.access_level, self.consent_scope)
            except ValidationError as error:
                raise ValidationError(
                    {"consent_scope": error.message_dict["access_level"]}
                ) from None


def _has_record(testimony: Testimony) -> bool:
    try:
        return testimony.record is not None
    except Record.DoesNotExist:
        return False
