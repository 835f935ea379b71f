"""The outbox and the single writer: nothing stale, nothing lost, crashes recovered."""

import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from archive import roles
from archive.models import IndexQueue, Passage, Record, Term
from archive.search import engine
from archive.services.records import PassageInput, record_set_passages, records_add_tags
from tests.factories import make_user
from tests.search.helpers import find, ids, indexed_record

ROOT = Path(__file__).resolve().parents[2]


def queued(record) -> int:
    return IndexQueue.objects.filter(record_id=record.pk).count()


@pytest.mark.django_db
def test_a_change_and_its_queue_row_commit_or_roll_back_together():
    record = indexed_record("First version.")
    assert queued(record) == 0
    with pytest.raises(RuntimeError), transaction.atomic():
        record_set_passages(record=record, passages=[PassageInput("Second version.")], note="e")
        assert queued(record) == 1
        raise RuntimeError("the save fails")
    assert queued(record) == 0
    record_set_passages(record=record, passages=[PassageInput("Second version.")], note="e")
    assert queued(record) == 1  # many passage writes, one row


@pytest.mark.django_db
def test_the_index_follows_edits_tags_and_deletes_once_the_queue_is_applied():
    record = indexed_record("Nothing notable here.", state="draft")
    record_set_passages(
        record=record, passages=[PassageInput("A quetzalcoatl appeared.")], note="edit"
    )
    assert find("quetzalcoatl").count == 0  # not yet applied, and a draft
    engine.drain()
    staff = make_user("clerk", roles.ARCHIVIST)
    assert ids(find("quetzalcoatl", user=staff)) == [record.public_id]
    assert find("quetzalcoatl").count == 0  # drafts stay hidden from the public
    record.state = "published"
    record.save()
    engine.drain()
    assert ids(find("quetzalcoatl")) == [record.public_id]
    records_add_tags(records=[record], terms=[Term.objects.get(slug="sharp-eyes")], note="tag")
    engine.drain()
    assert record.public_id in ids(find("technology:sharp-eyes"))
    Term.objects.get(slug="sharp-eyes").delete()
    engine.drain()
    assert find("technology:sharp-eyes").count == 0
    record.delete()
    engine.drain()
    assert find("quetzalcoatl").count == 0
    assert engine.status().in_sync


@pytest.mark.django_db
def test_clearing_a_terms_records_and_editing_a_source_are_queued():
    term = Term.objects.get(slug="hikvision")
    tagged = set(term.records.values_list("pk", flat=True))
    term.records.clear()
    assert tagged <= set(IndexQueue.objects.values_list("record_id", flat=True))
    engine.drain()
    assert find("org:hikvision").count == find("", org=["hikvision"]).count
    assert engine.status().in_sync

    record = Record.objects.get(import_key="seed-000")
    IndexQueue.objects.all().delete()
    record.source.published_basis = "Checked again."
    record.source.save()
    assert list(IndexQueue.objects.values_list("record_id", flat=True)) == [record.pk]


@pytest.mark.django_db
def test_load_seeds_left_the_index_current():
    status = engine.status()
    assert status.queued == 0 and status.in_sync
    assert status.index_documents == 8 + Passage.objects.count()


@pytest.mark.django_db
def test_index_status_finds_missing_extra_and_stale_documents_and_rebuild_repairs_them():
    record = Record.objects.get(import_key="seed-000")
    writer = engine.open_index().writer()
    writer.delete_by_term("id", f"archive.passage.{record.passages.first().pk}")
    writer.add_document(id="archive.record.999999", doc_type="record", record_id="999999")
    writer.commit()
    Record.objects.filter(pk=record.pk).update(title="Changed behind the queue's back")
    status = engine.status()
    assert status.missing == [f"archive.passage.{record.passages.first().pk}"]
    assert status.extra == ["archive.record.999999"]
    assert status.stale == [f"archive.record.{record.pk}"]
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("index_status", "--check", stdout=out)
    assert "missing: 1" in out.getvalue() and "stale: 1" in out.getvalue()

    before = engine.current_generation()
    call_command("rebuild_index", "--noinput", stdout=io.StringIO())
    after = engine.current_generation()
    assert after != before and not before.exists()
    call_command("index_status", "--check", stdout=io.StringIO())
    assert ids(find('"Changed behind"')) == [record.public_id]


@pytest.mark.django_db
def test_clear_and_update_index_commands():
    call_command("clear_index", "--noinput", stdout=io.StringIO())
    assert find("Uyghur").count == 0
    call_command("update_index", stdout=io.StringIO())
    assert find("Uyghur").count == 8 and engine.status().in_sync


# -- real processes -------------------------------------------------------------------------


def process_env(index_dir: Path) -> dict:
    """Environment for a child process that uses this test's database and index."""
    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        url = f"sqlite:///{s['NAME']}"
    else:
        host, port = s["HOST"] or "localhost", s["PORT"] or 5432
        url = f"postgres://{s['USER']}:{s['PASSWORD'] or ''}@{host}:{port}/{s['NAME']}"
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": url,
        "ARCHIVE_INDEX_DIR": str(index_dir),
    }


