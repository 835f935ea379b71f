"""The API is its own app only so that its token table has a home (label archive_api)."""

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "archive.api"
    label = "archive_api"
    verbose_name = "API"
    default_auto_field = "django.db.models.BigAutoField"
