"""Shared fixtures: a real database holding the real seeds, a real Whoosh index per test."""

import io
import shutil
import uuid
from pathlib import Path

import pytest
from django.core.cache import caches
from django.core.management import call_command

from archive.models import IdentifierCounter, Record, Source, Term
from archive.search import engine

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"


def pytest_sessionstart(session):
    """Django deletes an old SQLite test database but not its -wal/-shm files; a stale WAL
    beside a new database file (left by a killed worker process) makes SQLite fail."""
    from django.conf import settings

    name = settings.DATABASES["default"].get("TEST", {}).get("NAME")
    if name and settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{name}{suffix}").unlink(missing_ok=True)


def _seeds_present() -> bool:
    return Record.objects.filter(import_key__startswith="seed-").count() == 8


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, tmp_path_factory):
    """Load and index the seeds once per session; each test gets a copy of that index and
    runs in a transaction that rolls back."""
    with django_db_blocker.unblock():
        call_command("load_seeds", stdout=io.StringIO())


@pytest.fixture(autouse=True)
def search_index(request, settings, tmp_path):
    """A private copy of the session's seed index, so tests that index cannot affect others."""
    template = Path(settings.ARCHIVE_INDEX_DIR)
    private = tmp_path / "index"
    if (template / "current").exists():
        generation = (template / "current").resolve()
        # Under a name of its own, as every real generation has: search caches are keyed by
        # generation and segment, and a copy changed by one test must not answer for another.
        name = f"{generation.name}-{uuid.uuid4().hex[:12]}"
        shutil.copytree(generation, private / name)
        (private / "current").symlink_to(name)
    settings.ARCHIVE_INDEX_DIR = private
    settings.HAYSTACK_CONNECTIONS["default"]["PATH"] = str(private / "current")
    yield private


@pytest.fixture(autouse=True)
def fresh_throttles():
    """Throttle counters live in their cache, shared by processes; each test starts with full
    budgets."""
    caches["throttle"].clear()
    yield
    caches["throttle"].clear()


@pytest.fixture
def seeds_dir() -> Path:
    return SEEDS_DIR


@pytest.fixture
def loaded_seeds(db):
    # Transactional tests (the browser ones) start from a flushed database: load the seeds
    # again and rebuild, since the copied index names records that no longer exist.
    if not _seeds_present():
        call_command("load_seeds", stdout=io.StringIO())
        engine.rebuild()


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
    from tests.factories import sign_in

    sign_in(client, archivist)
    return client


@pytest.fixture(scope="session", autouse=True)
def flush_past_the_audit_triggers():
    """Transactional tests end with a flush, which the append-only audit triggers refuse.
    Tests (only) lift the triggers around the flush and put them back at once."""
    import importlib

    from django.db import connection

    migration = importlib.import_module("archive.migrations.0004_roles_and_append_only_audit")
    ops_class = type(connection.ops)
    original = ops_class.sql_flush

    def sql_flush(self, style, tables, **kwargs):
        statements = original(self, style, tables, **kwargs)
        if "archive_auditentry" not in tables:
            return statements
        if self.connection.vendor == "postgresql":
            toggle = "ALTER TABLE archive_auditentry {} TRIGGER USER"
            return [toggle.format("DISABLE"), *statements, toggle.format("ENABLE")]
        return [*migration.SQLITE_DOWN, *statements, *migration.SQLITE_UP]

    ops_class.sql_flush = sql_flush
    yield
    ops_class.sql_flush = original
