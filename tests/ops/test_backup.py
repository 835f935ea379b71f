"""Backups restore into a second, empty deployment whole and identical; damaged or tampered
archives and occupied targets are refused with nothing changed.

The restore and the target's digest run in child processes (manage.py) with their own data
directory and database, since one pytest process cannot hold two Django databases apart.
"""

import hashlib
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import uuid
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from archive.models import AuditEntry, Record
from archive.search import engine
from archive.services import audit, collections
from archive.services.attachments import attachment_add
from archive.services.digest import archive_digest
from archive.services.records import PassageInput, record_set_passages
from tests.factories import make_published_testimony, make_record
from tests.intake.test_images import photo

ROOT = Path(__file__).resolve().parents[2]
COUNT_RECORDS = (
    "from django.core.management import call_command; from archive.models import Record; "
    "call_command('migrate', verbosity=0); print(Record.objects.count())"
)
ABSOLUTE_ESCAPE = str(Path(tempfile.gettempdir()) / f"backup-escape-{uuid.uuid4().hex}.txt")
# Past the application's own guard, straight to the database's append-only triggers.
DELETE_AUDIT_SQL = (
    "from django.db import connection; "
    "connection.cursor().execute('DELETE FROM archive_auditentry')"
)


# -- a second deployment ------------------------------------------------------------------------


def _server_url(name: str) -> str:
    s = connection.settings_dict
    host, port = s["HOST"] or "localhost", s["PORT"] or 5432
    return f"postgres://{s['USER']}:{s['PASSWORD'] or ''}@{host}:{port}/{name}"


def _pg_admin(statement: str) -> None:
    import psycopg

    with psycopg.connect(_server_url("postgres"), autocommit=True) as conn:
        conn.execute(statement)


@pytest.fixture
def target(tmp_path):
    """An empty deployment: its own data directory and its own database (another SQLite file,
    or a new PostgreSQL database dropped afterwards)."""
    data = tmp_path / "target"
    data.mkdir(mode=0o700)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "ARCHIVE_DATA_DIR": str(data),
        "ARCHIVE_INDEX_DIR": str(data / "index"),
    }
    dropped = None
    if connection.vendor == "postgresql":
        dropped = f"restore_{uuid.uuid4().hex[:12]}"
        _pg_admin(f'CREATE DATABASE "{dropped}"')
        env["DATABASE_URL"] = _server_url(dropped)
    else:
        env["DATABASE_URL"] = f"sqlite:///{data / 'archive.sqlite3'}"
    yield Deployment(data, env)
    if dropped:
        _pg_admin(f'DROP DATABASE IF EXISTS "{dropped}" WITH (FORCE)')


class Deployment:
    def __init__(self, data: Path, env: dict):
        self.data, self.env = data, env

    def manage(self, *args) -> subprocess.CompletedProcess:
        return subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    def digest(self) -> dict:
        done = self.manage("archive_digest")
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def record_count(self) -> int:
        """Migrates first, as an operator would before looking."""
        done = self.manage("shell", "--no-imports", "-c", COUNT_RECORDS)
        assert done.returncode == 0, done.stderr
        return int(done.stdout)


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "source-media"
    return settings.MEDIA_ROOT


def _populate(archivist):
    """Records with passages and versions, a published collection version, an image with its
    thumbnail, audit entries, all through the services; then the index, as the worker keeps it."""
    kept = make_published_testimony(
        "We were taken to the camp at night.",
        "Surveillance cameras watched every corridor.",
        narrator="Witness 7",
        by=archivist,
    )
    record_set_passages(
        record=kept,
        passages=[
            PassageInput("We were taken to the re-education camp at night."),
            PassageInput("Surveillance cameras watched every corridor."),
            PassageInput("Nobody told us why we were detained."),
        ],
        note="the narrator corrected the first paragraph",
    )
    attachment_add(record=kept, data=photo(), by=archivist, caption="the gate", note="photo")
    make_record("A draft about camp surveillance, not yet published.", title="Draft")
    collection = collections.collection_create(title="Night transfers", by=archivist)
    collections.collection_add_item(collection=collection, record=kept, by=archivist)
    collections.collection_add_item(
        collection=collection, record=kept, passage_number=2, by=archivist, annotation="cameras"
    )
    collections.collection_publish(collection=collection, by=archivist, note="first cut")
    audit.log("record.view", actor=archivist, target=kept, detail={"why": "backup test"})
    engine.drain()
    return kept


