"""Curated collections: ordered items (whole records or single passages) with annotations,
shared with named people, and published as immutable numbered versions that pin each item
to the record version it had (docs/collections.md)."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .versions import VersionImmutableError


class Visibility(models.TextChoices):
    PRIVATE = "private", _("private: curators only")
    SHARED = "shared", _("shared: named people and groups")
    PUBLIC = "public", _("public")


class ShareRole(models.TextChoices):
    VIEWER = "viewer", _("viewer")
    EDITOR = "editor", _("editor")


class Collection(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True, help_text=_("Markdown; shown rendered safely."))
    visibility = models.CharField(
        max_length=8, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    curators = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="curated_collections")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(visibility__in=Visibility.values), name="collection_visibility_valid"
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("archive:collection", args=[self.slug])


_NO_PENDING = Q(pending_username="", pending_group="")


class CollectionShare(models.Model):
    """A named user or group who may view or edit a shared collection.

    A name that matched no active account or group when it was shared is kept as typed
    (`pending_username`, `pending_group`) and counts for whoever bears that name once they
    are active: the sharer sees the same answer and the same list either way, so sharing
    tells nobody which accounts exist (docs/collections.md)."""

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="shares")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    pending_username = models.CharField(max_length=150, blank=True)
    pending_group = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=8, choices=ShareRole.choices, default=ShareRole.VIEWER)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    (Q(user__isnull=False, group__isnull=True) & _NO_PENDING)
                    | (Q(user__isnull=True, group__isnull=False) & _NO_PENDING)
                    | (
                        Q(user__isnull=True, group__isnull=True, pending_group="")
                        & ~Q(pending_username="")
                    )
                    | (
                        Q(user__isnull=True, group__isnull=True, pending_username="")
                        & ~Q(pending_group="")
                    )
                ),
                name="collection_share_one_grantee",
            ),
            models.UniqueConstraint(
                fields=["collection", "user"],
                condition=Q(user__isnull=False),
                name="collection_share_user_once",
            ),
            models.UniqueConstraint(
                fields=["collection", "group"],
                condition=Q(group__isnull=False),
                name="collection_share_group_once",
            ),
            models.UniqueConstraint(
                fields=["collection", "pending_username"],
                condition=~Q(pending_username=""),
                name="collection_share_pending_user_once",
            ),
            models.UniqueConstraint(
                fields=["collection", "pending_group"],
                condition=~Q(pending_group=""),
                name="collection_share_pending_group_once",
            ),
        ]

    def __str__(self):
        return f"{self.collection.slug}: {self.label} ({self.role})"

    @property
    def label(self) -> str:
        """The name as the sharer typed it: the same whether or not it names an account."""
        if self.user_id:
            return f"user {self.user.get_username()}"
        if self.group_id:
            return f"group {self.group.name}"
        if self.pending_username:
            return f"user {self.pending_username}"
        return f"group {self.pending_group}"


class CollectionItem(models.Model):
    """An item of the working draft: a whole record, or one passage (by its ¶ number, which
    never changes) of a record."""

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    # A draft record deleted before publication leaves the working drafts it was in.
    record = models.ForeignKey(
        "archive.Record", on_delete=models.CASCADE, related_name="collection_items"
    )
    passage_number = models.PositiveIntegerField(null=True, blank=True)
    annotation = models.TextField(blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["collection", "position"]
        # Two partial constraints: SQLite cannot treat NULLs as equal in one.
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "record"],
                condition=Q(passage_number__isnull=True),
                name="collection_record_item_once",
            ),
            models.UniqueConstraint(
                fields=["collection", "record", "passage_number"],
                condition=Q(passage_number__isnull=False),
                name="collection_passage_item_once",
            ),
        ]

    def __str__(self):
        where = f" ¶{self.passage_number}" if self.passage_number else ""
        return f"{self.collection.slug} #{self.position}: {self.record.public_id}{where}"


class CollectionVersion(models.Model):
    """A published collection, frozen: title, description, items pinned to record versions
    and annotations, and the SHA-256 of its manifest (canonical JSON)."""

    collection = models.ForeignKey(Collection, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(editable=False)
    title = models.CharField(max_length=300, editable=False)
    description = models.TextField(blank=True, editable=False)
    note = models.TextField(blank=True, editable=False)
    published_at = models.DateTimeField(editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    manifest = models.JSONField(editable=False)
    manifest_hash = models.CharField(max_length=64, editable=False)

    class Meta:
        ordering = ["collection", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "number"], name="collection_version_unique"
            )
        ]

    def __str__(self):
        return f"{self.collection.slug} v{self.number}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise VersionImmutableError("A published collection version never changes.")
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("archive:collection-version", args=[self.collection.slug, self.number])

    def delete(self, *args, **kwargs):
        raise VersionImmutableError("A published collection version is never deleted.")


class CollectionVersionItem(models.Model):
    """An item of a published version, pinned to the record version it had then."""

    version = models.ForeignKey(CollectionVersion, on_delete=models.PROTECT, related_name="items")
    position = models.PositiveIntegerField()
    record = models.ForeignKey("archive.Record", on_delete=models.PROTECT, related_name="+")
    record_version = models.ForeignKey(
        "archive.RecordVersion", on_delete=models.PROTECT, related_name="+"
    )
    passage_number = models.PositiveIntegerField(null=True, blank=True)
    annotation = models.TextField(blank=True)

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "position"], name="collection_version_item_position"
            )
        ]

    def __str__(self):
        return f"{self.version} #{self.position}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise VersionImmutableError("A published collection version never changes.")
        super().save(*args, **kwargs)


def check_item(record, passage_number) -> None:
    if passage_number is not None and not record.passages.filter(number=passage_number).exists():
        raise ValidationError({"passage_number": _("The record has no such passage.")})
