"""The audit log: who did or saw what, when, and from where. Append-only.

Entries are written by archive.services.audit only. The application refuses to change or
delete them (save, delete, QuerySet.update and QuerySet.delete all raise), and a database
trigger refuses UPDATE and DELETE on the table itself (migration 0004), so neither a bug nor
the admin can rewrite history. Each entry carries a hash chain (archive/audit_chain.py), so a
row forged, changed or removed past the triggers shows in `manage.py verify_fixity`.
"""

from django.conf import settings
from django.db import models, router, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from archive import audit_chain


class AuditAction(models.TextChoices):
    RECORD_VIEW = "record.view", _("viewed a record")
    PASSAGE_VIEW = "passage.view", _("viewed a passage")
    SEARCH = "search", _("searched")
    EXPORT = "export", _("exported")
    LOGIN = "auth.login", _("signed in")
    LOGIN_FAILED = "auth.login_failed", _("failed to sign in")
    LOGOUT = "auth.logout", _("signed out")
    LOCKED_OUT = "auth.locked_out", _("locked out")
    GRANT_CREATE = "grant.create", _("granted access")
    GRANT_REVOKE = "grant.revoke", _("revoked access")
    RECORD_CREATE = "record.create", _("created a record")
    RECORD_EDIT = "record.edit", _("edited a record")
    RECORD_ACCESS = "record.access", _("changed who may see a record")
    RECORD_PUBLISH = "record.publish", _("published a record")
    RECORD_WITHDRAW = "record.withdraw", _("withdrew a record")
    RECORD_DELETE = "record.delete", _("deleted a record")
    DRAFTS_DISCARDED = "record.drafts_discarded", _("discarded the text of drafts")
    RECORD_VERSION = "record.version", _("made or redacted a record version")
    ACCOUNT_CHANGE = "account.change", _("changed an account")
    OBJECT_CHANGE = "object.change", _("changed vocabulary, a source or a warning")
    OBJECT_DELETE = "object.delete", _("deleted vocabulary, a source or a warning")
    AUDIT_EXPORT = "audit.export", _("exported the audit log")
    RECORD_IMPORT = "record.import", _("imported records")
    COLLECTION_CREATE = "collection.create", _("created a collection")
    COLLECTION_EDIT = "collection.edit", _("changed a collection")
    COLLECTION_PUBLISH = "collection.publish", _("published a collection version")


class AppendOnlyError(Exception):
    pass


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Audit entries cannot be changed.")

    def delete(self):
        raise AppendOnlyError("Audit entries cannot be deleted.")

    def bulk_create(self, objs, *args, **kwargs):
        # Each entry is chained to the one before it in save().
        raise AppendOnlyError("Audit entries are added one at a time.")


class AuditEntry(models.Model):
    at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    # No database constraint and no cascade: deleting an account must neither fail because
    # of its history nor rewrite it. The username is kept as it was at the time.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        editable=False,
    )
    actor_label = models.CharField(_("who"), max_length=150, blank=True, editable=False)
    action = models.CharField(max_length=32, choices=AuditAction.choices, db_index=True)
    target_type = models.CharField(max_length=32, blank=True, editable=False)
    target_id = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    detail = models.JSONField(default=dict, blank=True, editable=False)
    # Where from: the surface (web, api, admin, command) and request path, and a keyed hash
    # of the client address (see docs/audit.md for why it is hashed).
    channel = models.CharField(max_length=16, blank=True, editable=False)
    path = models.CharField(max_length=300, blank=True, editable=False)
    ip_hash = models.CharField(_("client (keyed hash)"), max_length=32, blank=True)
    prev_hash = models.CharField(max_length=64, editable=False)
    entry_hash = models.CharField(max_length=64, editable=False)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "audit entry"
        verbose_name_plural = "audit log"
        indexes = [models.Index(fields=["actor", "at"], name="audit_actor_at")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label or 'anonymous'} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Audit entries cannot be changed.")
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using):
            # Held to the end of the outermost transaction: an entry is chained to the last
            # one committed, never to one another writer may still roll back.
            audit_chain.lock(transaction.get_connection(using))
            self.at = timezone.now()  # stamped under the lock, so times rise along the chain
            self.prev_hash = audit_chain.last_hash(type(self).objects.using(using))
            self.entry_hash = audit_chain.entry_hash(vars(self), self.prev_hash)
            super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit entries cannot be deleted.")
