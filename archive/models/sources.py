"""Where a record comes from: an outlet, a publisher or an interviewing organization."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from archive.bounded_json import BoundedJSONDecoder
from archive.dates import DatePrecision, format_partial_date


class Source(models.Model):
    outlet = models.CharField(
        max_length=255, help_text=_("Outlet or publisher, only as far as it is known.")
    )
    title = models.CharField(max_length=500)
    authors = models.JSONField(
        default=list, blank=True, decoder=BoundedJSONDecoder, help_text=_("A list of names.")
    )
    url = models.URLField(max_length=1000, blank=True)
    language = models.CharField(max_length=35, blank=True)
    rights_note = models.TextField(blank=True)
    published_on = models.DateField(null=True, blank=True)
    published_precision = models.CharField(
        max_length=12, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    published_basis = models.TextField(
        blank=True, help_text=_("How the publication date was established.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["outlet", "title"]

    def __str__(self):
        date = self.published_display
        return f"{self.outlet}: {self.title}" + (f" ({date})" if date else "")

    @property
    def published_display(self) -> str:
        return format_partial_date(self.published_on, self.published_precision)
