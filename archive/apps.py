"""App configuration for the archive."""

from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "archive"
    verbose_name = "Testimony Archive"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.urls import register_converter

        from archive import signals as archive_signals
        from archive.identifiers import RecordIdConverter
        from archive.search import signals
        from archive.services import versions

        register_converter(RecordIdConverter, "record_id")
        signals.connect()
        archive_signals.connect()
        versions.connect()
