"""What a backup archive holds, and the database tools both directions share (docs/backup.md).

One tar file (gzip-compressed when its name ends in .gz or .tgz):

    database/archive.sqlite3   SQLite: a consistent copy made with the online backup API
    database/archive.pgdump    PostgreSQL: pg_dump --format=custom
    media/…                    MEDIA_ROOT: sanitized images and their thumbnails
    settings.json              what a restore must know; never a secret
    manifest.json              SHA-256 and size of every member above, and its own time
    manifest.json.sha256       SHA-256 of manifest.json, so a damaged manifest is caught too
"""

import hashlib
import os
import re
import shutil
import subprocess
from pathlib import PurePosixPath

from django.db import connection

FORMAT = "testimony-archive-backup/1"
MANIFEST = "manifest.json"
MANIFEST_HASH = "manifest.json.sha256"
SETTINGS = "settings.json"
SQLITE_MEMBER = "database/archive.sqlite3"
POSTGRES_MEMBER = "database/archive.pgdump"
DATABASE_MEMBERS = {"sqlite": SQLITE_MEMBER, "postgresql": POSTGRES_MEMBER}
MEDIA_PREFIX = "media/"

# Names only: a restore needs the same values (PII_TERMS_KEY and AUDIT_IP_KEY key the stored
# digests; without the same SECRET_KEY they fall back to, old digests no longer match), but
# they must never travel with the data they protect.
SECRETS_TO_SET = ["SECRET_KEY", "PII_TERMS_KEY", "AUDIT_IP_KEY", "DATABASE_URL"]
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why, for an operator."""


def tar_mode(path, writing: bool) -> str:
    compressed = str(path).endswith((".gz", ".tgz"))
    if writing:
        return "w:gz" if compressed else "w"
    return "r:*"


def sha256_file(path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def safe_member_name(name: str) -> PurePosixPath:
    """SECURITY: a member name is attacker-controlled; only plain relative paths may pass,
    so nothing is ever written outside the staging directory."""
    path = PurePosixPath(name)
    if (
        not name
        or name.startswith("/")
        or "\\" in name
        or "\x00" in name
        or path.is_absolute()
        or any(part in ("", ".", "..") for part in name.split("/"))
    ):
        raise BackupError(f"The archive holds an unsafe path {name!r}: refused.")
    return path


# -- PostgreSQL client tools --------------------------------------------------------------------


def pg_environment() -> dict:
    """libpq reads these; the password goes through the environment, never the command line
    (where every local account could read it in the process list)."""
    s = connection.settings_dict
    env = {**os.environ}
    values = {
        "PGHOST": s.get("HOST"),
        "PGPORT": str(s.get("PORT") or ""),
        "PGUSER": s.get("USER"),
        "PGPASSWORD": s.get("PASSWORD"),
        "PGDATABASE": s.get("NAME"),
        "PGSSLMODE": (s.get("OPTIONS") or {}).get("sslmode"),
    }
    env.update({key: value for key, value in values.items() if value})
    return env


def server_major() -> int:
    connection.ensure_connection()
    return connection.pg_version // 10000


def tool_major(tool: str) -> int:
    """The major version of pg_dump or pg_restore, or a BackupError saying it is missing."""
    path = shutil.which(tool)
    if path is None:
        raise BackupError(
            f"{tool} is not installed: install the PostgreSQL client tools "
            "(Debian: apt install postgresql-client) of the server's major version or newer."
        )
    out = subprocess.run(  # noqa: S603 - a fixed argument list, no shell
        [path, "--version"], capture_output=True, text=True, check=True, timeout=30
    ).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    if match is None:
        raise BackupError(f"Could not read the version of {tool} from {out!r}.")
    return int(match.group(1))


def run_pg_tool(args: list[str], what: str) -> None:
    result = subprocess.run(  # noqa: S603 - a fixed argument list, no shell
        args, env=pg_environment(), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{what} failed (exit {result.returncode}): {result.stderr.strip()}")