def _backup(path: Path) -> Path:
    out = io.StringIO()
    call_command("backup", str(path), stdout=out)
    assert "manifest SHA-256" in out.getvalue()
    return path


# -- the round trip ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_an_empty_deployment_identical(
    loaded_seeds, media_root, target, tmp_path, django_user_model
):
    archivist = django_user_model.objects.create_superuser("keeper", password="x" * 20)
    kept = _populate(archivist)
    source = archive_digest()
    assert source["tables"]["attachments"]["count"] == 1 and source["media"]["count"] == 2
    assert source["tables"]["collection_versions"]["count"] == 1
    assert source["search"]["anonymous:camp"]["count"] >= 1
    assert source["search"]["archivist:camp"]["count"] > source["search"]["anonymous:camp"]["count"]

    archive = _backup(tmp_path / "backup.tar.gz")
    assert archive.stat().st_mode & 0o777 == 0o600
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp files left

    done = target.manage("restore", str(archive))
    assert done.returncode == 0, done.stderr
    assert "indexed" in done.stdout
    restored = target.digest()
    assert restored == source
    # The outbox is empty and the index matches the database.
    status = target.manage("index_status", "--check")
    assert status.returncode == 0, status.stdout + status.stderr
    assert "0" in status.stdout
    # The restored audit trail is still append-only, in the database itself.
    done = target.manage("shell", "--no-imports", "-c", DELETE_AUDIT_SQL)
    assert done.returncode != 0 and "append-only" in done.stderr
    assert target.digest()["tables"]["audit_entries"] == source["tables"]["audit_entries"]
    assert AuditEntry.objects.filter(target_id=kept.public_id).exists()


def test_a_backup_never_holds_secrets(db, media_root, tmp_path, settings):
    settings.SECRET_KEY = "secret-key-never-in-a-backup-0123456789"
    settings.PII_TERMS_KEY = "pii-key-never-in-a-backup"
    settings.AUDIT_IP_KEY = "audit-key-never-in-a-backup"
    archive = _backup(tmp_path / "backup.tar")
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        restore_settings = json.loads(tar.extractfile("settings.json").read())
        text = b"".join(tar.extractfile(n).read() for n in names if not n.startswith("database/"))
    for secret in (settings.SECRET_KEY, settings.PII_TERMS_KEY, settings.AUDIT_IP_KEY):
        assert secret.encode() not in text
    password = connection.settings_dict.get("PASSWORD")
    if password:
        assert password.encode() not in text
    assert "SECRET_KEY" in restore_settings["set_on_restore"]  # by name only
    assert restore_settings["database"]["vendor"] == connection.vendor
    assert restore_settings["search_schema_fingerprint"] == engine.schema_fingerprint()
    assert "archive" in restore_settings["latest_migrations"]
    assert set(names) >= {"manifest.json", "manifest.json.sha256", "settings.json"}


# -- refusals ---------------------------------------------------------------------------------


def _rewrite(src: Path, dst: Path, change) -> Path:
    """Copy a tar member by member; change(name, data) returns the members to write instead."""
    with tarfile.open(src) as old, tarfile.open(dst, "w") as new:
        for member in old:
            for name, data in change(member.name, old.extractfile(member).read()):
                info = tarfile.TarInfo(name)
                info.size = len(data)
                new.addfile(info, io.BytesIO(data))
    return dst


def _flip_database_byte(name, data):
    if name.startswith("database/"):
        middle = len(data) // 2
        data = data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]
    return [(name, data)]


def _drop_settings(name, data):
    return [] if name == "settings.json" else [(name, data)]


def _tamper_manifest(name, data):
    if name == "manifest.json":
        data = data.replace(b'"size": ', b'"size": 1', 1)
    return [(name, data)]


