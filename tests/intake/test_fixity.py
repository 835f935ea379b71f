"""verify_fixity recomputes every hash and catches tampering in the database and in files."""

import io
import json
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from archive import hashing, roles
from archive.models import AuditEntry, CollectionVersion, Passage, Record, RecordVersion
from archive.services import audit, collections, intake
from archive.services.attachments import attachment_add
from archive.services.records import PassageInput, record_set_passages, record_update
from tests.factories import make_record, make_user
from tests.intake.test_images import photo

pytestmark = pytest.mark.django_db
AUDIT = "archive_auditentry"


def run(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("verify_fixity", *args, stdout=out)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


def test_an_untouched_archive_passes():
    code, out = run()
    assert code == 0
    assert "all hashes match" in out
    assert (
        f"checked {Passage.objects.count()} passage(s), {Record.objects.count()} record(s)" in out
    )
    assert "5 file(s)" in out


def test_a_passage_changed_behind_the_applications_back_is_caught():
    passage = Passage.objects.select_related("record").order_by("pk").first()
    # A direct UPDATE, as an attacker with database access would do: no save(), no rehash.
    Passage.objects.filter(pk=passage.pk).update(text=passage.text + " (altered)")
    code, out = run()
    assert code == 1
    where = f"{passage.record.public_id} ¶{passage.number}"
    assert f"MISMATCH passage {where}: stored {passage.content_hash}" in out
    assert f"MISMATCH record {passage.record.public_id}:" in out
    # The record no longer reads as its newest version says it did.
    assert f"MISMATCH record state {passage.record.public_id} now" in out
    assert "3 mismatch(es)" in out


def test_a_tampered_record_hash_is_caught():
    record = Record.objects.order_by("pk").last()
    Record.objects.filter(pk=record.pk).update(content_hash="0" * 64)
    code, out = run()
    assert code == 1 and f"MISMATCH record {record.public_id}: stored {'0' * 64}" in out


def test_a_tampered_source_file_is_caught(tmp_path, seeds_dir):
    copy = tmp_path / "seeds"
    shutil.copytree(seeds_dir, copy)
    victim = sorted(copy.glob("00*.txt"))[2]
    victim.write_bytes(victim.read_bytes().replace(b"the", b"teh", 1))
    code, out = run("--seeds-dir", str(copy))
    assert code == 1
    assert f"MISMATCH file seeds/{victim.name}: stored" in out
    (copy / sorted(p.name for p in copy.glob("00*.txt"))[0]).unlink()
    code, out = run("--seeds-dir", str(copy))
    assert "computed missing" in out


# -- the attacks of issue 22 (item 3) ---------------------------------------------------------


@pytest.fixture
def boss():
    return make_user("boss", roles.ARCHIVIST)


@pytest.fixture
def published(boss):
    """A testimony drafted twice, then published (its drafts discarded), then corrected."""
    record = make_record("A draft naming a village.", kind="testimony", title="Account", by=boss)
    record_set_passages(record=record, passages=[PassageInput("A draft, the village removed.")])
    intake.publish(record=record, by=boss)
    record_set_passages(
        record=record,
        passages=[PassageInput("The account as published, corrected.")],
        by=boss,
        note="a typo",
    )
    return record


def _discard(version):
    marker = {"format": 1, "public_id": version.record.public_id, "state": version.state}
    RecordVersion.objects.filter(pk=version.pk).update(snapshot={**marker, "discarded": True})


def test_legitimately_discarded_drafts_pass(published):
    states = list(published.versions.values_list("state", flat=True))
    assert states == ["draft", "draft", "published", "published"]
    assert published.versions.get(number=1).snapshot.get("discarded")
    code, out = run()
    assert code == 0, out


@pytest.mark.parametrize("number", [3, 4], ids=["first-published", "newest"])
def test_a_published_version_replaced_by_a_discard_marker_is_caught(published, number):
    version = published.versions.get(number=number)
    _discard(version)
    # Even with its state set back to draft, as a careful forger would.
    RecordVersion.objects.filter(pk=version.pk).update(state="draft")
    code, out = run()
    assert code == 1
    assert f"MISMATCH discarded version {published.public_id} v{number}" in out


def test_a_draft_discarded_by_hand_is_caught_by_its_missing_audit_entry(boss):
    record = make_record("Still a draft.", title="Draft", by=boss)
    # Published through a path that keeps the drafts' text: none was discarded.
    record_update(record=record, state="published", by=boss, note="published")
    _discard(record.versions.get(number=1))
    code, out = run()
    assert code == 1
    assert f"MISMATCH discarded version hashes {record.public_id} v1" in out
    assert "no audit entry of its discarding" in out


def test_a_draft_of_a_never_published_record_cannot_be_discarded(boss):
    record = make_record("Still a draft.", title="Draft", by=boss)
    record_set_passages(record=record, passages=[PassageInput("Still a draft, edited.")])
    _discard(record.versions.get(number=1))
    code, out = run()
    assert code == 1
    assert f"MISMATCH discarded version {record.public_id} v1" in out


def test_a_discarded_drafts_hashes_are_checked_against_the_audit_log(published):
    RecordVersion.objects.filter(record=published, number=1).update(content_hash="f" * 64)
    code, out = run()
    assert code == 1
    assert f"MISMATCH discarded version hashes {published.public_id} v1" in out


def _rewrite_consistently(version, text: str):
    """Snapshot, content hash and version hash rewritten together: the version checks out."""
    snapshot = json.loads(json.dumps(version.snapshot))
    snapshot["passages"][0]["text"] = text
    snapshot["passages"][0]["sha256"] = hashing.sha256_text(text)
    snapshot["content_hash"] = hashing.record_hash(p["text"] for p in snapshot["passages"])
    RecordVersion.objects.filter(pk=version.pk).update(
        snapshot=snapshot,
        content_hash=snapshot["content_hash"],
        version_hash=hashing.sha256_json(snapshot),
    )


def test_a_consistently_rewritten_version_pinned_by_a_collection_is_caught(published, boss):
    collection = collections.collection_create(title="Cited", by=boss)
    collections.collection_add_item(collection=collection, record=published, by=boss)
    number = published.passages.get().number
    collections.collection_add_item(
        collection=collection, record=published, passage_number=number, by=boss
    )
    cited = collections.collection_publish(collection=collection, by=boss, note="for court")
    pinned = published.versions.get(number=4)
    record_set_passages(
        record=published, passages=[PassageInput("A later wording.")], by=boss, note="later"
    )
    assert run()[0] == 0
    _rewrite_consistently(pinned, "Words the witness never said.")
    code, out = run()
    assert code == 1
    assert f"MISMATCH collection pins collection {collection.slug} v{cited.number}" in out
    assert "version hash" in out and f"¶{number}: passage hash" in out


@pytest.mark.parametrize("number", [3, 4], ids=["earlier", "newest-and-the-record"])
def test_a_consistently_rewritten_uncited_version_is_caught(published, number):
    """No collection pins it: the hashes the audit log recorded when it was made do."""
    version = published.versions.get(number=number)
    made = (version.version_hash, version.content_hash)
    words = "Words the witness never said."
    _rewrite_consistently(version, words)
    if number == 4:
        # The record rewritten to match, so the newest version reads as the record does.
        passage = published.passages.get()
        Passage.objects.filter(pk=passage.pk).update(
            text=words, content_hash=hashing.sha256_text(words)
        )
        Record.objects.filter(pk=published.pk).update(content_hash=hashing.record_hash([words]))
    code, out = run()
    assert code == 1
    where = f"{published.public_id} v{number}"
    assert f"MISMATCH version hashes {where}: stored {'/'.join(made)}" in out
    assert "1 mismatch(es)" in out


def test_a_redacted_version_passes_with_its_new_hashes_logged(boss):
    record = make_record(
        "His sister called +86 139 1234 5678 every week.", kind="testimony", title="T", by=boss
    )
    intake.submit_for_review(record=record, by=boss)
    (finding,) = intake.open_findings(record)
    intake.replace_finding(finding=finding, by=boss)
    assert record.versions.filter(redacted_at__isnull=False).exists()
    code, out = run()
    assert code == 0, out


def test_a_consistently_rewritten_collection_manifest_is_caught(published, boss):
    collection = collections.collection_create(title="Cited", by=boss)
    collections.collection_add_item(collection=collection, record=published, by=boss)
    cited = collections.collection_publish(collection=collection, by=boss, note="for court")
    manifest = dict(cited.manifest, title="Another title")
    CollectionVersion.objects.filter(pk=cited.pk).update(
        manifest=manifest, manifest_hash=hashing.sha256_json(manifest)
    )
    code, out = run()
    assert code == 1
    assert f"MISMATCH collection manifest collection {collection.slug} v{cited.number}" in out


def test_a_changed_thumbnail_is_caught(boss, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    record = make_record("A record with a photo.", title="Photo", by=boss)
    attachment = attachment_add(record=record, data=photo(), by=boss, caption="gate")
    assert run()[0] == 0
    Path(attachment.thumbnail.path).write_bytes(b"another picture")
    code, out = run()
    assert code == 1
    assert f"MISMATCH file {record.public_id} image 1 thumbnail" in out


# -- the audit log's chain and triggers -----------------------------------------------------------


def _audit_columns() -> list[str]:
    with connection.cursor() as cursor:
        return [c.name for c in connection.introspection.get_table_description(cursor, AUDIT)]


def _forge_entry(**values):
    """An INSERT straight into the table, past the application, as an attacker would."""
    row = {
        "at": timezone.now(),
        "actor_label": "nobody",
        "action": "record.view",
        "target_type": "record",
        "target_id": "T-999999",
        "detail": "{}",
        "channel": "web",
        "path": "/",
        "ip_hash": "",
        "prev_hash": "0" * 64,
        "entry_hash": "0" * 64,
        **values,
    }
    row = {k: v for k, v in row.items() if k in _audit_columns()}
    names = ", ".join(row)
    marks = ", ".join(["%s"] * len(row))
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {AUDIT} ({names}) VALUES ({marks})", list(row.values()))  # noqa: S608


def _some_entries(boss, n=3):
    record = make_record("Audited.", title="Audited", by=boss)
    for i in range(n):
        audit.log("record.view", actor=boss, target=record, detail={"i": i})


def test_the_chain_of_an_untouched_log_passes_and_its_head_is_printed(boss):
    _some_entries(boss)
    code, out = run()
    assert code == 0, out
    head = AuditEntry.objects.order_by("-id").first().entry_hash
    assert f"audit chain head {head}" in out
    assert f"{AuditEntry.objects.count()} audit entries" in out


def test_a_forged_audit_entry_is_caught(boss):
    _some_entries(boss)
    _forge_entry()
    code, out = run()
    assert code == 1
    forged = AuditEntry.objects.order_by("-id").first()
    assert f"MISMATCH audit chain entry {forged.pk}" in out


def test_a_forged_entry_chained_to_the_last_one_is_caught_too(boss):
    _some_entries(boss)
    last = AuditEntry.objects.order_by("-id").first()
    _forge_entry(prev_hash=last.entry_hash, entry_hash=last.entry_hash)
    code, out = run()
    assert code == 1 and "MISMATCH audit entry" in out


def _drop_trigger(name: str):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TRIGGER {name} ON {AUDIT}")
        else:
            cursor.execute(f"DROP TRIGGER {name}")


def test_an_entry_deleted_past_dropped_triggers_is_caught(boss):
    _some_entries(boss, n=4)
    victim = AuditEntry.objects.order_by("-id")[1]
    _drop_trigger("archive_auditentry_no_update")
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER archive_auditentry_no_delete")
        cursor.execute(f"DELETE FROM {AUDIT} WHERE id = %s", [victim.pk])  # noqa: S608
    code, out = run()
    assert code == 1
    assert "MISMATCH audit trigger archive_auditentry: stored present and refusing, " in out
    assert "trigger archive_auditentry_no_update is missing" in out
    assert "MISMATCH audit chain entry" in out


def test_a_disabled_or_defanged_trigger_is_caught(boss):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {AUDIT} DISABLE TRIGGER archive_auditentry_no_truncate")
            cursor.execute(
                "CREATE OR REPLACE FUNCTION archive_auditentry_append_only() RETURNS trigger "
                "AS $$ BEGIN RETURN OLD; END; $$ LANGUAGE plpgsql"
            )
            expected = ["no_truncate is disabled", "no_update no longer calls a function"]
        else:
            cursor.execute("DROP TRIGGER archive_auditentry_no_update")
            cursor.execute(
                f"CREATE TRIGGER archive_auditentry_no_update BEFORE INSERT ON {AUDIT} "
                "BEGIN SELECT 1; END"
            )
            expected = ["no_update no longer refuses UPDATE"]
    code, out = run()
    assert code == 1
    for problem in expected:
        assert problem in out
