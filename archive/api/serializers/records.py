"""Records, their versions and the vocabulary, as the API shows them."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from archive import permissions
from archive.models import Alias, ExternalIdentifier, Passage, Record, RecordVersion, Term
from archive.services import versions as version_service

CITE_FORMATS = ("chicago", "apa", "bibtex", "ris", "csl-json")


def absolute(context, url: str) -> str:
    request = context.get("request")
    return request.build_absolute_uri(url) if request is not None else url


class TagSerializer(serializers.ModelSerializer):
    label = serializers.CharField(source="preferred_label")

    class Meta:
        model = Term
        fields = ["kind", "slug", "label"]


class SourceSerializer(serializers.Serializer):
    outlet = serializers.CharField()
    title = serializers.CharField()
    authors = serializers.ListField(child=serializers.CharField())
    url = serializers.CharField()
    language = serializers.CharField()
    published_on = serializers.DateField(allow_null=True)
    published_precision = serializers.CharField()


class PassageSerializer(serializers.ModelSerializer):
    sha256 = serializers.CharField(source="content_hash")
    tags = serializers.SerializerMethodField()

    class Meta:
        model = Passage
        fields = ["number", "role", "text", "sha256", "tags"]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_tags(self, passage) -> list[str]:
        return [tag.slug for tag in passage.tags.all()]


class VersionSummarySerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    api_url = serializers.SerializerMethodField()
    discarded = serializers.SerializerMethodField()

    class Meta:
        model = RecordVersion
        fields = ["number", "created_at", "note", "version_hash", "discarded", "url", "api_url"]

    def get_url(self, version) -> str:
        return absolute(self.context, version.get_absolute_url())

    def get_api_url(self, version) -> str:
        url = reverse("api:record-version", args=[version.record.public_id, version.number])
        return absolute(self.context, url)

    def get_discarded(self, version) -> bool:
        return version_service.is_discarded(version)


class VersionSerializer(VersionSummarySerializer):
    """A version as it read then: the snapshot of docs/versions.md, which its hash covers."""

    cite = serializers.SerializerMethodField()
    snapshot = serializers.JSONField()

    class Meta(VersionSummarySerializer.Meta):
        fields = [
            *VersionSummarySerializer.Meta.fields,
            "state",
            "content_hash",
            "redacted_at",
            "snapshot",
            "cite",
        ]

    @extend_schema_field(serializers.DictField(child=serializers.URLField()))
    def get_cite(self, version) -> dict[str, str]:
        if version_service.is_discarded(version):
            return {}
        base = reverse(
            "archive:record-version-cite", args=[version.record.public_id, version.number]
        )
        return {fmt: absolute(self.context, f"{base}?format={fmt}") for fmt in CITE_FORMATS}


class AttachmentSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    caption = serializers.CharField()
    sha256 = serializers.CharField()
    url = serializers.SerializerMethodField()

    def get_url(self, attachment) -> str:
        url = reverse("archive:attachment", args=[attachment.record.public_id, attachment.number])
        return absolute(self.context, url)


class RecordSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id")
    url = serializers.SerializerMethodField()
    api_url = serializers.SerializerMethodField()

    class Meta:
        model = Record
        fields = [
            "id",
            "kind",
            "title",
            "language",
            "event_start",
            "event_start_precision",
            "event_end",
            "event_end_precision",
            "state",
            "access_level",
            "content_hash",
            "url",
            "api_url",
        ]

    def get_url(self, record) -> str:
        return absolute(self.context, record.get_absolute_url())

    def get_api_url(self, record) -> str:
        return absolute(self.context, reverse("api:record-detail", args=[record.public_id]))


class RecordDetailSerializer(RecordSerializer):
    source = SourceSerializer(allow_null=True)
    tags = serializers.SerializerMethodField()
    passages = serializers.SerializerMethodField()
    versions = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()
    cite = serializers.SerializerMethodField()

    class Meta(RecordSerializer.Meta):
        fields = [
            *RecordSerializer.Meta.fields,
            "summary",
            "embargo_until",
            "source",
            "tags",
            "passages",
            "versions",
            "attachments",
            "cite",
        ]

    @extend_schema_field(TagSerializer(many=True))
    def get_tags(self, record):
        return TagSerializer(record.tags.order_by("kind", "preferred_label"), many=True).data

    @extend_schema_field(PassageSerializer(many=True))
    def get_passages(self, record):
        passages = record.passages.order_by("position", "number").prefetch_related("tags")
        return PassageSerializer(passages, many=True).data

    @extend_schema_field(VersionSummarySerializer(many=True))
    def get_versions(self, record):
        user = self.context["request"].user
        versions = permissions.visible_versions(user, record).select_related("record")
        return VersionSummarySerializer(versions, many=True, context=self.context).data

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_attachments(self, record):
        attachments = record.attachments.select_related("record").order_by("number")
        return AttachmentSerializer(attachments, many=True, context=self.context).data

    @extend_schema_field(serializers.DictField(child=serializers.URLField()))
    def get_cite(self, record) -> dict[str, str]:
        base = reverse("archive:record-cite", args=[record.public_id])
        return {fmt: absolute(self.context, f"{base}?format={fmt}") for fmt in CITE_FORMATS}


class AliasSerializer(serializers.ModelSerializer):
    class Meta:
        model = Alias
        fields = ["label", "language"]


class ExternalIdSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExternalIdentifier
        fields = ["scheme", "value"]


class TermSerializer(serializers.ModelSerializer):
    label = serializers.CharField(source="preferred_label")
    api_url = serializers.SerializerMethodField()

    class Meta:
        model = Term
        fields = ["slug", "kind", "label", "api_url"]

    def get_api_url(self, term) -> str:
        return absolute(self.context, reverse("api:term-detail", args=[term.slug]))


class TermDetailSerializer(TermSerializer):
    aliases = AliasSerializer(many=True, read_only=True)
    external_ids = ExternalIdSerializer(many=True, read_only=True)
    broader = serializers.SerializerMethodField()
    narrower = serializers.SerializerMethodField()

    class Meta(TermSerializer.Meta):
        fields = [
            *TermSerializer.Meta.fields,
            "description",
            "aliases",
            "external_ids",
            "broader",
            "narrower",
        ]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_broader(self, term):
        if term.broader is None:
            return None
        return TermSerializer(term.broader, context=self.context).data

    @extend_schema_field(TermSerializer(many=True))
    def get_narrower(self, term):
        return TermSerializer(term.narrower.all(), many=True, context=self.context).data
