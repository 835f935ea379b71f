"""/healthz reports the database, the index queue's lag and free disk, revealing no data;
request logs are one JSON line each, with no query string and no name."""

import datetime as dt
import json
import logging

import pytest
from django.utils import timezone

from archive import roles
from archive.models import IndexQueue
from config.json_logging import JsonFormatter
from tests.factories import make_record, make_user, sign_in

pytestmark = pytest.mark.django_db


def test_health_is_ok_with_an_idle_worker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["index_queue"] == {"length": 0, "oldest_seconds": None}
    assert body["disk_free_bytes"] > 0
    # Numbers about the machine only: nothing about records.
    assert set(body) == {"status", "problems", "database", "index_queue", "disk_free_bytes"}
    assert response["Cache-Control"].startswith("max-age=0")


def test_a_stalled_worker_shows_as_lag(client, settings):
    settings.HEALTH_MAX_INDEX_LAG_SECONDS = 60
    record = make_record("A change the worker has not applied.")
    IndexQueue.objects.update(created_at=timezone.now() - dt.timedelta(minutes=10))
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["problems"] == ["index worker lagging"]
    assert body["index_queue"]["length"] >= 1
    assert body["index_queue"]["oldest_seconds"] >= 600
    assert record.public_id not in response.content.decode()


def test_a_full_disk_is_reported(client, settings):
    settings.HEALTH_MIN_FREE_BYTES = 10**18
    body = client.get("/healthz").json()
    assert "disk nearly full" in body["problems"]


def test_each_request_is_one_json_line_without_its_query(client, caplog):
    user = make_user("law", roles.LAWYER)
    sign_in(client, user)
    with caplog.at_level(logging.INFO, logger="archive.requests"):
        client.get("/search/", {"q": "quokkasecretword camp:dabancheng"})
    [record] = [r for r in caplog.records if r.name == "archive.requests"]
    line = JsonFormatter().format(record)
    assert "\n" not in line
    data = json.loads(line)
    assert data["path"] == "/search/" and data["method"] == "GET" and data["status"] == 200
    assert data["role"] == "lawyer" and len(data["client"]) == 32
    assert "quokkasecretword" not in line and "dabancheng" not in line
    assert "username" not in data and "user" not in data
    assert user.username not in json.dumps({k: v for k, v in data.items() if k != "role"})


def test_the_shipped_units_start_what_exists():
    from pathlib import Path

    from django.core.management import get_commands

    root = Path(__file__).resolve().parents[2]
    web = (root / "docs/deploy/testimony-archive-web.service").read_text()
    worker = (root / "docs/deploy/testimony-archive-worker.service").read_text()
    assert "gunicorn --config config/gunicorn.py config.wsgi" in web
    assert (root / "config/gunicorn.py").exists() and (root / "config/wsgi.py").exists()
    assert "manage.py index_worker" in worker and "index_worker" in get_commands()
    for unit in (web, worker):
        assert "EnvironmentFile=/srv/testimony-archive/env" in unit and "UMask=0077" in unit
