"""manage.py restore: check a backup whole, then load it into an empty deployment.

Nothing is unpacked until every member's declared size matches the manifest (whose own hash
matches) and fits on the disk; nothing is loaded until the archive has passed every check
(readable, every member's SHA-256 and size, safe paths, expected members, database vendor,
migrations this code knows) and the target has been found empty. A loaded database is kept
only if its schema is exactly what this code's migrations make and its audit log's hash chain
is whole; otherwise the target is emptied again. `check_backup` does all of that in a scratch
deployment (a child process with its own database and data directory) and removes it, so a
backup can be vetted without touching the live one. Layout: backup_format.py, docs/backup.md.
"""

import hashlib
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import time
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, connection, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from archive import db_schema
from archive.models import IndexQueue
from archive.search import engine
from archive.services import backup_format as fmt
from archive.services import fixity
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
# manifest.json and its hash are read into memory before anything is unpacked.
MAX_MANIFEST = 64 * 1024 * 1024
# Free space left on the data directory's disk after unpacking, for the database to grow.
DISK_MARGIN = 64 * 1024 * 1024


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
    manifest_bytes, actual = _survey(src, expect_manifest_sha256)
    with tempfile.TemporaryDirectory(dir=settings.DATA_DIR, prefix=".restore-") as staging:
        staging = Path(staging)
        found = _unpack(src, staging, _declared_sizes(manifest_bytes))
        yield _check(staging, found, manifest_bytes, actual)


def _survey(src: Path, expect: str | None) -> tuple[bytes, str]:
    """Read the member headers and the manifest only, writing nothing: every member must be
    a plain file, once, under a safe name, of the size the (intact) manifest gives it, and
    all of them must fit on the disk. A forged archive whose manifest was recomputed still
    cannot unpack more than that manifest admits to."""
    sizes: dict[str, int] = {}
    kept: dict[str, bytes] = {}
    try:
        with tarfile.open(src, fmt.tar_mode(src, writing=False)) as tar:
            for member in tar:
                fmt.safe_member_name(member.name)
                if not member.isfile():
                    # SECURITY: links and devices could reach outside the staging directory.
                    raise BackupError(f"The archive member {member.name!r} is not a plain file.")
                if member.name in sizes:
                    raise BackupError(f"The archive holds {member.name!r} twice.")
                sizes[member.name] = member.size
                if member.name in (fmt.MANIFEST, fmt.MANIFEST_HASH):
                    if member.size > MAX_MANIFEST:
                        raise BackupError(f"{member.name} is {member.size:,} bytes: refused.")
                    kept[member.name] = tar.extractfile(member).read()
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise BackupError(f"{src} is not a readable backup archive: {exc}.") from exc
    for required in (fmt.MANIFEST, fmt.MANIFEST_HASH):
        if required not in kept:
            raise BackupError(f"The archive has no {required}: not a complete backup.")
    manifest_bytes = kept[fmt.MANIFEST]
    actual = hashlib.sha256(manifest_bytes).hexdigest()
    recorded = kept[fmt.MANIFEST_HASH].decode(errors="replace").strip()
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
    declared = _declared_sizes(manifest_bytes)
    problems = []
    for name, size in sorted(sizes.items()):
        if name in (fmt.MANIFEST, fmt.MANIFEST_HASH):
            continue
        if name not in declared:
            problems.append(f"{name}: not in the manifest")
        elif size != declared[name]:
            problems.append(
                f"{name}: {size:,} bytes, but the manifest says {declared[name]:,}: "
                "SHA-256 or size differs from the manifest"
            )
    if problems:
        raise BackupError(
            "The archive is damaged or was altered (nothing was unpacked):\n  "
            + "\n  ".join(problems)
        )
    total = sum(declared.values()) + len(manifest_bytes)
    free = shutil.disk_usage(settings.DATA_DIR).free
    if total + DISK_MARGIN > free:
        raise BackupError(
            f"The archive unpacks to {total:,} bytes; {settings.DATA_DIR} has {free:,} free."
        )
    return manifest_bytes, actual


def _declared_sizes(manifest_bytes: bytes) -> dict[str, int]:
    try:
        manifest = json.loads(manifest_bytes)
        sizes = {str(name): int(entry["size"]) for name, entry in manifest["files"].items()}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BackupError(f"manifest.json cannot be read: {exc}.") from exc
    if manifest.get("format") != fmt.FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    if any(size < 0 for size in sizes.values()):
        raise BackupError("manifest.json gives a negative size.")
    for name in sizes:
        fmt.safe_member_name(name)
    return sizes


