"""The archivist admin: records with passages, filters, search, vocabulary and bulk tagging."""

import pytest
from django.urls import reverse

from archive.models import Record, Term

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:archive_record_changelist")


def listed_ids(response) -> set[str]:
    return {r.public_id for r in response.context["cl"].result_list}


def test_record_list_shows_every_seed_article(archivist_client, loaded_seeds):
    response = archivist_client.get(CHANGELIST)
    assert response.status_code == 200
    assert listed_ids(response) == set(Record.objects.values_list("public_id", flat=True))
    assert len(listed_ids(response)) == 8


def test_record_page_shows_passages_source_and_tags(archivist_client, loaded_seeds):
    record = Record.objects.get(import_key="seed-004")
    response = archivist_client.get(reverse("admin:archive_record_change", args=[record.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Fionnuala Ní Aoláin" in body
    assert "¶12" in body
    assert record.source.outlet in body or "The China Project" in body
    # Tags on the record and on each passage use the admin's autocomplete widget.
    assert 'class="admin-autocomplete"' in body
    assert 'data-model-name="record" data-field-name="tags"' in body
    assert 'data-model-name="passage" data-field-name="tags"' in body
    assert "uncertain-repair" in body  # import warnings are visible to the archivist


def test_filters_by_kind_state_and_tag(archivist_client, loaded_seeds):
    hikvision = Term.objects.get(slug="hikvision")
    tagged = {
        r.public_id
        for r in Record.objects.filter(tags=hikvision)
        | Record.objects.filter(passages__tags=hikvision)
    }
    response = archivist_client.get(CHANGELIST, {"tag_organization": "hikvision"})
    assert listed_ids(response) == tagged and 0 < len(tagged) < 8
    # The count offered beside the filter is the number of records it will show.
    assert f"Hikvision ({len(tagged)})" in response.content.decode()
    assert listed_ids(archivist_client.get(CHANGELIST, {"kind__exact": "testimony"})) == set()
    assert len(listed_ids(archivist_client.get(CHANGELIST, {"state__exact": "published"}))) == 8


def test_text_search_finds_words_inside_passages(archivist_client, loaded_seeds):
    response = archivist_client.get(CHANGELIST, {"q": "glove factory"})
    assert listed_ids(response) == {Record.objects.get(import_key="seed-003-4").public_id}


def test_bulk_tagging_adds_a_term_to_every_selected_record(archivist_client, loaded_seeds):
    records = list(Record.objects.order_by("pk")[:3])
    term = Term.objects.get(slug="hikvision")
    data = {"action": "add_tags", "_selected_action": [r.pk for r in records]}
    confirm = archivist_client.post(CHANGELIST, data)
    assert confirm.status_code == 200 and "Add tags to 3 records" in confirm.content.decode()
    done = archivist_client.post(
        CHANGELIST, {**data, "apply": "1", "terms": [term.pk]}, follow=True
    )
    assert done.status_code == 200
    assert all(term in r.tags.all() for r in records)


def test_published_records_cannot_be_deleted_from_the_admin(archivist_client, loaded_seeds):
    record = Record.objects.first()
    response = archivist_client.get(reverse("admin:archive_record_delete", args=[record.pk]))
    assert response.status_code == 403
    assert Record.objects.filter(pk=record.pk).exists()


def test_editing_a_passage_in_the_admin_rehashes_the_record(archivist_client, archivist):
    from tests.factories import make_record

    record = make_record("First paragraph.", "Second paragraph.")
    record.refresh_from_db()
    before = record.content_hash
    url = reverse("admin:archive_record_change", args=[record.pk])
    form = archivist_client.get(url).context["adminform"].form
    passages = list(record.passages.order_by("position"))
    data = {
        "title": record.title,
        "summary": "",
        "language": "en",
        "state": "draft",
        "event_start_precision": "day",
        "event_end_precision": "day",
        "passages-TOTAL_FORMS": "2",
        "passages-INITIAL_FORMS": "2",
        "passages-MIN_NUM_FORMS": "0",
        "passages-MAX_NUM_FORMS": "1000",
        "import_warnings-TOTAL_FORMS": "0",
        "import_warnings-INITIAL_FORMS": "0",
        "import_warnings-MIN_NUM_FORMS": "0",
        "import_warnings-MAX_NUM_FORMS": "0",
    }
    for i, p in enumerate(passages):
        data |= {
            f"passages-{i}-id": p.pk,
            f"passages-{i}-record": record.pk,
            f"passages-{i}-position": p.position,
            f"passages-{i}-role": "body",
            f"passages-{i}-text": p.text,
        }
    data["passages-1-text"] = "Second paragraph, corrected."
    assert form is not None
    response = archivist_client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    record.refresh_from_db()
    assert record.content_hash != before
    assert record.updated_by == archivist
    assert [p.number for p in record.passages.order_by("position")] == [1, 2]


def test_vocabulary_admin_shows_hierarchy_and_aliases(archivist_client, loaded_seeds):
    term = Term.objects.filter(broader__isnull=False, aliases__isnull=False).first()
    response = archivist_client.get(reverse("admin:archive_term_change", args=[term.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert f"{term.broader.preferred_label} › {term.preferred_label}" in body
    assert term.aliases.first().label in body
    listing = archivist_client.get(reverse("admin:archive_term_changelist"), {"q": "海康威视"})
    assert [t.slug for t in listing.context["cl"].result_list] == ["hikvision"]


def test_tag_autocomplete_answers_by_alias(archivist_client, loaded_seeds):
    response = archivist_client.get(
        reverse("admin:autocomplete"),
        {"term": "Uigur", "app_label": "archive", "model_name": "record", "field_name": "tags"},
    )
    labels = [r["text"] for r in response.json()["results"]]
    assert any(label.startswith("Uyghur") for label in labels)


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:archive_record_changelist",
        "admin:archive_record_add",
        "admin:archive_term_changelist",
        "admin:archive_term_add",
        "admin:archive_source_changelist",
        "admin:archive_source_add",
        "admin:archive_importwarning_changelist",
        "admin:index",
    ],
)
def test_admin_pages_load_for_an_archivist(archivist_client, loaded_seeds, url_name):
    assert archivist_client.get(reverse(url_name)).status_code == 200


def test_admin_pages_are_closed_to_anonymous_visitors(client, loaded_seeds):
    response = client.get(CHANGELIST)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
