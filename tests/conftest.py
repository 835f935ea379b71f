"""Shared fixtures: a real database holding the real seeds, and real users."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from archive.models import IdentifierCounter, Record, Source, Term

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"


def _seeds_present() -> bool:
    return Record.objects.filter(import_key__startswith="seed-").count() == 8


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the seeds once per session; each test runs in a transaction that rolls back."""
    with django_db_blocker.unblock():
        call_command("load_seeds", stdout=io.StringIO())


@pytest.fixture
def seeds_dir() -> Path:
    return SEEDS_DIR


@pytest.fixture
def loaded_seeds(db):
    # Transactional tests (the browser ones) start from a flushed database.
    if not _seeds_present():
        call_command("load_seeds", stdout=io.StringIO())


@pytest.fixture
def empty_archive(db):
    """An archive with no records, sources or terms, as on a fresh install."""
    Record.objects.all().delete()
    Source.objects.all().delete()
    Term.objects.update(broader=None)
    Term.objects.all().delete()
    IdentifierCounter.objects.all().delete()


@pytest.fixture
def archivist(django_user_model):
    return django_user_model.objects.create_superuser(
        username="archivist", password="correct horse battery staple"
    )


@pytest.fixture
def archivist_client(client, archivist):
    client.force_login(archivist)
    return client
