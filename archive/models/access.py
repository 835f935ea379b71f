"""Who may see a record: access levels, the cap a narrator's consent puts on them, and grants.

The rules that combine these live in archive.permissions; this module only holds the data.
"""

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AccessLevel(models.TextChoices):
    """From the widest audience to the narrowest."""

    PUBLIC = "public", _("public: anyone")
    REGISTERED = "registered", _("registered: any signed-in account")
    RESTRICTED = "restricted", _("restricted: archivists, lawyers and grantees")
    CONFIDENTIAL = "confidential", _("confidential: archivists and named users only")


# Index of each level in the order above: a higher rank is a narrower audience.
LEVEL_RANK = {level: rank for rank, level in enumerate(AccessLevel.values)}

# The widest level each consent scope allows (see docs/access-control.md). Consent to public
# use allows everything; research consent keeps the account among signed-in users (the
# researchers the narrator agreed to); legal consent keeps it to lawyers and grantees; an
# archive-only consent keeps it within the archive.
CONSENT_WIDEST_LEVEL = {
    "public": AccessLevel.PUBLIC,
    "research": AccessLevel.REGISTERED,
    "legal": AccessLevel.RESTRICTED,
    "archive_only": AccessLevel.CONFIDENTIAL,
}


def levels_allowed_by(consent_scope: str) -> list[str]:
    """Every access level a consent scope permits, widest first."""
    widest = LEVEL_RANK[CONSENT_WIDEST_LEVEL[consent_scope]]
    return [level for level in AccessLevel.values if LEVEL_RANK[level] >= widest]


def narrowest(*levels: str) -> str:
    return max(levels, key=LEVEL_RANK.__getitem__)


def check_consent(level: str, consent_scope: str | None) -> None:
    """Raise ValidationError if the consent scope does not allow the access level."""
    if consent_scope is None or level in levels_allowed_by(consent_scope):
        return
    raise ValidationError(
        {
            "access_level": _(
                "The narrator's consent (%(scope)s) allows at most “%(widest)s”; "
                "this record cannot be %(level)s."
            )
            % {
                "scope": consent_scope,
                "widest": CONSENT_WIDEST_LEVEL[consent_scope].value,
                "level": level,
            }
        }
    )


class GrantQuerySet(models.QuerySet):
    def active(self, at=None):
        """Unrevoked and unexpired at `at` (now): an expired grant stops working at once,
        because every check asks this, not a job that would have to run."""
        at = at or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=at)
        )


class Grant(models.Model):
    """Access to one record, or to one collection and the records in it, for one user or one
    group, given by an archivist for a reason.

    A group grant opens records up to `restricted`; a confidential record opens only to a
    grant naming the user and the record. A collection grant opens the records of the
    versions published when it was made (`created_at`), which the archivist could review;
    what editors add later stays closed (docs/access-control.md). Grants are revoked, never
    deleted, so the audit trail and the admin show who could see what, when.
    """

    record = models.ForeignKey(
        "archive.Record", null=True, blank=True, on_delete=models.CASCADE, related_name="grants"
    )
    collection = models.ForeignKey(
        "archive.Collection",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="grants",
        help_text=_(
            "Opens the collection's published versions, and the records (up to restricted) "
            "in the versions published so far; not its draft, nor later versions."
        ),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="access_grants",
    )
    group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.CASCADE, related_name="access_grants"
    )
    reason = models.TextField(help_text=_("Why this access is needed; kept in the audit log."))
    expires_at = models.DateTimeField(null=True, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="grants_given",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="grants_revoked",
        editable=False,
    )

    objects = GrantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(user__isnull=False, group__isnull=True)
                    | Q(user__isnull=True, group__isnull=False)
                ),
                name="grant_one_grantee",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="grant_has_reason"),
            models.CheckConstraint(
                condition=(
                    Q(record__isnull=False, collection__isnull=True)
                    | Q(record__isnull=True, collection__isnull=False)
                ),
                name="grant_one_object",
            ),
        ]

    def __str__(self):
        return f"{self.target} → {self.grantee}"

    @property
    def target(self) -> str:
        return self.record.public_id if self.record_id else f"collection {self.collection.slug}"

    @property
    def grantee(self) -> str:
        return f"user {self.user}" if self.user_id else f"group {self.group}"

    def is_active(self, at=None) -> bool:
        at = at or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > at)

    def clean(self):
        if bool(self.user_id) == bool(self.group_id):
            raise ValidationError(_("Grant access to exactly one user or one group."))
        if bool(self.record_id) == bool(self.collection_id):
            raise ValidationError(_("Grant access to exactly one record or one collection."))
        if not (self.reason or "").strip():
            raise ValidationError({"reason": _("Give the reason for this access.")})
        if self.expires_at is not None and self.pk is None and self.expires_at <= timezone.now():
            raise ValidationError({"expires_at": _("The expiry must lie in the future.")})
        if self.collection_id and self.pk is None and not self.collection.versions.exists():
            raise ValidationError(
                {
                    "collection": _(
                        "This collection has no published version yet. A collection grant "
                        "opens the records of the versions published when it is made: "
                        "grant it once the collection is published."
                    )
                }
            )
        record = self.record if self.record_id else None
        if self.group_id and record is not None and record.access_level == "confidential":
            raise ValidationError(
                _("A confidential record can be opened to named users only, not to a group.")
            )
