"""Two archivists edit the same record in the admin: the later save never silently reverts
the earlier one. It is refused with what changed meanwhile, and the form comes back holding
both people's changes (docs/versions.md, "Editing at the same time")."""

import threading
import time

import pytest
from django.db import connection, transaction
from django.test import Client

from archive import roles
from archive.models import Passage, Record, Term
from archive.services import records as record_services
from archive.services import versions
from tests.admin.test_record_admin import change_url, form_data
from tests.factories import make_record, make_user, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_client(db):
    return sign_in(Client(), make_user("second", roles.ARCHIVIST))


@pytest.fixture
def record():
    return make_record(
        "The first paragraph as imported.",
        "The second paragraph as imported.",
        title="Two editors",
        summary="The summary as imported.",
    )


def texts(record) -> dict[int, str]:
    return dict(record.passages.values_list("number", "text"))


def test_the_later_save_is_refused_with_the_change_and_loses_nothing(
    archivist_client, other_client, record
):
    url = change_url(record)
    a = form_data(archivist_client.get(url))
    b = form_data(other_client.get(url))
    a["passages-0-text"] = "The first paragraph, corrected by A."
    assert archivist_client.post(url, a).status_code == 302

    b["passages-1-text"] = "The second paragraph, corrected by B."
    b["summary"] = "The summary, rewritten by B."
    response = other_client.post(url, b)
    assert response.status_code == 200
    page = response.content.decode()
    assert "saved this record since you opened it" in page
    assert "Changed since you opened it: version 1 → 2" in page
    assert "<del> as imported</del><ins>, corrected by A</ins>" in page  # ¶1, word by word
    record.refresh_from_db()
    assert texts(record)[1] == "The first paragraph, corrected by A."
    assert texts(record)[2] == "The second paragraph as imported."
    assert record.versions.count() == 2

    # The form holds A's ¶1 and B's own ¶2 and summary; saving it keeps all three.
    form = form_data(response)
    assert form["passages-0-text"] == "The first paragraph, corrected by A."
    assert form["passages-1-text"] == "The second paragraph, corrected by B."
    assert form["summary"] == "The summary, rewritten by B."
    assert other_client.post(url, form).status_code == 302
    record.refresh_from_db()
    assert texts(record) == {
        1: "The first paragraph, corrected by A.",
        2: "The second paragraph, corrected by B.",
    }
    assert record.summary == "The summary, rewritten by B."
    assert record.edit_version == record.versions.count() == 3


def test_a_field_both_changed_keeps_the_later_input_and_names_it(
    archivist_client, other_client, record
):
    url = change_url(record)
    a = form_data(archivist_client.get(url))
    b = form_data(other_client.get(url))
    a["title"] = "Title by A"
    assert archivist_client.post(url, a).status_code == 302
    b["title"] = "Title by B"
    response = other_client.post(url, b)
    page = response.content.decode()
    assert "You both changed: title" in page
    assert form_data(response)["title"] == "Title by B"
    assert "<ins>Title by A</ins>" in page
    record.refresh_from_db()
    assert record.title == "Title by A"


def test_tags_merge_as_sets(archivist_client, other_client, record):
    camp, tech = (
        Term.objects.create(kind="camp", slug="camp-x", preferred_label="Camp X"),
        Term.objects.create(kind="technology", slug="cams", preferred_label="Cameras"),
    )
    url = change_url(record)
    a = form_data(archivist_client.get(url))
    b = form_data(other_client.get(url))
    a["tags"] = [str(camp.pk)]
    assert archivist_client.post(url, a).status_code == 302
    b["tags"] = [str(tech.pk)]
    form = form_data(other_client.post(url, b))
    assert sorted(form["tags"]) == sorted([str(camp.pk), str(tech.pk)])
    assert other_client.post(url, form).status_code == 302
    assert set(record.tags.values_list("slug", flat=True)) == {"camp-x", "cams"}


def test_a_change_through_a_service_also_makes_an_open_form_stale(archivist_client, record):
    url = change_url(record)
    opened = form_data(archivist_client.get(url))
    # A redaction, a workflow step or an import writes through the services meanwhile.
    record_services.record_update(record=record, title="Renamed by a service")
    opened["summary"] = "Changed in the old form."
    response = archivist_client.post(url, opened)
    assert "saved this record since you opened it" in response.content.decode()
    assert form_data(response)["title"] == "Renamed by a service"
    record.refresh_from_db()
    assert (record.title, record.summary) == ("Renamed by a service", "The summary as imported.")


def test_a_form_without_its_version_is_not_saved_over_the_record(archivist_client, record):
    url = change_url(record)
    data = form_data(archivist_client.get(url))
    del data["opened_version"]
    data["title"] = "From a form of before this change"
    response = archivist_client.post(url, data)
    assert response.status_code == 200
    assert "can no longer be compared" in response.content.decode()
    record.refresh_from_db()
    assert record.title == "Two editors"


