"""Intake: findings are stored and reviewed; publishing is blocked while any is open; the
identifying terms lose their plain text at publication; every step is audited."""

import pytest
from django.core.exceptions import ValidationError

from archive import roles
from archive.models import AuditEntry, FindingStatus, IdentifyingTerm, Passage, Record
from archive.services import intake
from tests.factories import make_record, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss():
    return make_user("boss", roles.ARCHIVIST)


@pytest.fixture
def draft(boss):
    record = make_record(
        "Abduweli Ablimit was taken from Yengisheher in 2017.",
        "His sister called +86 139 1234 5678 every week; facility #50 held him.",
        "The guards were from the county.",
        kind="testimony",
        title="Account of a detention in 2017",
        access_level="restricted",
    )
    intake.set_identifying_terms(
        record=record,
        terms=[("Abduweli Ablimit", "[NARRATOR]"), ("Yengisheher", "[VILLAGE]")],
        by=boss,
    )
    return record


def test_submitting_scans_and_stores_findings(draft, boss):
    findings = intake.submit_for_review(record=draft, by=boss)
    draft.refresh_from_db()
    assert draft.state == "in_review"
    assert sorted((f.passage_number, f.kind, f.text) for f in findings) == [
        (1, "identifying_term", "Abduweli Ablimit"),
        (1, "identifying_term", "Yengisheher"),
        (2, "phone", "+86 139 1234 5678"),
    ]


def test_publishing_is_blocked_while_a_finding_is_open(draft, boss):
    intake.submit_for_review(record=draft, by=boss)
    with pytest.raises(intake.PublishBlocked, match="3 finding"):
        intake.publish(record=draft, by=boss)
    draft.refresh_from_db()
    assert draft.state == "in_review"


def test_replace_and_dismiss_then_publish(draft, boss):
    intake.submit_for_review(record=draft, by=boss)
    by_text = {f.text: f for f in intake.open_findings(draft)}
    intake.replace_finding(finding=by_text["Abduweli Ablimit"], by=boss)
    intake.replace_finding(finding=by_text["Yengisheher"], by=boss)
    with pytest.raises(ValidationError):
        intake.dismiss_finding(finding=by_text["+86 139 1234 5678"], by=boss, reason="  ")
    intake.replace_finding(finding=by_text["+86 139 1234 5678"], by=boss, placeholder="[PHONE-1]")
    intake.publish(record=draft, by=boss)
    draft.refresh_from_db()
    assert draft.state == "published"
    texts = list(draft.passages.order_by("position").values_list("text", flat=True))
    assert texts[0] == "[NARRATOR] was taken from [VILLAGE] in 2017."
    assert texts[1].startswith("His sister called [PHONE-1] every week")
    # ¶ numbers survive the redaction; no passage and no history row holds the originals.
    assert list(draft.passages.order_by("position").values_list("number", flat=True)) == [1, 2, 3]
    for original in ("Abduweli", "Yengisheher", "139 1234"):
        assert not Passage.objects.filter(record=draft, text__contains=original).exists()
        assert not Passage.history.filter(record_id=draft.pk, text__contains=original).exists()
    # The plain text of the terms is gone; their digests stay.
    assert set(IdentifyingTerm.objects.filter(record=draft).values_list("term", flat=True)) == {""}
    # Every step is in the audit log, and the terms themselves are not.
    trail = AuditEntry.objects.filter(target_id=draft.public_id)
    assert trail.filter(action="record.publish").exists()
    assert trail.filter(detail__pii_replaced="phone").exists()
    assert "Abduweli" not in str(list(trail.values_list("detail", flat=True)))


def test_a_dismissed_finding_stays_dismissed_and_needs_a_reason(draft, boss):
    intake.submit_for_review(record=draft, by=boss)
    phone = intake.open_findings(draft).get(kind="phone")
    intake.dismiss_finding(finding=phone, by=boss, reason="The organisation's public hotline.")
    intake.scan(record=draft)
    assert not intake.open_findings(draft).filter(kind="phone").exists()
    phone.refresh_from_db()
    assert phone.status == FindingStatus.DISMISSED and phone.resolved_by == boss
    entry = AuditEntry.objects.get(detail__pii_dismissed="phone")
    assert entry.detail["reason"] == "The organisation's public hotline."


