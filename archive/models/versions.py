"""Numbered, hashed versions of a record: what it said, who changed it, when and why.

Each version holds a snapshot of everything a reader sees of the record (metadata, source,
narrator details, tags, passages with their ¶ numbers and tags, attachments by hash) and the
SHA-256 of that snapshot written as canonical JSON, so a citation of "T-000012 v3" can be
checked by anyone holding the snapshot. Versions are written by archive.services.versions only
and never change, with one exception: identifying text found in a version made before the
record was first published is replaced there too (docs/versions.md), and the version says so.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class VersionImmutableError(Exception):
    pass


class RecordVersion(models.Model):
    record = models.ForeignKey("archive.Record", on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(editable=False)
    created_at = models.DateTimeField(editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    # Kept as it was at the time, like the audit log's, in case the account is renamed.
    created_by_label = models.CharField(max_length=150, blank=True, editable=False)
    note = models.TextField(_("change note"), blank=True, editable=False)
    state = models.CharField(max_length=12, editable=False)
    content_hash = models.CharField(
        max_length=64, editable=False, help_text=_("SHA-256 of the record's text at this version.")
    )
    version_hash = models.CharField(
        max_length=64,
        editable=False,
        help_text=_("SHA-256 of the whole snapshot (canonical JSON)."),
    )
    snapshot = models.JSONField(editable=False)
    redacted_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["record", "number"]
        get_latest_by = "number"
        constraints = [
            models.UniqueConstraint(fields=["record", "number"], name="record_version_unique")
        ]

    def __str__(self):
        return f"{self.snapshot.get('public_id', '?')} v{self.number}"

    def save(self, *args, **kwargs):
        if not self._state.adding and not getattr(self, "_redacting", False):
            raise VersionImmutableError("A record version never changes.")
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("archive:record-version", args=[self.snapshot["public_id"], self.number])

    def delete(self, *args, **kwargs):
        raise VersionImmutableError("A record version is never deleted on its own.")

    @property
    def was_published(self) -> bool:
        return self.state == "published"
