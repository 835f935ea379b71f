"""App configuration for the archive."""

from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "archive"
    verbose_name = "Testimony Archive"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from archive import signals as archive_signals
        from archive.search import signals
        from archive.services import versions

        signals.connect()
        archive_signals.connect()
        versions.connect()
