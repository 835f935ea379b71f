"""verify_fixity recomputes every hash and catches tampering in the database and in files."""

import io
import shutil

import pytest
from django.core.management import call_command

from archive.models import Passage, Record

pytestmark = pytest.mark.django_db


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
