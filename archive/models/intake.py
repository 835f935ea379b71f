"""What the PII scanner found in a record, and the record's own identifying terms.

Identifying terms (the narrator's real name, relatives, village, employer) are kept in plain
text only while the record has never been published. Publishing wipes the plain text and
keeps only keyed digests of each term's spelling skeleton (archive.pii.skeleton), which are
enough to recognise the term again in later edits (docs/pii.md).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class FindingStatus(models.TextChoices):
    OPEN = "open", _("open")
    REPLACED = "replaced", _("replaced")
    DISMISSED = "dismissed", _("dismissed")


class PiiFinding(models.Model):
    record = models.ForeignKey(
        "archive.Record", on_delete=models.CASCADE, related_name="pii_findings"
    )
    # Where: a passage (by its ¶ number) or the record's title or summary.
    field = models.CharField(max_length=10)
    passage_number = models.PositiveIntegerField(null=True, blank=True)
    kind = models.CharField(max_length=20)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    # The matched text while the finding is open or dismissed; emptied once it is replaced.
    text = models.CharField(max_length=500, blank=True)
    placeholder = models.CharField(max_length=60)
    status = models.CharField(
        max_length=10, choices=FindingStatus.choices, default=FindingStatus.OPEN, db_index=True
    )
    note = models.TextField(blank=True, help_text=_("Why a dismissed finding is not identifying."))
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["record", "field", "passage_number", "start"]
        verbose_name = "identifying-detail finding"
        verbose_name_plural = "identifying-detail findings"
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="dismissed") | ~models.Q(note=""),
                name="pii_dismissal_has_reason",
            )
        ]

    def __str__(self):
        return f"{self.record.public_id} {self.location}: {self.kind} ({self.status})"

    @property
    def location(self) -> str:
        """¶n for a passage, else the field (title, summary)."""
        return f"¶{self.passage_number}" if self.field == "passage" else self.field


class IdentifyingTerm(models.Model):
    record = models.ForeignKey(
        "archive.Record", on_delete=models.CASCADE, related_name="identifying_terms"
    )
    placeholder = models.CharField(max_length=60, help_text=_("e.g. [RELATIVE-1], [VILLAGE]"))
    # Plain text only until the record is first published; then "".
    term = models.CharField(max_length=200, blank=True)
    digest = models.CharField(max_length=64, editable=False)
    words = models.PositiveSmallIntegerField(editable=False)

    class Meta:
        ordering = ["record", "placeholder"]

    def __str__(self):
        return f"{self.record.public_id} {self.placeholder}"
