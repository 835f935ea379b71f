"""manage.py restore: check a backup whole, then load it into an empty deployment.

Nothing is changed until the archive has passed every check (readable, manifest hash, every
member's SHA-256 and size, safe paths, expected members, database vendor, migrations this
code knows) and the target has been found empty. Layout: backup_format.py, docs/backup.md.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
import time
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from archive.models import IndexQueue
from archive.search import engine
from archive.services import backup_format as fmt
from archive.services.backup_format import BackupError

# Rows that `migrate` itself writes into a fresh database: their presence does not make a
# deployment non-empty.
MIGRATION_SEEDED = {
    "django_migrations",
    "django_content_type",
    "auth_permission",
    "auth_group",
    "auth_group_permissions",
}


@dataclass
class Verified:
    staging: Path
    manifest: dict
    restore_settings: dict
    manifest_sha256: str

    @property
    def vendor(self) -> str:
        return self.restore_settings["database"]["vendor"]

    def media_files(self) -> list[str]:
        return [name for name in self.manifest["files"] if name.startswith(fmt.MEDIA_PREFIX)]


@dataclass
class RestoreReport:
    vendor: str = ""
    created_at: str = ""
    media_files: int = 0
    migrations_applied: list[str] = field(default_factory=list)
    indexed_records: int = 0
    seconds: float = 0.0


@contextmanager
def verified_archive(src, expect_manifest_sha256: str | None = None):
    """Unpack `src` into a private staging directory and check it whole; yields Verified.
    The staging directory sits in the data directory, so media move into place by rename,
    and is removed afterwards whatever happens."""
    src = Path(src)
    if not src.is_file():
        raise BackupError(f"{src} is not a file.")
    with tempfile.TemporaryDirectory(dir=settings.DATA_DIR, prefix=".restore-") as staging:
        staging = Path(staging)
        found = _unpack(src, staging)
        yield _check(staging, found, expect_manifest_sha256)


def _unpack(src: Path, staging: Path) -> dict[str, tuple[str, int]]:
    found: dict[str, tuple[str, int]] = {}
    try:
        with tarfile.open(src, fmt.tar_mode(src, writing=False)) as tar:
            for member in tar:
                path = fmt.safe_member_name(member.name)
                if not member.isfile():
                    # SECURITY: links and devices could reach outside the staging directory.
                    raise BackupError(f"The archive member {member.name!r} is not a plain file.")
                if member.name in found:
                    raise BackupError(f"The archive holds {member.name!r} twice.")
                target = staging / path
                target.parent.mkdir(parents=True, exist_ok=True)
                found[member.name] = _copy_out(tar.extractfile(member), target)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise BackupError(f"{src} is not a readable backup archive: {exc}.") from exc
    return found


def _copy_out(source, target: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(target, "xb") as out:
        while chunk := source.read(fmt.CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return digest.hexdigest(), size


def _check(staging: Path, found: dict, expect: str | None) -> Verified:
    for required in (fmt.MANIFEST, fmt.MANIFEST_HASH):
        if required not in found:
            raise BackupError(f"The archive has no {required}: not a complete backup.")
    recorded = (staging / fmt.MANIFEST_HASH).read_text(errors="replace").strip()
    actual = found[fmt.MANIFEST][0]
    if recorded != actual:
        raise BackupError(
            "manifest.json does not match its SHA-256 (manifest.json.sha256): the archive is "
            "damaged or was altered."
        )
    if expect and expect.lower() != actual:
        raise BackupError(
            f"The manifest's SHA-256 is {actual}, not the {expect} you expected: this is not "
            "that backup, or it was altered."
        )
    try:
        manifest = json.loads((staging / fmt.MANIFEST).read_bytes())
        files = manifest["files"]
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupError(f"manifest.json cannot be read: {exc}.") from exc
    if manifest.get("format") != fmt.FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    problems = []
    for name, entry in sorted(files.items()):
        fmt.safe_member_name(name)
        if name not in found:
            problems.append(f"{name}: missing")
        elif found[name] != (entry["sha256"], entry["size"]):
            problems.append(f"{name}: SHA-256 or size differs from the manifest")
    extra = sorted(set(found) - set(files) - {fmt.MANIFEST, fmt.MANIFEST_HASH})
    problems += [f"{name}: not in the manifest" for name in extra]
    if problems:
        raise BackupError("The archive is damaged or was altered:\n  " + "\n  ".join(problems))
    if fmt.SETTINGS not in files:
        raise BackupError("The archive has no settings.json: not a complete backup.")
    restore_settings = json.loads((staging / fmt.SETTINGS).read_bytes())
    vendor = restore_settings.get("database", {}).get("vendor")
    if fmt.DATABASE_MEMBERS.get(vendor) not in files:
        raise BackupError(f"The archive holds no database for its vendor {vendor!r}.")
    return Verified(staging, manifest, restore_settings, actual)


# -- the target ---------------------------------------------------------------------------------


def _check_target(verified: Verified) -> None:
    vendor = verified.vendor
    if vendor != connection.vendor:
        raise BackupError(
            f"This backup holds a {vendor} database but this deployment uses "
            f"{connection.vendor}. Restore it into a {vendor} database (set DATABASE_URL); "
            "moving between database systems is not supported by restore."
        )
    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    unknown = [
        f"{app}.{name}"
        for app, names in verified.restore_settings["migrations"].items()
        for name in names
        if (app, name) not in known
    ]
    if unknown:
        raise BackupError(
            "The backup was made by newer code (migrations this code does not have: "
            f"{', '.join(unknown[:5])}). Deploy that version or newer, then restore."
        )
    if vendor == "postgresql":
        dumped = verified.restore_settings["database"]["pg_dump_major"]
        tool = fmt.tool_major("pg_restore")
        if tool < dumped:
            raise BackupError(
                f"The dump was written by pg_dump {dumped}; pg_restore {tool} cannot read it. "
                f"Install postgresql-client-{dumped} or newer."
            )
    occupied = _tables_with_rows()
    if occupied:
        raise BackupError(
            "The target database is not empty (rows in "
            + ", ".join(occupied[:8])
            + (" …" if len(occupied) > 8 else "")
            + "). Restore only goes into an empty deployment: create a new database."
        )
    media = Path(settings.MEDIA_ROOT)
    if media.exists() and any(media.iterdir()):
        raise BackupError(f"The media directory {media} is not empty. Restore needs it empty.")


def _tables_with_rows() -> list[str]:
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        occupied = []
        for table in sorted(set(tables) - MIGRATION_SEEDED):
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT 1 FROM {quoted} LIMIT 1")  # noqa: S608 - introspected name
            if cursor.fetchone():
                occupied.append(table)
    return occupied


# -- loading ------------------------------------------------------------------------------------


def restore_backup(src, *, expect_manifest_sha256: str | None = None) -> RestoreReport:
    started = time.perf_counter()
    report = RestoreReport()
    with verified_archive(src, expect_manifest_sha256) as verified:
        _check_target(verified)
        report.vendor = verified.vendor
        report.created_at = verified.manifest["created_at"]
        database = verified.staging / fmt.DATABASE_MEMBERS[verified.vendor]
        if verified.vendor == "sqlite":
            _load_sqlite(database)
        else:
            _load_postgres(database)
        report.media_files = _move_media(verified.staging / "media")
    before = set(MigrationRecorder(connection).applied_migrations())
    # A backup from older code gets this code's later migrations (docs/backup.md).
    call_command("migrate", interactive=False, verbosity=0)
    after = set(MigrationRecorder(connection).applied_migrations())
    report.migrations_applied = sorted(f"{app}.{name}" for app, name in after - before)
    # The index is derived data: rebuilt from the restored database, never copied, so search
    # answers what the database holds. Rows the backup caught queued are covered by it.
    report.indexed_records = engine.rebuild().records
    IndexQueue.objects.all().delete()
    report.seconds = time.perf_counter() - started
    return report


def _load_sqlite(database: Path) -> None:
    target = Path(connection.settings_dict["NAME"])
    connections.close_all()
    # The target was found empty, so its file (if any) holds nothing to keep.
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    partial = target.with_name(f".{target.name}.restoring")
    shutil.copyfile(database, partial)
    os.chmod(partial, 0o600)
    check = sqlite3.connect(partial)
    try:
        if check.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupError("The backed-up SQLite database fails its integrity check.")
    finally:
        check.close()
    os.replace(partial, target)


def _load_postgres(dump: Path) -> None:
    # The target's tables were found empty; drop them so the dump's own definitions (and its
    # migration history) are the only ones, whatever the target was migrated to.
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        if tables:
            names = ", ".join(connection.ops.quote_name(t) for t in tables)
            cursor.execute(f"DROP TABLE IF EXISTS {names} CASCADE")
        cursor.execute("DROP FUNCTION IF EXISTS archive_auditentry_append_only() CASCADE")
    name = connection.settings_dict["NAME"]
    connections.close_all()
    # Rows go in before the dump recreates triggers, and inserting is all a restore does, so
    # the append-only audit triggers have nothing to refuse.
    fmt.run_pg_tool(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={name}",
            str(dump),
        ],
        "pg_restore",
    )


def _move_media(staged: Path) -> int:
    if not staged.is_dir():
        return 0
    count = sum(1 for p in staged.rglob("*") if p.is_file())
    media = Path(settings.MEDIA_ROOT)
    media.parent.mkdir(parents=True, exist_ok=True)
    if media.exists():
        media.rmdir()  # found empty by _check_target
    shutil.move(staged, media)
    return count