def _unpack(src: Path, staging: Path, declared: dict[str, int]) -> dict[str, tuple[str, int]]:
    found: dict[str, tuple[str, int]] = {}
    try:
        with tarfile.open(src, fmt.tar_mode(src, writing=False)) as tar:
            for member in tar:
                path = fmt.safe_member_name(member.name)
                if not member.isfile() or member.name in found:
                    raise BackupError(f"The archive changed while it was read: {member.name!r}.")
                if member.name in (fmt.MANIFEST, fmt.MANIFEST_HASH):
                    continue  # read by _survey
                limit = declared.get(member.name)
                if limit is None or member.size != limit:
                    raise BackupError(f"The archive changed while it was read: {member.name!r}.")
                target = staging / path
                target.parent.mkdir(parents=True, exist_ok=True)
                found[member.name] = _copy_out(tar.extractfile(member), target, limit)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise BackupError(f"{src} is not a readable backup archive: {exc}.") from exc
    return found


def _copy_out(source, target: Path, limit: int) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(target, "xb") as out:
        while chunk := source.read(fmt.CHUNK):
            size += len(chunk)
            if size > limit:
                raise BackupError(f"{target.name} is larger than the manifest says.")
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest(), size


def _check(staging: Path, found: dict, manifest_bytes: bytes, actual: str) -> Verified:
    manifest = json.loads(manifest_bytes)
    files = manifest["files"]
    problems = []
    for name, entry in sorted(files.items()):
        fmt.safe_member_name(name)
        if name not in found:
            problems.append(f"{name}: missing")
        elif found[name] != (entry["sha256"], entry["size"]):
            problems.append(f"{name}: SHA-256 or size differs from the manifest")
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


def restore_backup(
    src, *, expect_manifest_sha256: str | None = None, index: bool = True
) -> RestoreReport:
    """`index=False` leaves the search index alone: for a scratch deployment that is only
    loaded to be checked (check_backup)."""
    started = time.perf_counter()
    report = RestoreReport()
    with verified_archive(src, expect_manifest_sha256) as verified:
        _check_target(verified)
        report.vendor = verified.vendor
        report.created_at = verified.manifest["created_at"]
        # What this code's migrations make, on this very server: the target, emptied (its
        # tables held no rows) and migrated from nothing.
        _empty_database()
        expected = _migrate_and_read()
        database = verified.staging / fmt.DATABASE_MEMBERS[verified.vendor]
        try:
            if verified.vendor == "sqlite":
                _load_sqlite(database)
            else:
                _load_postgres(database)
            before = set(MigrationRecorder(connection).applied_migrations())
            _check_restored(expected, _migrate_and_read())
        except BaseException:
            # SECURITY: a database that failed its checks is not left for anything to run on.
            _empty_database()
            call_command("migrate", interactive=False, verbosity=0)
            raise
        after = set(MigrationRecorder(connection).applied_migrations())
        report.migrations_applied = sorted(f"{app}.{name}" for app, name in after - before)
        report.media_files = _move_media(verified.staging / "media")
    if index:
        # The index is derived data: rebuilt from the restored database, never copied, so
        # search answers what the database holds. Rows the backup caught queued are covered.
        report.indexed_records = engine.rebuild().records
        IndexQueue.objects.all().delete()
    report.seconds = time.perf_counter() - started
    return report


def _migrate_and_read() -> dict:
    """Bring the target to this code's migrations (a backup from older code gets the later
    ones, docs/backup.md) and read its schema."""
    call_command("migrate", interactive=False, verbosity=0)
    return db_schema.snapshot(connection)


def _check_restored(expected: dict, restored: dict) -> None:
    extra = db_schema.differences(expected, restored)
    if extra:
        shown = extra[:20] + ([f"… and {len(extra) - 20} more"] if len(extra) > 20 else [])
        raise BackupError(
            "The backed-up database is not what this code's migrations make (tables, columns, "
            "indexes, constraints, triggers, functions or migrations added, changed or "
            "removed), so it was altered or is not from this application:\n  "
            + "\n  ".join(shown)
            + "\nThe target was emptied again."
        )
    broken = fixity.check_audit_log()
    if broken:
        raise BackupError(
            "The backed-up audit log's hash chain is broken, so entries were forged, changed "
            "or removed:\n  "
            + "\n  ".join(str(m) for m in broken[:20])
            + "\nThe target was emptied again."
        )


