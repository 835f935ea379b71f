"""Image attachments of a record: only the sanitized file is stored (services/images.py).

Files live under MEDIA_ROOT/attachments/, named by their SHA-256, and are never served as
plain media: the attachment view checks the policy first, like the record page.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords


class Attachment(models.Model):
    record = models.ForeignKey(
        "archive.Record", on_delete=models.PROTECT, related_name="attachments"
    )
    number = models.PositiveIntegerField(editable=False)
    caption = models.CharField(max_length=300, blank=True)
    file = models.FileField(upload_to="attachments/", editable=False)
    thumbnail = models.FileField(upload_to="attachments/thumbnails/", editable=False)
    sha256 = models.CharField(max_length=64, editable=False)
    # Readers are shown the thumbnail too, so fixity checks it as it checks the image.
    thumbnail_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    format = models.CharField(max_length=8, editable=False)
    width = models.PositiveIntegerField(editable=False)
    height = models.PositiveIntegerField(editable=False)
    regions_hidden = models.PositiveSmallIntegerField(default=0, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["record", "number"]
        constraints = [
            models.UniqueConstraint(fields=["record", "number"], name="attachment_number_unique")
        ]

    def __str__(self):
        return f"{self.record.public_id} image {self.number}"

    def get_absolute_url(self):
        return reverse("archive:attachment", args=[self.record.public_id, self.number])

    def thumbnail_url(self):
        return reverse("archive:attachment-thumbnail", args=[self.record.public_id, self.number])