def run_worker(index_dir: Path, crash_point: str | None = None) -> subprocess.CompletedProcess:
    env = process_env(index_dir)
    if crash_point:
        env[engine.CRASH_POINT_ENV] = crash_point
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "index_worker", "--once"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_before_or_after_its_index_commit_loses_nothing(loaded_seeds, search_index):
    record = indexed_record("Before the crash.")
    record_set_passages(record=record, passages=[PassageInput("A pangolin was seen.")], note="edit")
    assert queued(record) == 1

    killed = run_worker(search_index, crash_point="before-index-commit")
    assert killed.returncode == 137
    assert queued(record) == 1  # the row survives
    assert find("pangolin").count == 0  # nothing half-written

    killed = run_worker(search_index, crash_point="after-index-commit")
    assert killed.returncode == 137
    assert queued(record) == 1  # indexed, but the row was not yet removed
    assert ids(find("pangolin")) == [record.public_id]

    done = run_worker(search_index)
    assert done.returncode == 0, done.stderr
    assert queued(record) == 0
    assert ids(find("pangolin")) == [record.public_id] and engine.status().in_sync


@pytest.mark.django_db(transaction=True)
def test_four_processes_editing_at_once_lose_no_update(loaded_seeds, search_index):
    records = [indexed_record(f"Record {i} starts here.", "Second paragraph.") for i in range(4)]
    ids_ = [str(r.pk) for r in records]
    env = process_env(search_index)
    worker = subprocess.Popen(  # noqa: S603 - the index worker runs throughout
        [sys.executable, "manage.py", "index_worker", "--poll", "0.05", "--gap", "0.05"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    editors = [
        subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "tests.search.concurrent_editor", str(n), "15", *ids_],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(4)
    ]
    try:
        outputs = [e.communicate(timeout=300) for e in editors]
    finally:
        worker.terminate()
        for process in editors:
            if process.poll() is None:
                process.kill()
    assert all(e.returncode == 0 for e in editors), [err for _, err in outputs]
    assert worker.wait(timeout=60) == 0, worker.stderr.read()
    engine.drain()  # whatever arrived after the worker's last poll

    assert len([line for out, _ in outputs for line in out.splitlines()]) == 60
    status = engine.status()
    assert status.in_sync and status.queued == 0, (status.missing, status.stale, status.extra)
    for record in records:
        record.refresh_from_db()
        final = record.passages.order_by("position").first().text
        token = final.split(": ")[1].rstrip(".")
        assert ids(find(token)) == [record.public_id]
        tags = set(record.tags.values_list("slug", flat=True))
        assert {v.value for v in find(token).facets["org"]} <= tags | {""}


@pytest.mark.django_db(transaction=True)
def test_the_worker_applies_a_lone_save_at_its_next_poll_and_saves_within_the_gap_together(
    loaded_seeds, search_index
):
    warm, lone, second, third = (indexed_record(f"Record {n}.") for n in range(4))
    gap = 3.0
    worker = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "index_worker", "--poll", "0.05", "--gap", str(gap)],
        cwd=ROOT,
        env=process_env(search_index),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )

    def save_and_wait(*records) -> float:
        started = time.monotonic()
        for record in records:
            passages = [PassageInput(f"An okapi, seen by archivist {record.pk}.")]
            record_set_passages(record=record, passages=passages, note="edit")
        while any(queued(r) for r in records):
            assert time.monotonic() - started < 60, "the worker did not apply the saves"
            time.sleep(0.02)
        return time.monotonic() - started

    try:
        save_and_wait(warm)  # the worker is up
        time.sleep(gap)
        generation = engine.open_index().latest_generation()
        assert save_and_wait(lone) < gap - 1  # applied at the next poll, not held
        assert engine.open_index().latest_generation() == generation + 1
        # Saved right after that commit: both wait out the gap, then share one commit.
        assert save_and_wait(second, third) > gap - 1
        assert engine.open_index().latest_generation() == generation + 2
    finally:
        worker.terminate()
    assert worker.wait(timeout=60) == 0, worker.stderr.read()
    assert find("okapi").count == 4 and engine.status().in_sync


@pytest.mark.django_db
def test_rebuild_if_empty_also_replaces_a_generation_written_by_older_code():
    out = io.StringIO()
    call_command("rebuild_index", "--if-empty", stdout=out)
    assert "not rebuilt" in out.getvalue()
    assert engine.schema_is_current()
    # An older version wrote a different schema (or none was recorded).
    (engine.current_generation() / engine.SCHEMA_FILE).write_text("0" * 64 + "\n")
    assert not engine.schema_is_current()
    before = engine.current_generation()
    out = io.StringIO()
    call_command("rebuild_index", "--if-empty", stdout=out)
    assert "older version" in out.getvalue()
    assert engine.current_generation() != before and engine.schema_is_current()
    assert find("Hikvision").count > 0


def _niceness(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


@pytest.mark.skipif(not Path("/proc/self/autogroup").exists(), reason="no autogroup scheduling")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("own_session", [True, False])
def test_the_worker_gives_way_to_searches(search_index, own_session):
    """Niceness 10, and for its CPU group too when it runs in a session of its own (as a
    systemd unit does); never for a group it shares with others (`make serve`'s)."""
    ours = Path("/proc/self/autogroup").read_text()
    worker = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "index_worker", "--poll", "0.05"],
        cwd=ROOT,
        env={**process_env(search_index), "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=own_session,
    )
    try:
        assert worker.stdout.readline().strip() == "index worker running"
        assert _niceness(worker.pid) == 10
        group = Path(f"/proc/{worker.pid}/autogroup").read_text()
        if own_session:
            assert group != ours and group.split()[-1] == "10"
        else:
            assert group == ours and Path("/proc/self/autogroup").read_text() == ours
    finally:
        worker.terminate()
        worker.wait(timeout=60)
