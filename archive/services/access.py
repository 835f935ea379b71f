"""Writes that change who may see a record: access level, embargo, consent, grants.

Each one checks that the acting user may make it, validates against the consent cap, and
writes its audit entry in the same transaction, so a change and its record commit together.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from archive import permissions
from archive.models import Collection, Grant, Record, Testimony
from archive.models.access import CONSENT_WIDEST_LEVEL, LEVEL_RANK, check_consent
from archive.models.audit import AuditAction
from archive.services import audit, versions

UNSET = object()


@transaction.atomic
@versions.recorded
def record_set_access(
    *, record: Record, by, access_level=UNSET, embargo_until=UNSET, note: str = ""
) -> bool:
    """Change a record's access level and/or embargo; False if nothing changed. A published
    record's access changes only with a `note` saying why."""
    permissions.require_archivist(by, "change who may see a record")
    before = {"access_level": record.access_level, "embargo_until": record.embargo_until}
    if access_level is not UNSET:
        record.access_level = access_level
    if embargo_until is not UNSET:
        record.embargo_until = embargo_until
    after = {"access_level": record.access_level, "embargo_until": record.embargo_until}
    if after == before:
        return False
    check_consent(record.access_level, record.consent_scope())
    record.updated_by = by
    record.full_clean(exclude=["content_hash", "public_id"])
    record.save()
    changed = [name for name in after if after[name] != before[name]]
    audit.log(
        AuditAction.RECORD_ACCESS,
        actor=by,
        target=record,
        detail={
            "before": _jsonable({name: before[name] for name in changed}),
            "after": _jsonable({name: after[name] for name in changed}),
        },
    )
    return True


@transaction.atomic
@versions.recorded(default_note="the narrator's consent scope changed")
def testimony_set_consent(*, testimony: Testimony, scope: str, by, note: str = "") -> None:
    """Record the narrator's consent scope. A narrower consent narrows the record's access
    level to what it allows, at once; a wider one never widens access by itself."""
    permissions.require_archivist(by, "change who may see a record")
    if scope not in CONSENT_WIDEST_LEVEL:
        raise ValidationError({"consent_scope": f"Unknown consent scope {scope!r}."})
    previous = testimony.consent_scope
    testimony.consent_scope = scope
    testimony.save()
    audit.log(
        AuditAction.RECORD_ACCESS,
        actor=by,
        target=testimony.record,
        detail={"consent_before": previous, "consent_after": scope},
    )
    enforce_consent(record=testimony.record, by=by)


def enforce_consent(*, record: Record, by) -> bool:
    """Narrow the access level if the consent no longer allows it; True if it changed."""
    record.refresh_from_db()
    scope = record.consent_scope()
    if scope is None:
        return False
    widest = CONSENT_WIDEST_LEVEL[scope]
    if LEVEL_RANK[record.access_level] >= LEVEL_RANK[widest]:
        return False
    previous = record.access_level
    record.access_level = widest
    versions.note_pending(f"access narrowed to {widest} by the consent scope {scope}")
    record.save(update_fields=["access_level", "updated_at"])
    audit.log(
        AuditAction.RECORD_ACCESS,
        actor=by,
        target=record,
        detail={
            "before": {"access_level": previous},
            "after": {"access_level": widest.value},
            "why": f"consent scope {scope}",
        },
    )
    return True


@transaction.atomic
def grant_create(
    *,
    reason: str,
    by,
    record: Record | None = None,
    collection=None,
    user=None,
    group=None,
    expires_at=None,
):
    """Open one record, or one collection and its records, to a user or a group. A
    collection grant opens the records of the versions published so far (docs/access-control.md)."""
    permissions.require_archivist(by, "change who may see a record")
    opens_version = None
    if collection is not None:
        # Publishing takes the same lock, so a version is either before the grant (and
        # counted in the audit entry) or after it (and not opened by it).
        Collection.objects.select_for_update().filter(pk=collection.pk).first()
        opens_version = collection.versions.aggregate(n=Max("number"))["n"]
    grant = Grant(
        record=record,
        collection=collection,
        user=user,
        group=group,
        reason=reason,
        expires_at=expires_at,
        granted_by=by,
    )
    grant.full_clean()
    grant.save()
    audit.log(
        AuditAction.GRANT_CREATE,
        actor=by,
        target=record if record is not None else ("collection", collection.slug),
        detail={
            "grant": grant.pk,
            "grantee": grant.grantee,
            "reason": reason,
            "expires_at": expires_at.isoformat() if expires_at else None,
            **({"opens_versions_up_to": opens_version} if collection is not None else {}),
        },
    )
    return grant


@transaction.atomic
def grant_revoke(*, grant: Grant, by, reason: str = "") -> bool:
    permissions.require_archivist(by, "change who may see a record")
    grant = Grant.objects.select_for_update().get(pk=grant.pk)
    if grant.revoked_at is not None:
        return False
    grant.revoked_at, grant.revoked_by = timezone.now(), by
    grant.save(update_fields=["revoked_at", "revoked_by"])
    audit.log(
        AuditAction.GRANT_REVOKE,
        actor=by,
        target=grant.record if grant.record_id else ("collection", grant.collection.slug),
        detail={"grant": grant.pk, "grantee": grant.grantee, "reason": reason},
    )
    return True


def _jsonable(values: dict) -> dict:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in values.items()}
