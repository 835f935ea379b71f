"""Record versions: one per change, with who, when, why and hashes; notes required once
published; pages for whoever may see them; diffs for archivists; redaction; fixity."""

import hashlib
import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from archive import roles
from archive.models import Record, RecordVersion, Term
from archive.services import intake
from archive.services.attachments import attachment_add
from archive.services.records import (
    PassageInput,
    record_set_passages,
    record_set_tags,
    record_update,
)
from tests.factories import make_record, make_user, sign_in
from tests.intake.test_images import photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss():
    return make_user("boss", roles.ARCHIVIST)


@pytest.fixture
def article(boss):
    record = make_record(
        "Cameras were installed at the Kashgar checkpoint.",
        "Residents scanned their identity cards at the gate.",
        title="Checkpoints in Kashgar",
        by=boss,
        note="from the field notes of 2019",
    )
    intake.publish(record=record, by=boss)
    return record


def numbers(record):
    return list(record.versions.values_list("number", flat=True))


def test_each_change_makes_exactly_one_version_with_who_when_why_and_hashes(boss):
    record = make_record("First paragraph.", title="Draft", by=boss)
    assert numbers(record) == [1]
    record_set_passages(
        record=record, passages=[PassageInput("First paragraph, edited."), PassageInput("New.")]
    )
    record_set_tags(record=record, terms=[Term.objects.get(slug="hikvision")], by=boss)
    record_update(record=record, title="Draft, renamed", by=boss, note="clearer title")
    attachment_add(record=record, data=photo(), by=boss, caption="Gate")
    assert numbers(record) == [1, 2, 3, 4, 5]

    v5 = record.versions.get(number=5)
    record.refresh_from_db()
    assert (v5.created_by, v5.created_by_label) == (boss, "boss")
    assert v5.created_at is not None
    assert v5.content_hash == record.content_hash
    assert [a["sha256"] for a in v5.snapshot["attachments"]] == [record.attachments.get().sha256]
    # Anyone can recompute the version hash from the snapshot alone.
    canonical = json.dumps(v5.snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert hashlib.sha256(canonical.encode()).hexdigest() == v5.version_hash
    v4 = record.versions.get(number=4)
    assert (v4.note, v4.snapshot["title"]) == ("clearer title", "Draft, renamed")
    assert record.versions.get(number=2).snapshot["passages"][0]["text"] == (
        "First paragraph, edited."
    )
    assert record.versions.get(number=3).snapshot["tags"][0]["slug"] == "hikvision"


def test_a_change_that_changes_nothing_makes_no_version(article, boss):
    before = numbers(article)
    assert record_update(record=article, title=article.title, by=boss) is False
    record_set_passages(
        record=article,
        passages=[PassageInput(p.text) for p in article.passages.order_by("position")],
        note="re-saved",
    )
    assert numbers(article) == before


def test_a_published_record_changes_only_with_a_note(article, boss):
    before = numbers(article)
    with pytest.raises(ValidationError, match="note"):
        record_update(record=article, title="Silently changed", by=boss)
    article.refresh_from_db()
    assert article.title == "Checkpoints in Kashgar"
    assert numbers(article) == before
    record_update(record=article, title="Checkpoints in Kashgar, 2019", by=boss, note="year")
    assert article.versions.last().note == "year"


def test_publishing_and_withdrawing_are_versions_with_their_reasons(article, boss):
    intake.withdraw(record=article, by=boss, reason="consent withdrawn by the outlet")
    notes = list(article.versions.values_list("state", "note"))
    assert notes == [
        ("draft", "from the field notes of 2019"),
        ("published", "published"),
        ("withdrawn", "consent withdrawn by the outlet"),
    ]


def test_version_pages_show_the_text_as_it_was_to_whoever_may_see_it(client, article, boss):
    record_set_passages(
        record=article,
        passages=[PassageInput("Cameras were removed from the Kashgar checkpoint.")],
        note="correction from the outlet",
    )
    published_first = article.versions.get(state="published", number=2)
    page = client.get(published_first.get_absolute_url())
    assert page.status_code == 200
    body = page.content.decode()
    assert "Cameras were installed at the Kashgar checkpoint." in body
    assert "This is an earlier version" in body
    assert published_first.version_hash in body
    assert "boss" not in body  # who made a version is for archivists
    # The draft before publication is not part of the public record.
    assert client.get(f"/records/{article.public_id}/v/1/").status_code == 404
    assert client.get(f"/records/{article.public_id}/v/99/").status_code == 404
    record_page = client.get(article.get_absolute_url()).content.decode()
    assert "correction from the outlet" in record_page
    assert f"/records/{article.public_id}/v/1/" not in record_page


def test_a_hidden_records_versions_answer_404(client, boss):
    secret = make_record(
        "A restricted account of the gate.",
        kind="testimony",
        access_level="restricted",
        title="Restricted",
    )
    intake.publish(record=secret, by=boss)
    url = f"/records/{secret.public_id}/v/2/"
    assert client.get(url).status_code == 404
    sign_in(client, make_user("res", roles.RESEARCHER))
    assert client.get(url).status_code == 404
    sign_in(client, make_user("law", roles.LAWYER))
    assert client.get(url).status_code == 200


def test_archivists_see_a_word_level_diff_and_nobody_else_does(client, article, boss):
    record_set_passages(
        record=article,
        passages=[
            PassageInput("Cameras were removed from the Kashgar checkpoint."),
            PassageInput("Residents scanned their identity cards at the gate."),
        ],
        note="correction",
    )
    url = f"/records/{article.public_id}/v/2/diff/3/"
    assert client.get(url).status_code == 404
    sign_in(client, make_user("law", roles.LAWYER))
    assert client.get(url).status_code == 404
    sign_in(client, boss)
    body = client.get(url).content.decode()
    assert "<del>installed at</del>" in body
    assert "<ins>removed from</ins>" in body
    assert "correction" in body
    assert "¶2" not in body  # an unchanged paragraph is not listed


def test_replacing_an_identifying_detail_removes_it_from_every_earlier_version(boss):
    record = make_record(
        "His sister called +86 139 1234 5678 every week.",
        kind="testimony",
        title="Account",
        by=boss,
    )
    intake.submit_for_review(record=record, by=boss)
    (finding,) = intake.open_findings(record)
    intake.replace_finding(finding=finding, by=boss)
    stored = json.dumps(list(record.versions.values_list("snapshot", flat=True)))
    assert "139 1234 5678" not in stored
    first = record.versions.get(number=1)
    assert first.redacted_at is not None
    assert "[PHONE]" in first.snapshot["passages"][0]["text"]
    code, out = _fixity()
    assert code == 0, out


def test_a_version_is_never_edited_or_deleted_through_the_app(article):
    version = article.versions.first()
    version.note = "rewritten"
    with pytest.raises(Exception, match="never changes"):
        version.save()
    with pytest.raises(Exception, match="never deleted"):
        version.delete()


def _fixity() -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("verify_fixity", stdout=out)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


def test_fixity_catches_a_tampered_version_and_a_change_that_bypassed_the_app(article):
    latest = article.versions.last()
    snapshot = dict(latest.snapshot, title="A forged title")
    RecordVersion.objects.filter(pk=latest.pk).update(snapshot=snapshot)
    code, out = _fixity()
    assert code == 1
    assert f"MISMATCH version {article.public_id} v{latest.number}" in out

    RecordVersion.objects.filter(pk=latest.pk).update(snapshot=latest.snapshot)
    Record.objects.filter(pk=article.pk).update(title="Changed by SQL")
    code, out = _fixity()
    assert code == 1
    assert f"MISMATCH record state {article.public_id} now" in out


def test_the_admin_asks_why_a_published_record_changed(client, article, boss):
    from tests.admin.test_record_admin import change_url, form_data

    sign_in(client, boss)
    url = change_url(article)
    data = form_data(client.get(url))
    data["title"] = "Checkpoints in Kashgar (corrected)"
    page = client.post(url, data)
    assert page.status_code == 200
    assert "A published record changes only with a note." in page.content.decode()
    article.refresh_from_db()
    assert article.title == "Checkpoints in Kashgar"

    before = numbers(article)
    data["change_note"] = "title corrected after the outlet's erratum"
    data["passages-0-text"] = "Cameras were installed at the Kashgar checkpoint in 2019."
    assert client.post(url, data).status_code == 302
    # The record's fields and its passage inline, saved in one form, make one version.
    assert numbers(article) == [*before, before[-1] + 1]
    latest = article.versions.last()
    assert latest.note == "title corrected after the outlet's erratum"
    assert latest.snapshot["title"] == "Checkpoints in Kashgar (corrected)"
    assert latest.snapshot["passages"][0]["text"].endswith("in 2019.")


def test_publishing_discards_the_text_of_earlier_drafts_but_keeps_their_hashes(boss, client):
    from archive.models import Passage

    record = make_record(
        "Ablimit's sister lives in Yengisheher.", kind="testimony", title="Account", by=boss
    )
    # The archivist removes the name by hand: no finding ever recorded it.
    record_set_passages(record=record, passages=[PassageInput("[RELATIVE-1] lives abroad.")])
    draft_hashes = list(record.versions.values_list("number", "version_hash", "content_hash"))
    intake.publish(record=record, by=boss)

    stored = json.dumps(list(record.versions.values_list("snapshot", flat=True)))
    history = list(Passage.history.filter(record_id=record.pk).values_list("text", flat=True))
    assert "Ablimit" not in stored and "Yengisheher" not in stored
    assert not any("Ablimit" in text for text in history)
    assert (
        list(
            record.versions.filter(number__lte=2).values_list(
                "number", "version_hash", "content_hash"
            )
        )
        == draft_hashes
    )
    assert record.versions.get(number=3).snapshot["passages"][0]["text"] == (
        "[RELATIVE-1] lives abroad."
    )
    assert _fixity()[0] == 0
    sign_in(client, boss)
    page = client.get(f"/records/{record.public_id}/v/1/").content.decode()
    assert "Its text was discarded when the record was published" in page
    assert "text discarded at publication" in client.get(record.get_absolute_url()).content.decode()
