"""Collections, their draft items and published versions, as the API shows them. Items are
passed in already filtered by archive.permissions.visible_items."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from archive.api.serializers.records import CITE_FORMATS, absolute
from archive.models import Collection, CollectionItem, CollectionVersion, Visibility


class CollectionSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    api_url = serializers.SerializerMethodField()
    versions = serializers.SerializerMethodField()

    class Meta:
        model = Collection
        fields = ["slug", "title", "description", "visibility", "versions", "url", "api_url"]
        read_only_fields = ["slug"]

    def get_url(self, collection) -> str:
        return absolute(self.context, collection.get_absolute_url())

    def get_api_url(self, collection) -> str:
        url = reverse("api:collection-detail", args=[collection.slug])
        return absolute(self.context, url)

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_versions(self, collection) -> list[int]:
        # Every version is published: whoever may open the collection may read each of them.
        return [version.number for version in collection.versions.all()]


class CollectionWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    visibility = serializers.ChoiceField(Visibility.choices, required=False)


class ItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk", read_only=True)
    position = serializers.IntegerField(read_only=True)
    record = serializers.CharField(source="record.public_id")
    passage = serializers.IntegerField(source="passage_number", allow_null=True)
    annotation = serializers.CharField()
    record_url = serializers.SerializerMethodField()

    def get_record_url(self, item) -> str:
        url = item.record.get_absolute_url()
        if item.passage_number:
            url += f"#p{item.passage_number}"
        return absolute(self.context, url)


class DraftItemSerializer(ItemSerializer):
    class Meta:
        model = CollectionItem


class VersionItemSerializer(ItemSerializer):
    record_version = serializers.IntegerField(source="record_version.number")
    record_version_hash = serializers.CharField(source="record_version.version_hash")


class ItemAddSerializer(serializers.Serializer):
    record = serializers.CharField(max_length=12, help_text="The record's identifier, A-000001.")
    passage = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    annotation = serializers.CharField(required=False, allow_blank=True, default="")


class ItemChangeSerializer(serializers.Serializer):
    annotation = serializers.CharField(allow_blank=True)


class ItemMoveSerializer(serializers.Serializer):
    offset = serializers.IntegerField(
        min_value=-10_000, max_value=10_000, help_text="Negative moves up, positive down."
    )


class PublishSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class CollectionVersionSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    items_url = serializers.SerializerMethodField()
    items = serializers.SerializerMethodField()
    hidden_items = serializers.SerializerMethodField()
    cite = serializers.SerializerMethodField()
    export = serializers.SerializerMethodField()

    class Meta:
        model = CollectionVersion
        fields = [
            "number",
            "title",
            "description",
            "note",
            "published_at",
            "manifest_hash",
            "items",
            "hidden_items",
            "url",
            "items_url",
            "cite",
            "export",
        ]

    def _counts(self, version) -> tuple[int, int]:
        # (visible, hidden), computed by the view through the policy and handed in.
        return self.context["item_counts"][version.pk]

    def get_items(self, version) -> int:
        return self._counts(version)[0]

    def get_hidden_items(self, version) -> int:
        return self._counts(version)[1]

    def get_url(self, version) -> str:
        return absolute(self.context, version.get_absolute_url())

    def get_items_url(self, version) -> str:
        args = [version.collection.slug, version.number]
        return absolute(self.context, reverse("api:collection-version-items", args=args))

    @extend_schema_field(serializers.DictField(child=serializers.URLField()))
    def get_cite(self, version) -> dict[str, str]:
        args = [version.collection.slug, version.number]
        base = reverse("archive:collection-version-cite", args=args)
        return {fmt: absolute(self.context, f"{base}?format={fmt}") for fmt in CITE_FORMATS}

    def get_export(self, version) -> str:
        args = [version.collection.slug, version.number]
        return absolute(self.context, reverse("archive:collection-version-export", args=args))