def test_after_publication_later_edits_are_checked_against_the_digests(draft, boss):
    intake.submit_for_review(record=draft, by=boss)
    for finding in intake.open_findings(draft):
        intake.replace_finding(finding=finding, by=boss)
    intake.publish(record=draft, by=boss)
    assert not IdentifyingTerm.objects.filter(record=draft).exclude(term="").exists()
    # An editor writes the narrator's name again, in another spelling.
    passage = draft.passages.get(number=3)
    Passage.objects.filter(pk=passage.pk).update(text="ABDU VELI ABLIMET saw the guards.")
    found = intake.scan(record=draft)
    assert [(f.passage_number, f.text, f.placeholder) for f in found] == [
        (3, "ABDU VELI ABLIMET", "[NARRATOR]")
    ]


def test_workflow_moves_only_along_its_steps(draft, boss):
    with pytest.raises(ValidationError, match="cannot be moved"):
        intake.withdraw(record=draft, by=boss, reason="test")
    lawyer = make_user("law", roles.LAWYER)
    with pytest.raises(Exception, match="Only archivists"):
        intake.submit_for_review(record=draft, by=lawyer)
    for finding in intake.scan(record=draft):
        intake.replace_finding(finding=finding, by=boss)
    intake.publish(record=draft, by=boss)
    with pytest.raises(ValidationError, match="Say why"):
        intake.withdraw(record=draft, by=boss, reason="")
    intake.withdraw(record=draft, by=boss, reason="Consent withdrawn by the narrator.")
    assert Record.objects.get(pk=draft.pk).state == "withdrawn"
    entry = AuditEntry.objects.get(action="record.withdraw", target_id=draft.public_id)
    assert entry.detail["note"] == "Consent withdrawn by the narrator."


def test_the_admin_review_replaces_dismisses_and_gates_publishing(draft, archivist_client):
    record_url = f"/admin/archive/record/{draft.pk}/change/"
    listing = "/admin/archive/record/"
    archivist_client.post(listing, {"action": "submit_for_review", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.state == "in_review"
    page = archivist_client.get(record_url).content.decode()
    assert "identifying details found" in page.lower() and "+86 139 1234 5678" in page
    # Publishing is refused, with the reason, while findings are open.
    response = archivist_client.post(
        listing, {"action": "publish", "_selected_action": [draft.pk]}, follow=True
    )
    assert "3 finding(s) of identifying details are open" in response.content.decode()
    draft.refresh_from_db()
    assert draft.state == "in_review"
    # Dismiss the phone with a reason (the change form), replace the rest (one action).
    phone = intake.open_findings(draft).get(kind="phone")
    empty = archivist_client.post(f"/admin/archive/piifinding/{phone.pk}/change/", {"note": " "})
    assert "Say why" in empty.content.decode()
    archivist_client.post(
        f"/admin/archive/piifinding/{phone.pk}/change/", {"note": "Public hotline number."}
    )
    rest = list(intake.open_findings(draft).values_list("pk", flat=True))
    archivist_client.post(
        "/admin/archive/piifinding/",
        {"action": "replace_with_placeholder", "_selected_action": rest},
    )
    archivist_client.post(listing, {"action": "publish", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.state == "published"
    assert draft.passages.get(number=1).text == "[NARRATOR] was taken from [VILLAGE] in 2017."


def test_replacing_a_repeated_name_resolves_every_occurrence_and_shifts_the_rest(boss):
    record = make_record(
        "Gulnar met Gulnar's cousin; call +7 701 234 56 78.", kind="testimony", title="Visit"
    )
    intake.set_identifying_terms(record=record, terms=[("Gulnar", "[RELATIVE-1]")], by=boss)
    found = intake.scan(record=record)
    assert [f.text for f in found] == ["Gulnar", "Gulnar", "+7 701 234 56 78"]
    intake.replace_finding(finding=found[0], by=boss)
    [phone] = intake.open_findings(record)
    text = record.passages.get(number=1).text
    assert text == "[RELATIVE-1] met [RELATIVE-1]'s cousin; call +7 701 234 56 78."
    assert text[phone.start : phone.end] == "+7 701 234 56 78"


def test_the_admin_withdraws_with_a_reason(archivist_client):
    record = make_record("Public text.", state="published")
    listing = "/admin/archive/record/"
    data = {"action": "withdraw", "_selected_action": [record.pk]}
    form = archivist_client.post(listing, data)
    assert form.status_code == 200 and "Withdraw these published records" in form.content.decode()
    empty = archivist_client.post(listing, {**data, "apply": "1", "reason": " "})
    assert "This field is required" in empty.content.decode()
    record.refresh_from_db()
    assert record.state == "published"
    archivist_client.post(listing, {**data, "apply": "1", "reason": "Source retracted."})
    record.refresh_from_db()
    assert record.state == "withdrawn"
    entry = AuditEntry.objects.get(action="record.withdraw", target_id=record.public_id)
    assert entry.detail["note"] == "Source retracted."
