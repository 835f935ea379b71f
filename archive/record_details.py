"""The record page's details list: testimony details and access settings, each shown only
to readers the policy (`permissions.detail_scope`) allows."""

import datetime as dt

from django.utils.translation import gettext as _

from archive import permissions
from archive.dates import DatePrecision, format_partial_date
from archive.models import Record, RecordKind, Term, Testimony
from archive.services.versions import TESTIMONY_FIELDS


def _date(date, precision: str, to_year: bool) -> str:
    return format_partial_date(date, DatePrecision.YEAR if to_year else precision)


def _period(start: str, end: str) -> str:
    if start and end:
        return start if start == end else f"{start} – {end}"
    if start:
        return _("from %(start)s") % {"start": start}
    return _("until %(end)s") % {"end": end} if end else ""


def _testimony_values(testimony, to_year: bool) -> dict[str, tuple[str, str]]:
    t = testimony
    org = t.interviewing_organization
    return {
        "narrator_pseudonym": (_("Narrator"), t.narrator_pseudonym),
        "relation": (_("Relation to the events"), t.get_relation_display()),
        "detention": (
            _("Detention"),
            _period(
                _date(t.detention_start, t.detention_start_precision, to_year),
                _date(t.detention_end, t.detention_end_precision, to_year),
            ),
        ),
        "original_language": (_("Original language"), t.original_language),
        "gender": (_("Gender"), t.get_gender_display()),
        "age_range": (_("Age"), t.get_age_range_display()),
        "ethnicity": (_("Ethnicity"), t.get_ethnicity_display()),
        "home_prefecture": (_("Home prefecture"), t.get_home_prefecture_display()),
        "interview_date": (
            _("Interviewed"),
            _date(t.interview_date, t.interview_date_precision, to_year),
        ),
        "interviewing_organization": (_("Interviewed by"), org.preferred_label if org else ""),
        "translation_note": (_("Translation"), t.translation_note),
        "reliability_notes": (_("Reliability"), t.reliability_notes),
        "consent_scope": (_("Consent"), t.get_consent_scope_display()),
    }


def record_details(user, record: Record) -> list[tuple[str, str]]:
    """(label, value) pairs this user may read, in reading order; empty values left out."""
    testimony = None
    if record.kind == RecordKind.TESTIMONY:
        testimony = (
            Testimony.objects.select_related("interviewing_organization")
            .filter(record=record)
            .first()
        )
    return _details(user, record, testimony)


def version_details(user, snapshot: dict) -> list[tuple[str, str]]:
    """The same list for a past version, from its snapshot: what the record said then."""
    testimony = None
    data = snapshot.get("testimony")
    if data:
        fields = {name: data[name] for name in TESTIMONY_FIELDS if data.get(name) is not None}
        for name in ("detention_start", "detention_end", "interview_date"):
            fields[name] = dt.date.fromisoformat(data[name]) if data.get(name) else None
        org_slug = data.get("interviewing_organization")
        org = Term.objects.filter(slug=org_slug).first() if org_slug else None
        testimony = Testimony(**fields, interviewing_organization=org)
    embargo = snapshot.get("embargo_until")
    record = Record(
        state=snapshot.get("state", ""),
        access_level=snapshot.get("access_level", ""),
        embargo_until=dt.date.fromisoformat(embargo) if embargo else None,
    )
    return _details(user, record, testimony)


def _details(user, record: Record, testimony) -> list[tuple[str, str]]:
    scope = permissions.detail_scope(user)
    details: list[tuple[str, str]] = []
    if testimony is not None:
        values = _testimony_values(testimony, scope.dates_to_year)
        details += [values[name] for name in scope.testimony]
    if scope.access_settings:
        details.append((_("State"), record.get_state_display()))
        details.append((_("Access level"), record.get_access_level_display()))
        if record.embargo_until:
            details.append((_("Embargoed until"), record.embargo_until.isoformat()))
    return [(label, value) for label, value in details if value]
