"""Records (testimony and article excerpts), their numbered passages and import warnings."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from archive import hashing, identifiers
from archive.batching import collecting
from archive.bounded_json import BoundedJSONDecoder
from archive.dates import DatePrecision, format_partial_date, period_end

from .access import CONSENT_WIDEST_LEVEL, AccessLevel, check_consent, narrowest
from .search import coalesce_index_updates
from .vocabulary import Term


class RecordKind(models.TextChoices):
    TESTIMONY = "testimony", _("testimony")
    ARTICLE_EXCERPT = "article_excerpt", _("article excerpt")


RECORD_KIND_PLURAL = {
    RecordKind.TESTIMONY: _("testimonies"),
    RecordKind.ARTICLE_EXCERPT: _("article excerpts"),
}


ID_PREFIX = {RecordKind.TESTIMONY: "T", RecordKind.ARTICLE_EXCERPT: "A"}


DERIVED_FIELDS = frozenset({"content_hash", "next_passage_number"})


class RecordState(models.TextChoices):
    DRAFT = "draft", _("draft")
    IN_REVIEW = "in_review", _("in review")
    PUBLISHED = "published", _("published")
    WITHDRAWN = "withdrawn", _("withdrawn")


class IdentifierCounter(models.Model):
    """The last sequential number handed out per prefix (T-000017). New records get random
    identifiers (IssuedIdentifier); only the seed loader still counts here, so a fresh
    install's seed records keep the identifiers they always had. The counter only grows, so
    a deleted sequential ID is never reused."""

    prefix = models.CharField(max_length=1, primary_key=True)
    last_value = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.prefix}: {self.last_value}"

    @classmethod
    def allocate(cls, prefix: str) -> str:
        with transaction.atomic():
            cls.objects.get_or_create(prefix=prefix)
            # An UPDATE ... SET last_value = last_value + 1 takes the row lock on PostgreSQL and
            # the write lock on SQLite, so concurrent allocations serialize instead of colliding.
            cls.objects.filter(prefix=prefix).update(last_value=models.F("last_value") + 1)
            value = cls.objects.get(prefix=prefix).last_value
        return f"{prefix}-{value:06d}"


class IssuedIdentifier(models.Model):
    """Every random identifier ever handed out, kept when its record is deleted, so none is
    issued twice (docs/integrity.md#public-identifiers)."""

    value = models.CharField(max_length=12, primary_key=True)
    issued_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.value

    @classmethod
    def allocate(cls, prefix: str) -> str:
        """A random identifier never issued before. The primary key decides: a concurrent
        allocation of the same value fails to insert and draws again."""
        for _attempt in range(20):
            candidate = identifiers.new_identifier(prefix)
            try:
                with transaction.atomic():
                    cls.objects.create(value=candidate)
            except IntegrityError:
                continue
            return candidate
        raise RuntimeError("Could not draw an unused identifier.")


class Record(models.Model):
    public_id = models.CharField(
        _("identifier"),
        max_length=12,
        unique=True,
        editable=False,
        help_text=_("Stable public identifier; never changed, never reused."),
    )
    kind = models.CharField(max_length=20, choices=RecordKind.choices)
    title = models.CharField(max_length=500)
    summary = models.TextField(blank=True)
    language = models.CharField(max_length=35, help_text=_("BCP 47 tag, e.g. en, ug-Arab, zh."))
    event_start = models.DateField(_("events from"), null=True, blank=True)
    event_start_precision = models.CharField(
        max_length=12, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    event_end = models.DateField(_("events until"), null=True, blank=True)
    event_end_precision = models.CharField(
        max_length=12, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    source = models.ForeignKey(
        "archive.Source", null=True, blank=True, on_delete=models.PROTECT, related_name="records"
    )
    state = models.CharField(
        max_length=12, choices=RecordState.choices, default=RecordState.DRAFT, db_index=True
    )
    access_level = models.CharField(
        _("access level"),
        max_length=12,
        choices=AccessLevel.choices,
        blank=True,
        db_index=True,
        help_text=_(
            "Who may see the record once it is published. Left empty, testimony starts "
            "restricted (or narrower, as its consent requires) and article excerpts public."
        ),
    )
    embargo_until = models.DateField(
        _("embargoed until"),
        null=True,
        blank=True,
        help_text=_("Until this date (UTC) only archivists see the record, whatever its level."),
    )
    tags = models.ManyToManyField(Term, blank=True, related_name="records")
    content_hash = models.CharField(
        max_length=64, editable=False, help_text=_("SHA-256 of the normalized text.")
    )
    next_passage_number = models.PositiveIntegerField(default=1, editable=False)
    # The number of the latest RecordVersion, kept by services.versions. An edit form carries
    # the number it was opened at and saves only while it still matches (docs/versions.md).
    edit_version = models.PositiveIntegerField(default=0, editable=False)
    import_key = models.CharField(
        max_length=120,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text=_("Key of the import that created it, so re-running the import is harmless."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="records_created",
        editable=False,
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="records_updated",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(m2m_fields=[tags], excluded_fields=["edit_version"])

    class Meta:
        ordering = ["public_id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=RecordKind.values), name="record_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=RecordState.values), name="record_state_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(access_level__in=AccessLevel.values),
                name="record_access_level_valid",
            ),
        ]

    def __str__(self):
        return f"{self.public_id} {self.title}"

    def save(self, *args, **kwargs):
        stored = getattr(self, "_stored_public_id", None)
        if stored and self.public_id != stored:
            # SECURITY: citations and court filings point at this identifier.
            raise ValidationError(_("A record's identifier can never change."))
        if not self.public_id:
            self.public_id = IssuedIdentifier.allocate(ID_PREFIX[self.kind])
        if not self.content_hash:
            self.content_hash = hashing.record_hash([])
        if not self.access_level:
            self.access_level = self.default_access_level()
        if self._state.adding or kwargs.get("force_insert"):
            super().save(*args, **kwargs)
        else:
            # The hash and the ¶ counter are derived; only Record.rehash and the passage
            # allocator write them. A full save from a stale instance must not write old
            # values back (an old hash, or a counter that would reissue retired numbers).
            fields = kwargs.get("update_fields")
            if fields is None:
                fields = [
                    f.name
                    for f in self._meta.concrete_fields
                    if not f.primary_key and f.name not in DERIVED_FIELDS
                ]
            kwargs["update_fields"] = [f for f in fields if f != "next_passage_number"]
            super().save(*args, **kwargs)
        self._stored_public_id = self.public_id

    def get_absolute_url(self):
        return _record_url(get_script_prefix(), self.public_id)

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._stored_public_id = instance.__dict__.get("public_id")
        instance._stored_kind = instance.__dict__.get("kind")
        return instance

    def clean(self):
        if self.event_start and self.event_end:
            if period_end(self.event_end, self.event_end_precision) < self.event_start:
                raise ValidationError({"event_end": _("The events cannot end before they start.")})
        stored = getattr(self, "_stored_kind", None)
        if stored and stored != self.kind:
            raise ValidationError({"kind": _("The kind is fixed by the identifier's prefix.")})
        if not self.access_level:
            self.access_level = self.default_access_level()
        check_consent(self.access_level, self.consent_scope())

    def consent_scope(self) -> str | None:
        """The narrator's consent scope, for testimony that has narrator details."""
        if self.kind != RecordKind.TESTIMONY or self.pk is None:
            return None
        try:
            return self.testimony.consent_scope
        except ObjectDoesNotExist:
            return None

    def default_access_level(self) -> str:
        if self.kind != RecordKind.TESTIMONY:
            return AccessLevel.PUBLIC
        consent = self.consent_scope()
        if consent is None:
            return AccessLevel.RESTRICTED
        return narrowest(AccessLevel.RESTRICTED, CONSENT_WIDEST_LEVEL[consent])

    def is_embargoed(self, today=None) -> bool:
        today = today or timezone.now().date()
        return self.embargo_until is not None and self.embargo_until > today

    @property
    def event_dates_display(self) -> str:
        start = format_partial_date(self.event_start, self.event_start_precision)
        end = format_partial_date(self.event_end, self.event_end_precision)
        return start if start == end or not end else f"{start} – {end}"

    def was_ever_published(self) -> bool:
        return (
            self.state in (RecordState.PUBLISHED, RecordState.WITHDRAWN)
            or self.history.filter(state=RecordState.PUBLISHED).exists()
        )

    def canonical_text(self) -> str:
        return hashing.record_text(p.text for p in self.passages.order_by("position", "number"))

    @classmethod
    def rehash(cls, pk: int) -> bool:
        """Recompute a record's hash from its passages under a row lock; True if it changed.

        The lock makes concurrent passage edits on one record serialize, so the last
        writer hashes the passages as they stand after both edits.
        """
        with transaction.atomic():
            record = cls.objects.select_for_update().filter(pk=pk).first()
            if record is None:  # the record itself is being deleted
                return False
            texts = Passage.objects.filter(record_id=pk).order_by("position", "number")
            digest = hashing.record_hash(texts.values_list("text", flat=True))
            if digest == record.content_hash:
                return False
            record.content_hash = digest
            record.save(update_fields=["content_hash", "updated_at"])
            return True


def check_single_paragraph(text: str) -> None:
    """A passage is one paragraph: a blank line inside it would make the record hash
    ambiguous (["a\n\nb"] and ["a", "b"] would hash alike) and hide a citable ¶."""
    if hashing.PASSAGE_SEPARATOR in hashing.normalize_text(text):
        raise ValueError("A passage cannot contain a blank line; split it into two passages.")


@lru_cache(maxsize=50_000)
def _record_url(script_prefix: str, public_id: str) -> str:
    # A search page links each hit and each of its passages: reverse() was 1 ms a page.
    return reverse("archive:record", args=[public_id])


class PassageRole(models.TextChoices):
    BODY = "body", _("body")
    STANDFIRST = "standfirst", _("standfirst")
    HEADING = "heading", _("heading")
    CAPTION = "caption", _("caption")
    NOTE = "note", _("note")


class Passage(models.Model):
    """A paragraph of a record. Its number ¶n is an identifier, kept when others change."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="passages")
    number = models.PositiveIntegerField(editable=False)
    position = models.PositiveIntegerField(help_text=_("Reading order."))
    role = models.CharField(max_length=12, choices=PassageRole.choices, default=PassageRole.BODY)
    text = models.TextField()
    content_hash = models.CharField(max_length=64, editable=False)
    tags = models.ManyToManyField(Term, blank=True, related_name="passages")

    history = HistoricalRecords(m2m_fields=[tags])

    class Meta:
        ordering = ["record", "position", "number"]
        constraints = [
            models.UniqueConstraint(fields=["record", "number"], name="passage_number_unique"),
        ]
        indexes = [models.Index(fields=["record", "position"])]

    def __str__(self):
        return f"{self.record.public_id} ¶{self.number}"

    def save(self, *args, **kwargs):
        stored = getattr(self, "_stored_number", None)
        if stored is not None and self.number != stored:
            raise ValidationError(_("A passage's number can never change."))
        self.text = hashing.normalize_text(self.text)
        check_single_paragraph(self.text)
        self.content_hash = hashing.sha256_text(self.text)
        with transaction.atomic():
            if self.number is None:
                self.number = self._allocate_number()
            super().save(*args, **kwargs)
        self._stored_number = self.number

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._stored_number = instance.__dict__.get("number")
        return instance

    def _allocate_number(self) -> int:
        # The counter on the record only grows, so a deleted paragraph's number is never reused.
        Record.objects.filter(pk=self.record_id).update(
            next_passage_number=models.F("next_passage_number") + 1
        )
        return (
            Record.objects.values_list("next_passage_number", flat=True).get(pk=self.record_id) - 1
        )

    @property
    def anchor(self) -> str:
        return f"p{self.number}"

    def clean(self):
        try:
            check_single_paragraph(self.text or "")
        except ValueError as exc:
            raise ValidationError({"text": str(exc)}) from exc


_pending_rehash: ContextVar[set[int] | None] = ContextVar("pending_rehash", default=None)


@contextmanager
def deferred_rehash() -> Iterator[None]:
    """Within the block, rehash each touched record once at the end, not after every write."""
    with coalesce_index_updates():
        with collecting(_pending_rehash) as pending:
            yield
        for pk in sorted(pending or ()):
            Record.rehash(pk)


def deleting_records(origin) -> bool:
    """Whether a delete signal's origin is the deletion of records themselves (one record or
    a queryset of them), when their passages and other parts go with them."""
    return isinstance(origin, Record) or (
        isinstance(origin, models.QuerySet) and issubclass(origin.model, Record)
    )


@receiver(post_save, sender=Passage)
@receiver(post_delete, sender=Passage)
def _passage_changed(sender, instance: Passage, **kwargs) -> None:
    # Every passage write, whoever makes it, leaves the record hash true.
    if deleting_records(kwargs.get("origin")):
        return  # the whole record is being deleted
    pending = _pending_rehash.get()
    if pending is None:
        Record.rehash(instance.record_id)
    else:
        pending.add(instance.record_id)


class ImportWarning(models.Model):
    """Something an import could not do with certainty; archivists see and resolve these."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="import_warnings")
    passage_number = models.PositiveIntegerField(null=True, blank=True)
    code = models.SlugField(max_length=60)
    message = models.TextField()
    detail = models.JSONField(default=dict, blank=True, decoder=BoundedJSONDecoder)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution_note = models.TextField(blank=True)

    class Meta:
        ordering = ["record", "passage_number", "pk"]

    def __str__(self):
        where = f" ¶{self.passage_number}" if self.passage_number else ""
        return f"{self.record.public_id}{where}: {self.message}"
