"""Configuration comes from the environment; production refuses to start half-configured."""

import os
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args, env_extra, tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env |= {"ARCHIVE_DATA_DIR": str(tmp_path / "data"), **env_extra}
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_refuses_to_start_without_secret_key(tmp_path):
    result = run_manage(
        "check",
        env_extra={"DJANGO_SETTINGS_MODULE": "config.settings.production"},
        tmp_path=tmp_path,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set in the environment" in result.stderr


def test_production_passes_check_deploy(tmp_path):
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_extra={
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": "x7!Kq" * 12,
        },
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_dev_generates_a_private_secret_key_in_the_data_dir(tmp_path):
    result = run_manage(
        "check", env_extra={"DJANGO_SETTINGS_MODULE": "config.settings.dev"}, tmp_path=tmp_path
    )
    assert result.returncode == 0, result.stderr
    key_file = tmp_path / "data" / "secret_key"
    assert len(key_file.read_text().strip()) >= 50
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700
    first = key_file.read_text()
    run_manage(
        "check", env_extra={"DJANGO_SETTINGS_MODULE": "config.settings.dev"}, tmp_path=tmp_path
    )
    assert key_file.read_text() == first


def test_database_url_defaults_to_sqlite_inside_the_data_dir(tmp_path):
    code = "from django.conf import settings; print(settings.DATABASES['default']['NAME'])"
    env = {"DJANGO_SETTINGS_MODULE": "config.settings.dev", "DATABASE_URL": ""}
    result = run_manage("shell", "--no-imports", "-c", code, env_extra=env, tmp_path=tmp_path)
    assert result.stdout.strip() == str(tmp_path / "data" / "archive.sqlite3")


def test_an_existing_open_data_dir_is_closed_and_new_files_are_private(tmp_path):
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    result = run_manage(
        "migrate",
        "-v0",
        env_extra={"DJANGO_SETTINGS_MODULE": "config.settings.dev", "DATABASE_URL": ""},
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "archive.sqlite3").stat().st_mode) == 0o600


def test_production_reuses_a_database_connection_across_requests(tmp_path):
    # What a WSGI server does around each request: the signals that close old connections.
    code = (
        "from django.core.signals import request_finished, request_started\n"
        "from django.db import connection\n"
        "connection.ensure_connection(); first = connection.connection\n"
        "for _ in range(3):\n"
        "    request_started.send(None); request_finished.send(None)\n"
        "print(connection.connection is first, connection.settings_dict['CONN_MAX_AGE'])\n"
    )
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "x7!Kq" * 12,
        "DATABASE_URL": "",
    }
    result = run_manage("shell", "--no-imports", "-c", code, env_extra=env, tmp_path=tmp_path)
    assert result.stdout.split() == ["True", "60"], result.stderr