def _traversal(name, data):
    extra = [("../escaped.txt", b"out of the staging directory")] if name == "settings.json" else []
    return [(name, data), *extra]


def _absolute(name, data):
    extra = [(ABSOLUTE_ESCAPE, b"x")] if name == "settings.json" else []
    return [(name, data), *extra]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_flip_database_byte, "SHA-256 or size differs from the manifest"),
        (_drop_settings, "settings.json: missing"),
        (_tamper_manifest, "manifest.json does not match its SHA-256"),
        (_traversal, "unsafe path '../escaped.txt'"),
        (_absolute, f"unsafe path {ABSOLUTE_ESCAPE!r}"),
    ],
    ids=["flipped-byte", "member-removed", "manifest-tampered", "dot-dot", "absolute"],
)
def test_a_damaged_or_tampered_archive_is_refused_and_nothing_changes(
    db, media_root, target, tmp_path, change, message
):
    good = _backup(tmp_path / "backup.tar")
    bad = _rewrite(good, tmp_path / "bad.tar", change)
    checks = [["restore", str(bad)]]
    if change is _flip_database_byte:
        checks += [["restore", "--check", str(bad)], ["restore", "--check", str(good)]]
    for args in checks[:2]:
        done = target.manage(*args)
        assert done.returncode != 0
        assert message in done.stderr and "Nothing was changed." in done.stderr
    assert not (tmp_path / "escaped.txt").exists() and not (target.data / "escaped.txt").exists()
    assert not Path(ABSOLUTE_ESCAPE).exists()
    assert not (target.data / "media").exists()
    assert not [p for p in target.data.iterdir() if p.name.startswith(".restore-")]
    assert target.record_count() == 0
    if len(checks) > 2:  # the intact archive passes the same check
        done = target.manage(*checks[2])
        assert done.returncode == 0 and "intact" in done.stdout


def test_a_truncated_archive_is_refused(db, media_root, target, tmp_path):
    good = _backup(tmp_path / "backup.tar.gz")
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    done = target.manage("restore", str(cut))
    assert done.returncode != 0 and "not a readable backup archive" in done.stderr


def test_restore_refuses_a_deployment_that_is_not_empty(db, media_root, target, tmp_path):
    archive = _backup(tmp_path / "backup.tar")
    assert target.manage("restore", str(archive)).returncode == 0
    before = target.digest()
    done = target.manage("restore", str(archive))
    assert done.returncode != 0
    assert "The target database is not empty" in done.stderr
    assert target.digest() == before
    assert Record.objects.count() == target.record_count()


def test_restore_refuses_media_left_in_the_target(db, media_root, target, tmp_path):
    archive = _backup(tmp_path / "backup.tar")
    (target.data / "media").mkdir()
    (target.data / "media" / "stray.jpg").write_bytes(b"left behind")
    done = target.manage("restore", str(archive))
    assert done.returncode != 0 and "media directory" in done.stderr
    assert target.record_count() == 0


