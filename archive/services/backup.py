"""manage.py backup: the database, the media and what a restore must know, in one archive file.

The layout is in backup_format.py and docs/backup.md; restoring is restore.py.
"""

import datetime as dt
import hashlib
import io
import json
import os
import platform
import sqlite3
import subprocess
import tarfile
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import django
from django.conf import settings
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from archive.search import engine
from archive.services import backup_format as fmt
from archive.services.backup_format import BackupError


@dataclass
class BackupReport:
    path: Path
    size: int = 0
    files: int = 0
    media_files: int = 0
    database_bytes: int = 0
    manifest_sha256: str = ""
    seconds: float = 0.0
    vendor: str = ""
    members: dict = field(default_factory=dict)


class _HashingReader:
    """Hashes a file while tarfile copies it, so each media file is read once."""

    def __init__(self, handle):
        self.handle, self.digest, self.size = handle, hashlib.sha256(), 0

    def read(self, n=-1):
        chunk = self.handle.read(n)
        self.digest.update(chunk)
        self.size += len(chunk)
        return chunk


def _tarinfo(name: str, size: int) -> tarfile.TarInfo:
    # Owner, mode and time of the source files would only leak details of the server.
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o600, int(time.time())
    return info


def create_backup(dest) -> BackupReport:
    """Write the backup to `dest` (a file, or a directory to hold a timestamped .tar.gz)
    atomically (a temporary file beside it, then a rename), mode
    0600: it holds testimony. Works while the server runs: neither SQLite's backup API nor
    pg_dump keeps writers out."""
    started = time.perf_counter()
    meant_directory = str(dest).endswith(("/", os.sep))
    dest = Path(dest).resolve()
    if meant_directory and not dest.is_dir():
        raise BackupError(f"The directory {dest} does not exist.")
    if dest.is_dir():
        dest = dest / default_name()
        if dest.exists():
            raise BackupError(f"{dest} already exists: wait a second and try again.")
    if not dest.parent.is_dir():
        raise BackupError(f"The directory {dest.parent} does not exist.")
    report = BackupReport(path=dest, vendor=connection.vendor)
    fd, partial = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".partial")
    os.close(fd)  # mkstemp made it 0600; tarfile reopens it by name
    try:
        with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".backup-") as work:
            # The database first, media after: media files are written before the rows that
            # name them, so every file the copied database names is already there.
            dump, member = _dump_database(Path(work))
            restore_info = _restore_settings()
            with tarfile.open(partial, fmt.tar_mode(dest, writing=True)) as tar:
                files = report.members
                files[member] = _add_file(tar, member, dump)
                report.database_bytes = files[member]["size"]
                for path, name in _media_files():
                    files[name] = _add_file(tar, name, path)
                    report.media_files += 1
                files[fmt.SETTINGS] = _add_bytes(tar, fmt.SETTINGS, _json(restore_info))
                manifest = _json(
                    {
                        "format": fmt.FORMAT,
                        "created_at": dt.datetime.now(dt.UTC).isoformat(),
                        "files": files,
                    }
                )
                _add_bytes(tar, fmt.MANIFEST, manifest)
                report.manifest_sha256 = hashlib.sha256(manifest).hexdigest()
                _add_bytes(tar, fmt.MANIFEST_HASH, f"{report.manifest_sha256}\n".encode())
        with open(partial, "rb") as handle:
            os.fsync(handle.fileno())
        os.chmod(partial, 0o600)
        os.replace(partial, dest)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    report.files = len(report.members) + 2
    report.size = dest.stat().st_size
    report.seconds = time.perf_counter() - started
    return report


def default_name() -> str:
    """The file written when the destination is a directory: sorts by time, never clashes
    with the backups of other seconds."""
    return f"archive-backup-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}.tar.gz"


def _json(data: dict) -> bytes:
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False).encode()


def _add_file(tar: tarfile.TarFile, name: str, path: Path) -> dict:
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        reader = _HashingReader(handle)
        tar.addfile(_tarinfo(name, size), reader)
    return {"sha256": reader.digest.hexdigest(), "size": reader.size}


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> dict:
    tar.addfile(_tarinfo(name, len(data)), io.BytesIO(data))
    return {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def _media_files():
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return
    for directory, dirs, names in os.walk(root):
        dirs.sort()
        for name in sorted(names):
            path = Path(directory) / name
            # Only regular files: a symlink could point anywhere on the server.
            if path.is_file() and not path.is_symlink():
                yield path, fmt.MEDIA_PREFIX + path.relative_to(root).as_posix()


# -- the database -----------------------------------------------------------------------------


def _dump_database(work: Path) -> tuple[Path, str]:
    vendor = connection.vendor
    if vendor == "sqlite":
        return _dump_sqlite(work / "archive.sqlite3"), fmt.SQLITE_MEMBER
    if vendor == "postgresql":
        return _dump_postgres(work / "archive.pgdump"), fmt.POSTGRES_MEMBER
    raise BackupError(f"Backups support SQLite and PostgreSQL, not {vendor}.")


def _dump_sqlite(path: Path) -> Path:
    source = sqlite3.connect(connection.settings_dict["NAME"], timeout=20)
    copy = sqlite3.connect(path)
    try:
        # One step (pages=-1) copies a consistent snapshot under a read transaction; in WAL
        # mode that does not block writers.
        source.backup(copy)
        # A self-contained file: no -wal beside it to forget.
        copy.execute("PRAGMA journal_mode=DELETE")
        if copy.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupError("The copied SQLite database fails its integrity check.")
    finally:
        copy.close()
        source.close()
    return path


def _dump_postgres(path: Path) -> Path:
    tool, server = fmt.tool_major("pg_dump"), fmt.server_major()
    if tool < server:
        raise BackupError(
            f"pg_dump is version {tool} but the server is {server}: pg_dump cannot dump a "
            f"newer server. Install postgresql-client-{server} or newer."
        )
    # One transaction with a snapshot; it takes only ACCESS SHARE locks, so writers go on.
    fmt.run_pg_tool(
        ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={path}"],
        "pg_dump",
    )
    return path


# -- what a restore must know -------------------------------------------------------------------


def _restore_settings() -> dict:
    applied = sorted(MigrationRecorder(connection).applied_migrations())
    migrations: dict[str, list[str]] = {}
    for app, name in applied:
        migrations.setdefault(app, []).append(name)
    database = {"vendor": connection.vendor}
    if connection.vendor == "postgresql":
        database |= {"server_major": fmt.server_major(), "pg_dump_major": fmt.tool_major("pg_dump")}
    else:
        database |= {"sqlite_version": sqlite3.sqlite_version}
    return {
        "format": fmt.FORMAT,
        "app_version": _app_version(),
        "commit": _commit(),
        "django": django.get_version(),
        "python": platform.python_version(),
        "database": database,
        "migrations": migrations,
        "latest_migrations": {app: names[-1] for app, names in migrations.items()},
        "search_schema_fingerprint": engine.schema_fingerprint(),
        "set_on_restore": fmt.SECRETS_TO_SET,
    }


def _app_version() -> str | None:
    try:
        with open(Path(settings.BASE_DIR) / "pyproject.toml", "rb") as handle:
            return tomllib.load(handle)["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return None


def _commit() -> str | None:
    try:
        out = subprocess.run(  # noqa: S603 - fixed arguments
            ["git", "-C", str(settings.BASE_DIR), "rev-parse", "HEAD"],  # noqa: S607
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None
