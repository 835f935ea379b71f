"""/healthz reports the database, the index worker's heartbeat and lag and free disk, revealing
no data, and its figures only to the local network or a token; request logs are one JSON line
each, with no query string and no name."""

import datetime as dt
import json
import logging

import pytest
from django.utils import timezone

from archive import roles
from archive.models import IndexQueue
from archive.search import heartbeat
from config.json_logging import JsonFormatter
from tests.factories import make_record, make_user, sign_in

pytestmark = pytest.mark.django_db


PUBLIC = {"REMOTE_ADDR": "203.0.113.9"}


def test_health_is_ok_with_an_idle_worker(client):
    heartbeat.beat()
    response = client.get("/healthz")  # the test client asks from 127.0.0.1: local
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["index_queue"] == {"length": 0, "oldest_seconds": None}
    assert body["index_worker"]["heartbeat_seconds"] <= 1
    assert body["disk_free_bytes"] > 0
    # Numbers about the machine only: nothing about records.
    assert set(body) == {
        "status",
        "problems",
        "database",
        "index_queue",
        "index_worker",
        "disk_free_bytes",
    }
    assert response["Cache-Control"].startswith("max-age=0")


def test_anyone_else_learns_ok_or_not_and_nothing_more(client, settings):
    heartbeat.beat()
    make_record("A change the worker has not applied.")
    response = client.get("/healthz", **PUBLIC)
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    # Local by its socket, but forwarded by a proxy nobody named in CLIENT_IP_HEADER.
    forwarded = client.get("/healthz", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert forwarded.json() == {"status": "ok"}
    settings.HEALTH_MIN_FREE_BYTES = 10**18
    response = client.get("/healthz", **PUBLIC)
    assert response.status_code == 503 and response.json() == {"status": "degraded"}


def test_a_token_or_a_listed_network_sees_the_figures(client, settings):
    settings.HEALTH_TOKEN = "a-long-monitoring-secret"
    wrong = client.get("/healthz", HTTP_AUTHORIZATION="Bearer not-it", **PUBLIC)
    assert set(wrong.json()) == {"status"}
    right = client.get("/healthz", HTTP_AUTHORIZATION="Bearer a-long-monitoring-secret", **PUBLIC)
    assert "index_queue" in right.json()
    settings.HEALTH_DETAIL_NETWORKS = ["203.0.113.0/24"]
    assert "index_queue" in client.get("/healthz", **PUBLIC).json()
    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"  # behind the documented proxy
    via_proxy = client.get("/healthz", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert set(via_proxy.json()) == {"status"}


def test_no_heartbeat_means_no_worker(client, settings):
    assert heartbeat.age_seconds() is None  # a fresh index directory: no worker ever ran
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["problems"] == ["index worker not running"]
    assert client.get("/healthz", **PUBLIC).json() == {"status": "degraded"}


def test_a_stalled_worker_shows_as_lag(client, settings):
    settings.HEALTH_MAX_INDEX_LAG_SECONDS = 60
    heartbeat.beat()  # alive, but not keeping up
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