def test_a_backup_into_a_directory_gets_a_timestamped_name(db, media_root, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    out = io.StringIO()
    call_command("backup", str(folder), stdout=out)
    [written] = list(folder.iterdir())
    assert re.fullmatch(r"archive-backup-\d{8}T\d{6}Z\.tar\.gz", written.name)
    assert f"wrote {written}" in out.getvalue()
    assert written.stat().st_mode & 0o777 == 0o600
    with tarfile.open(written) as tar:
        assert "manifest.json" in tar.getnames()
    # A directory meant (the trailing slash) but missing is refused, not written as a file.
    with pytest.raises(CommandError, match="does not exist"):
        call_command("backup", f"{tmp_path / 'missing'}/", stdout=io.StringIO())
    assert not (tmp_path / "missing").exists()


# -- forged backups (issue 22, item 4) ---------------------------------------------------------

SQLITE_FORGERY = """
DROP TRIGGER archive_auditentry_no_update;
DROP TRIGGER archive_auditentry_no_delete;
DELETE FROM archive_auditentry;
CREATE TRIGGER publish_everything AFTER INSERT ON archive_record
BEGIN UPDATE archive_record SET state = 'published' WHERE id = NEW.id; END;
"""
POSTGRES_FORGERY = """
DROP TRIGGER archive_auditentry_no_update ON archive_auditentry;
DROP TRIGGER archive_auditentry_no_truncate ON archive_auditentry;
DELETE FROM archive_auditentry;
CREATE FUNCTION publish_everything() RETURNS trigger AS $$
BEGIN NEW.state := 'published'; RETURN NEW; END $$ LANGUAGE plpgsql;
CREATE TRIGGER publish_everything BEFORE INSERT ON archive_record
FOR EACH ROW EXECUTE FUNCTION publish_everything();
"""
# The triggers lifted, one entry in the middle deleted, the triggers put back as they were:
# the schema is exactly right, only the chain shows it.
SQLITE_DROP_ONE_ENTRY = """
DROP TRIGGER archive_auditentry_no_delete;
DELETE FROM archive_auditentry WHERE id = (SELECT min(id) + 1 FROM archive_auditentry);
CREATE TRIGGER archive_auditentry_no_delete BEFORE DELETE ON archive_auditentry
       BEGIN SELECT RAISE(ABORT, 'audit entries are append-only (DELETE refused)'); END;
"""
POSTGRES_DROP_ONE_ENTRY = """
ALTER TABLE archive_auditentry DISABLE TRIGGER USER;
DELETE FROM archive_auditentry WHERE id = (SELECT min(id) + 1 FROM archive_auditentry);
ALTER TABLE archive_auditentry ENABLE TRIGGER USER;
"""


def _tamper_database(data: bytes, sql: str, work: Path) -> bytes:
    """The backed-up database changed by `sql`, as a forger with the archive file would."""
    if connection.vendor == "sqlite":
        path = work / "forged.sqlite3"
        path.write_bytes(data)
        db = sqlite3.connect(path)
        db.executescript(sql)
        db.commit()
        db.close()
        return path.read_bytes()
    import psycopg

    scratch = f"forge_{uuid.uuid4().hex[:12]}"
    _pg_admin(f'CREATE DATABASE "{scratch}"')
    try:
        dump = work / "forged.pgdump"
        dump.write_bytes(data)
        env = {**os.environ, "PGPASSWORD": connection.settings_dict["PASSWORD"] or ""}
        url = _server_url(scratch)
        subprocess.run(  # noqa: S603
            ["pg_restore", "--no-owner", f"--dbname={url}", str(dump)],  # noqa: S607
            check=True,
            env=env,
        )
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql)
        subprocess.run(  # noqa: S603
            ["pg_dump", "--format=custom", f"--file={dump}", url],  # noqa: S607
            check=True,
            env=env,
        )
        return dump.read_bytes()
    finally:
        _pg_admin(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


def _forge(src: Path, dst: Path, sql: str, work: Path) -> Path:
    """A new database in the archive, with its manifest and manifest hash recomputed."""
    with tarfile.open(src) as old:
        members = {m.name: old.extractfile(m).read() for m in old}
    name = next(n for n in members if n.startswith("database/"))
    members[name] = _tamper_database(members[name], sql, work)
    manifest = json.loads(members["manifest.json"])
    manifest["files"][name] = {
        "sha256": hashlib.sha256(members[name]).hexdigest(),
        "size": len(members[name]),
    }
    members["manifest.json"] = json.dumps(manifest).encode()
    members["manifest.json.sha256"] = hashlib.sha256(members["manifest.json"]).hexdigest().encode()
    with tarfile.open(dst, "w") as new:
        for member, data in members.items():
            info = tarfile.TarInfo(member)
            info.size = len(data)
            new.addfile(info, io.BytesIO(data))
    return dst


@pytest.mark.django_db(transaction=True)
def test_a_forged_backup_with_its_manifest_recomputed_is_refused(
    loaded_seeds, media_root, target, tmp_path, django_user_model
):
    archivist = django_user_model.objects.create_superuser("keeper", password="x" * 20)
    _populate(archivist)
    good = _backup(tmp_path / "backup.tar")
    sql = POSTGRES_FORGERY if connection.vendor == "postgresql" else SQLITE_FORGERY
    forged = _forge(good, tmp_path / "forged.tar", sql, tmp_path)

    done = target.manage("restore", str(forged))
    assert done.returncode != 0
    assert "not what this code's migrations make" in done.stderr
    assert "publish_everything" in done.stderr
    assert "missing trigger" in done.stderr and "archive_auditentry_no_update" in done.stderr
    assert "The target was emptied again." in done.stderr
    assert target.record_count() == 0
    assert not (target.data / "media").exists()
    # The target is as good as new: the genuine backup restores into it.
    done = target.manage("restore", str(good))
    assert done.returncode == 0, done.stderr


@pytest.mark.django_db(transaction=True)
def test_a_backup_whose_audit_chain_was_cut_is_refused(
    loaded_seeds, media_root, target, tmp_path, django_user_model
):
    archivist = django_user_model.objects.create_superuser("keeper", password="x" * 20)
    _populate(archivist)
    good = _backup(tmp_path / "backup.tar")
    sql = POSTGRES_DROP_ONE_ENTRY if connection.vendor == "postgresql" else SQLITE_DROP_ONE_ENTRY
    forged = _forge(good, tmp_path / "forged.tar", sql, tmp_path)
    done = target.manage("restore", str(forged))
    assert done.returncode != 0
    assert "audit log's hash chain is broken" in done.stderr
    assert "MISMATCH" not in done.stderr and "audit chain entry" in done.stderr
    assert target.record_count() == 0


@pytest.mark.django_db(transaction=True)
def test_check_vets_the_database_inside_a_backup_without_touching_the_deployment(
    loaded_seeds, media_root, target, tmp_path, django_user_model
):
    """`restore --check` restores into a scratch database, so forged backups whose hashes
    all agree are refused before anyone restores them, and the deployment running the check
    (here one that already holds the archive) is left exactly as it was."""
    archivist = django_user_model.objects.create_superuser("keeper", password="x" * 20)
    _populate(archivist)
    good = _backup(tmp_path / "backup.tar")
    assert target.manage("restore", str(good)).returncode == 0
    before = target.digest()
    pg = connection.vendor == "postgresql"
    forgeries = {
        "schema": (POSTGRES_FORGERY if pg else SQLITE_FORGERY, "publish_everything"),
        "chain": (POSTGRES_DROP_ONE_ENTRY if pg else SQLITE_DROP_ONE_ENTRY, "audit chain entry"),
    }
    for name, (sql, named) in forgeries.items():
        forged = _forge(good, tmp_path / f"forged-{name}.tar", sql, tmp_path)
        done = target.manage("restore", "--check", str(forged))
        assert done.returncode != 0, name
        assert named in done.stderr and "Nothing was changed." in done.stderr
        assert "emptied again" not in done.stderr

    done = target.manage("restore", "--check", str(good))
    assert done.returncode == 0, done.stderr
    assert "intact" in done.stdout and "whole audit chain" in done.stdout
    assert target.digest() == before
    assert not list(target.data.glob(".restore-*"))
    if pg:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_database WHERE datname LIKE 'restore_check_%'")
            assert cursor.fetchone()[0] == 0


def test_an_archive_larger_than_its_manifest_is_refused_before_unpacking(
    db, media_root, target, tmp_path
):
    good = _backup(tmp_path / "backup.tar")
    bomb = tmp_path / "bomb.tar.gz"
    with tarfile.open(good) as old, tarfile.open(bomb, "w:gz") as new:
        for member in old:
            data = old.extractfile(member).read()
            if member.name.startswith("database/"):
                member.size = 64 * 1024 * 1024  # zeros: a few dozen KB compressed
                new.addfile(member, io.BytesIO(b"\0" * member.size))
            else:
                new.addfile(member, io.BytesIO(data))
    assert bomb.stat().st_size < 1024 * 1024
    done = target.manage("restore", str(bomb))
    assert done.returncode != 0
    assert "nothing was unpacked" in done.stderr
    assert "67,108,864 bytes, but the manifest says" in done.stderr
    assert not [p for p in target.data.iterdir() if p.name.startswith(".restore-")]
    assert target.record_count() == 0
