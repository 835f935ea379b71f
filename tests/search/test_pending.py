"""While a record's index update is queued (the worker slow, stopped or killed), search must not
find it by words or tags its current text no longer holds: not in hits, counts, facets,
suggestions or more-like-this. The index lags; what is found follows the database."""

import signal
import subprocess
import sys
import time

import pytest
from django.contrib.auth.models import AnonymousUser

from archive import roles
from archive.models import IndexQueue, Term
from archive.search import engine, heartbeat
from archive.search.query import more_like_this
from archive.services.records import (
    PassageInput,
    record_set_passages,
    record_set_tags,
    record_update,
)
from tests.factories import make_user
from tests.search.helpers import find, ids, indexed_record
from tests.search.test_indexing import ROOT, process_env

NAME = "Qurbanjanova"  # a made-up name, found in no seed record


def _published(*paragraphs, **fields):
    return indexed_record(*paragraphs, access_level="public", **fields)


def _remove_name(record):
    record_set_passages(
        record=record,
        passages=[PassageInput("The witness, whose name is withheld, saw the okapi gate.")],
        note="anonymized",
    )
    assert IndexQueue.objects.filter(record_id=record.pk).exists()  # not yet indexed


def _absent(result):
    assert result.count == 0 and result.hits == []
    assert all(value.count == 0 for values in result.facets.values() for value in values)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        NAME,
        f'"{NAME} saw"',
        f"{NAME[:8]}*",
        f"okapi AND {NAME}",
        f"{NAME} OR nothingzz",
        f'"{NAME} gate"~4',
    ],
)
def test_a_queued_record_is_not_found_by_a_word_it_no_longer_holds(query):
    record = _published(f"{NAME} saw the okapi gate at night.", f"Later {NAME} was moved.")
    assert ids(find(query)) == [record.public_id]
    _remove_name(record)
    for user in (
        AnonymousUser(),
        make_user("law", roles.LAWYER),
        make_user("boss", roles.ARCHIVIST),
    ):
        _absent(find(query, user=user))
    # Still found by what it holds now, and counted once.
    found = find("okapi gate")
    assert record.public_id in ids(found) and found.count == len(ids(found))
    engine.drain()
    _absent(find(query))


@pytest.mark.django_db
def test_a_queued_record_is_not_found_or_faceted_by_a_tag_it_no_longer_has():
    hikvision = Term.objects.get(slug="hikvision")
    record = _published("The okapi gate camera.", tags=["hikvision"])
    assert record.public_id in ids(find("okapi", org=["hikvision"]))
    assert record.public_id in ids(find("org:hikvision okapi"))
    record_set_tags(record=record, terms=[t for t in record.tags.all() if t != hikvision], note="x")
    assert record.public_id not in ids(find("okapi", org=["hikvision"]))
    assert record.public_id not in ids(find("org:hikvision okapi"))
    # Its facet value is not counted for the record either.
    faceted = find("okapi", org=["hikvision"])
    assert faceted.count == len(ids(faceted))


@pytest.mark.django_db
def test_a_queued_record_gives_no_suggestion_and_no_likeness_by_a_lost_word():
    record = _published(f"{NAME} saw the okapi gate at night.")
    assert find(f"{NAME[:-1]}x").suggestion is not None  # "did you mean" the name
    other = _published(f"{NAME} {NAME} met {NAME} at the okapi gate.")
    _remove_name(record)
    assert find(f"{NAME[:-1]}x").suggestion is not None  # the other record still has it
    _remove_name(other)
    assert find(f"{NAME[:-1]}x").suggestion is None
    assert record not in more_like_this(AnonymousUser(), other)


@pytest.mark.django_db
def test_too_many_queued_matches_are_left_out_not_read(settings, monkeypatch):
    from archive.search import query

    monkeypatch.setattr(query, "MAX_PENDING_CHECKS", 2)
    records = [_published(f"An okapi gate, number {i}.") for i in range(4)]
    for record in records:
        record_update(record=record, title=f"Renamed {record.pk}", note="retitled")
    found = find("okapi")
    assert found.count == 2 == len(ids(found))  # two checked and kept, two left out


@pytest.mark.django_db(transaction=True)
def test_with_the_worker_killed_healthz_fails_and_search_follows_the_database(
    loaded_seeds, search_index, client, settings
):
    settings.HEALTH_MAX_WORKER_SILENCE_SECONDS = 2
    record = _published(f"{NAME} saw the okapi gate at night.")
    worker = subprocess.Popen(  # noqa: S603 - a real worker, killed below
        [sys.executable, "manage.py", "index_worker", "--poll", "0.05", "--heartbeat", "0.2"],
        cwd=ROOT,
        env={**process_env(search_index), "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert worker.stdout.readline().strip() == "index worker running"
        deadline = time.monotonic() + 30
        while heartbeat.age_seconds() is None:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert client.get("/healthz").status_code == 200
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)

    _remove_name(record)
    body = client.get("/api/v1/search/", {"q": NAME}, REMOTE_ADDR="203.0.113.9").json()
    assert body["count"] == 0 and body["results"] == [] and body["suggestion"] is None
    page = client.get("/search/", {"q": NAME}, REMOTE_ADDR="203.0.113.9").content.decode()
    assert record.public_id not in page
    assert record.public_id in ids(find("okapi"))

    time.sleep(2.5)  # past the silence allowed
    response = client.get("/healthz")
    assert response.status_code == 503
    assert "index worker not running" in response.json()["problems"]
    public = client.get("/healthz", REMOTE_ADDR="203.0.113.9")
    assert public.status_code == 503 and public.json() == {"status": "degraded"}
