"""The one place that reads the process environment for settings."""

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


class ConfigurationError(RuntimeError):
    """A required setting is missing or malformed."""


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_required(name: str) -> str:
    value = env_str(name)
    if value is None:
        raise ConfigurationError(f"{name} must be set in the environment (see .env.example).")
    return value


def env_bool(name: str, default: bool = False) -> bool:
    value = env_str(name)
    if value is None:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ConfigurationError(f"{name} must be true or false, not {value!r}.")


def env_int(name: str, default: int) -> int:
    value = env_str(name)
    try:
        return default if value is None else int(value)
    except ValueError as exc:
        raise ConfigurationError(f"{name} must be an integer, not {value!r}.") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    value = env_str(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def data_dir() -> Path:
    """ARCHIVE_DATA_DIR, default ./var: the SQLite file, the Whoosh index and the media."""
    path = Path(env_str("ARCHIVE_DATA_DIR", str(BASE_DIR / "var"))).resolve()
    # SECURITY: testimony lives here. Other local accounts get no access to the directory or to
    # anything the process creates (database, index, media), whatever umask it was started with.
    os.umask(0o077)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def database(default_sqlite: Path) -> dict:
    url = env_str("DATABASE_URL", f"sqlite:///{default_sqlite}")
    config = dj_database_url.parse(url, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets the index worker and the web process read while one of them writes.
        config.setdefault("OPTIONS", {})["init_command"] = (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        )
        config["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
        config["OPTIONS"]["timeout"] = 20
        # Connections are kept for SQLite too: opening one (a file, its WAL, the pragmas
        # above) took 8 % of a search process's time under bench/load.py.
    return config


def dev_secret_key(directory: Path) -> str:
    """Generate the development SECRET_KEY once and keep it beside the data, readable by us only."""
    path = directory / "secret_key"
    if not path.exists():
        # SECURITY: O_EXCL + 0600 so the key is never world-readable, not even briefly.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    return path.read_text().strip()