def test_saving_an_unchanged_open_form_twice_is_not_a_conflict(archivist_client, record):
    url = change_url(record)
    data = form_data(archivist_client.get(url))
    data["title"] = "First save"
    assert archivist_client.post(url, data).status_code == 302
    data = form_data(archivist_client.get(url))
    assert archivist_client.post(url, data).status_code == 302


def test_edit_version_follows_every_version(record):
    record.refresh_from_db()
    assert record.edit_version == record.versions.count() == 1
    with versions.recording(note="retitle"):
        record_services.record_update(record=record, title="Again")
    record.refresh_from_db()
    assert record.edit_version == 2
    Passage.objects.filter(record=record, number=1).first().delete()
    record.refresh_from_db()
    assert record.edit_version == record.versions.order_by("-number").first().number == 3


def test_the_claim_is_a_compare_and_swap(record):
    record.refresh_from_db()
    versions.record_claim_edit(record_id=record.pk, opened=record.edit_version)
    with pytest.raises(versions.StaleEdit):
        versions.record_claim_edit(record_id=record.pk, opened=record.edit_version - 1)


@pytest.mark.django_db(transaction=True)
def test_two_saves_racing_from_the_same_version_cannot_both_win():
    """The second save claims while the first has claimed but not yet committed, each in its
    own transaction and connection: a check that only read the number would let both through.
    On PostgreSQL the second UPDATE waits for the first's row lock, on SQLite for its write
    lock, and then matches nothing."""
    record = make_record("One paragraph.", title="Raced")
    record.refresh_from_db()
    opened = record.edit_version
    claimed, results = threading.Event(), {}

    def save(title, before=None, after=None):
        if before:
            before.wait(timeout=10)
        try:
            with transaction.atomic(), versions.recording(note="race"):
                versions.record_claim_edit(record_id=record.pk, opened=opened)
                if after:
                    after.set()
                    time.sleep(0.5)  # the other save claims now, before this one commits
                record_services.record_update(
                    record=Record.objects.get(pk=record.pk), title=title, note="race"
                )
            results[title] = "saved"
        except versions.StaleEdit:
            results[title] = "stale"
        finally:
            connection.close()

    threads = [
        threading.Thread(target=save, args=("first",), kwargs={"after": claimed}),
        threading.Thread(target=save, args=("second",), kwargs={"before": claimed}),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {"first": "saved", "second": "stale"}
    record.refresh_from_db()
    assert record.title == "first" and record.edit_version == opened + 1


def test_narrator_details_and_passage_tags_merge_too(archivist_client, other_client):
    from archive.models.testimony import Testimony

    record = make_record("What the narrator said.", kind="testimony", title="Narrated")
    Testimony.objects.create(
        record=record, narrator_pseudonym="Narrator Q", relation="survivor", consent_scope="legal"
    )
    camp = Term.objects.create(kind="camp", slug="camp-q", preferred_label="Camp Q")
    url = change_url(record)
    a = form_data(archivist_client.get(url))
    b = form_data(other_client.get(url))
    a["testimony-0-narrator_pseudonym"] = "Narrator Q-2"
    assert archivist_client.post(url, a).status_code == 302
    b["passages-0-tags"] = [str(camp.pk)]
    response = other_client.post(url, b)
    assert "narrator: narrator pseudonym" in response.content.decode()  # in the diff
    form = form_data(response)
    assert form["testimony-0-narrator_pseudonym"] == "Narrator Q-2"
    assert form["passages-0-tags"] == [str(camp.pk)]
    assert other_client.post(url, form).status_code == 302
    record.refresh_from_db()
    assert record.testimony.narrator_pseudonym == "Narrator Q-2"
    assert list(record.passages.get().tags.values_list("slug", flat=True)) == ["camp-q"]


@pytest.mark.django_db(transaction=True)
def test_an_admin_save_that_loses_the_race_is_shown_as_a_conflict(archivist):
    """Another save has claimed the record but not committed when this form is posted: the
    check before the save still reads the old number, so the claim is what catches it (on
    PostgreSQL; SQLite holds the whole request back until the other commits)."""
    client = sign_in(Client(), archivist)
    record = make_record("One paragraph.", title="Raced in the admin")
    url = change_url(record)
    data = form_data(client.get(url))
    claimed = threading.Event()

    def other_save():
        try:
            with transaction.atomic(), versions.recording(note="meanwhile"):
                versions.record_claim_edit(record_id=record.pk, opened=data_version)
                claimed.set()
                time.sleep(0.5)  # the admin request reads and claims now
                record_services.record_update(
                    record=Record.objects.get(pk=record.pk), title="Saved meanwhile"
                )
        finally:
            connection.close()

    data_version = int(data["opened_version"])
    thread = threading.Thread(target=other_save)
    thread.start()
    claimed.wait(timeout=10)
    data["summary"] = "Typed in the admin."
    response = client.post(url, data)
    thread.join()
    assert response.status_code == 200
    assert "saved this record since you opened it" in response.content.decode()
    assert form_data(response)["title"] == "Saved meanwhile"
    assert form_data(response)["summary"] == "Typed in the admin."
    record.refresh_from_db()
    assert (record.title, record.summary) == ("Saved meanwhile", "")