def _empty_database() -> None:
    """The target holds no rows (_check_target); remove its objects too."""
    if connection.vendor == "sqlite":
        target = Path(connection.settings_dict["NAME"])
        connections.close_all()
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nspname FROM pg_namespace "
            "WHERE nspname !~ '^(pg_|information_schema$)' AND nspname <> 'public'"
        )
        for (schema,) in cursor.fetchall():
            cursor.execute(f"DROP SCHEMA {connection.ops.quote_name(schema)} CASCADE")
        # Tables before sequences: an identity column's sequence goes with its table.
        statements = {"v": "VIEW", "m": "MATERIALIZED VIEW", "r": "TABLE", "p": "TABLE"}
        statements |= {"f": "FOREIGN TABLE", "S": "SEQUENCE"}
        for kinds in (("v", "m"), ("r", "p", "f"), ("S",)):
            cursor.execute(
                "SELECT c.relkind, c.relname FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind = ANY(%s) "
                # Objects an extension owns go with the extension, never on their own.
                "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid "
                "AND d.deptype = 'e')",
                [list(kinds)],
            )
            for kind, name in cursor.fetchall():
                quoted = connection.ops.quote_name(name)
                cursor.execute(f"DROP {statements[kind]} IF EXISTS public.{quoted} CASCADE")
        cursor.execute(
            "SELECT p.oid::regprocedure::text FROM pg_proc p "
            "JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = 'public' AND p.prokind IN ('f', 'p') "
            "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')"
        )
        for (signature,) in cursor.fetchall():
            cursor.execute(f"DROP ROUTINE IF EXISTS {signature} CASCADE")


def _load_sqlite(database: Path) -> None:
    target = Path(connection.settings_dict["NAME"])
    connections.close_all()
    partial = target.with_name(f".{target.name}.restoring")
    shutil.copyfile(database, partial)
    os.chmod(partial, 0o600)
    check = sqlite3.connect(partial)
    try:
        if check.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupError("The backed-up SQLite database fails its integrity check.")
    finally:
        check.close()
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    os.replace(partial, target)


def _load_postgres(dump: Path) -> None:
    # The dump's own definitions (and its migration history) are the only ones.
    _empty_database()
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


# -- checking without restoring -----------------------------------------------------------------

SCRATCH_NOTE = "The target was emptied again."


def check_backup(src, *, expect_manifest_sha256: str | None = None) -> dict:
    """Everything restore checks, the restored schema and audit chain included, done by a
    restore into a scratch deployment of this one's kind (a new SQLite file or PostgreSQL
    database, and a data directory, both removed afterwards). The restore runs in a child
    process whose only database is the scratch one: data migrations and the loader use the
    default connection, so in this process they could reach the live database. Returns what
    the archive holds; raises BackupError with the restore's own reasons."""
    with verified_archive(src, expect_manifest_sha256) as verified:
        summary = {
            "files": len(verified.manifest["files"]),
            "vendor": verified.vendor,
            "media_files": len(verified.media_files()),
            "created_at": verified.manifest["created_at"],
            "manifest_sha256": verified.manifest_sha256,
        }
        with _scratch_deployment(verified.staging / "scratch") as env:
            done = subprocess.run(  # noqa: S603 - a fixed argument list, no shell
                [
                    sys.executable,
                    str(Path(settings.BASE_DIR) / "manage.py"),
                    "restore",
                    "--into-scratch",
                    "--manifest-sha256",
                    verified.manifest_sha256,
                    str(src),
                ],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
    if done.returncode != 0:
        raise BackupError(_child_reason(done.stderr))
    return summary


@contextmanager
def _scratch_deployment(data: Path):
    """The environment of a deployment like this one with its own empty database and data
    directory, both removed on leaving."""
    data.mkdir(mode=0o700)
    env = {
        **os.environ,
        "ARCHIVE_DATA_DIR": str(data),
        "ARCHIVE_INDEX_DIR": str(data / "index"),
    }
    scratch = None
    if connection.vendor == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{data / 'scratch.sqlite3'}"
    else:
        scratch = f"restore_check_{secrets.token_hex(6)}"
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"CREATE DATABASE {connection.ops.quote_name(scratch)}")
        except DatabaseError as exc:
            raise BackupError(
                "Checking the database inside the backup needs a scratch database, and this "
                f"deployment's PostgreSQL role may not create one ({exc}). Grant it CREATEDB, "
                "or run restore --check where a role may."
            ) from exc
        # Only the PG* values: the rest of pg_environment() is this process's environment,
        # whose ARCHIVE_DATA_DIR is the live one.
        env.update({k: v for k, v in fmt.pg_environment().items() if k.startswith("PG")})
        env["PGDATABASE"] = scratch
        # libpq reads host, port, user and password from PG* (set above): none on a command
        # line or in the URL.
        env["DATABASE_URL"] = f"postgres:///{scratch}"
    try:
        yield env
    finally:
        shutil.rmtree(data, ignore_errors=True)
        if scratch:
            with connection.cursor() as cursor:
                quoted = connection.ops.quote_name(scratch)
                cursor.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")


def _child_reason(stderr: str) -> str:
    """The scratch restore's refusal, without what it says about its own (scratch) target."""
    text = stderr.strip().removeprefix("CommandError: ")
    lines = [
        line
        for line in text.splitlines()
        if line.strip() not in (SCRATCH_NOTE, "Nothing was changed.")
    ]
    return "\n".join(lines) or f"The scratch restore failed without saying why: {stderr!r}"
