"""The archivist admin: records with passages, filters, search, vocabulary and bulk tagging."""

import hashlib

import pytest
from django.urls import reverse

from archive.models import Record, Term
from tests.factories import make_record

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
    assert "The China Project (section" in body  # the source, in its autocomplete box
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
        CHANGELIST,
        {**data, "apply": "1", "terms": [term.pk], "change_note": "tagged in review"},
        follow=True,
    )
    assert done.status_code == 200
    assert all(term in r.tags.all() for r in records)


def test_published_records_cannot_be_deleted_from_the_admin(archivist_client, loaded_seeds):
    record = Record.objects.first()
    url = reverse("admin:archive_record_delete", args=[record.pk])
    assert archivist_client.get(url).status_code == 403
    assert archivist_client.post(url, {"post": "yes"}).status_code == 403
    bulk = {"action": "delete_selected", "_selected_action": [record.pk], "post": "yes"}
    archivist_client.post(CHANGELIST, bulk)
    assert Record.objects.filter(pk=record.pk).exists()


def test_a_withdrawn_or_once_published_record_cannot_be_deleted_either(archivist_client):
    record = make_record("Text.", state="published")
    record.state = "draft"  # e.g. sent back for correction after publication
    record.save()
    url = reverse("admin:archive_record_delete", args=[record.pk])
    assert archivist_client.post(url, {"post": "yes"}).status_code == 403
    draft = make_record("Never published.")
    assert (
        archivist_client.post(
            reverse("admin:archive_record_delete", args=[draft.pk]), {"post": "yes"}
        ).status_code
        == 302
    )
    assert Record.objects.filter(pk=record.pk).exists()
    assert not Record.objects.filter(pk=draft.pk).exists()


def form_data(response) -> dict:
    """The data a browser would post back unchanged from an admin change or add page."""
    data = {}

    def add(form):
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            key = form[name].html_name
            if isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            else:
                data[key] = "on" if value is True else str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data


def submit(client, url: str, changes: dict):
    """Load an admin form, change some fields as a person would, and post it."""
    return client.post(url, form_data(client.get(url)) | changes)


def change_url(record) -> str:
    return reverse("admin:archive_record_change", args=[record.pk])


def expected_hash(record) -> str:
    texts = record.passages.order_by("position", "number").values_list("text", flat=True)
    return hashlib.sha256("\n\n".join(texts).encode()).hexdigest()


def test_editing_a_passage_in_the_admin_rehashes_the_record(archivist_client, archivist):
    record = make_record("First paragraph.", "Second paragraph.")
    record.refresh_from_db()
    before = record.content_hash
    data = form_data(archivist_client.get(change_url(record)))
    data["passages-1-text"] = "Second paragraph, corrected."
    response = archivist_client.post(change_url(record), data)
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.content_hash == expected_hash(record) != before
    assert record.updated_by == archivist
    assert [p.number for p in record.passages.order_by("position")] == [1, 2]


def test_adding_and_deleting_passages_in_the_admin_keeps_the_hash_true(archivist_client):
    record = make_record("First paragraph.", "Second paragraph.")
    data = form_data(archivist_client.get(change_url(record)))
    data |= {
        "passages-TOTAL_FORMS": "3",
        "passages-2-record": str(record.pk),
        "passages-2-position": "3",
        "passages-2-role": "body",
        "passages-2-text": "Third paragraph, added in the admin.",
        "passages-0-DELETE": "on",
    }
    assert archivist_client.post(change_url(record), data).status_code == 302
    record.refresh_from_db()
    assert [(p.number, p.text) for p in record.passages.order_by("position")] == [
        (2, "Second paragraph."),
        (3, "Third paragraph, added in the admin."),
    ]
    assert record.content_hash == expected_hash(record)


def test_a_passage_with_a_blank_line_is_refused_with_a_message(archivist_client):
    record = make_record("First paragraph.")
    data = form_data(archivist_client.get(change_url(record)))
    data["passages-0-text"] = "First paragraph.\r\n\r\nA second one smuggled in."
    response = archivist_client.post(change_url(record), data)
    assert response.status_code == 200
    assert "cannot contain a blank line" in response.content.decode()
    assert record.passages.get().text == "First paragraph."


def test_narrator_details_cannot_be_attached_to_an_article_excerpt(archivist_client):
    response = submit(
        archivist_client,
        reverse("admin:archive_record_add"),
        {
            "kind": "article_excerpt",
            "title": "An article",
            "language": "en",
            "state": "draft",
            "testimony-TOTAL_FORMS": "1",
            "testimony-0-narrator_pseudonym": "Narrator K-1",
            "testimony-0-relation": "survivor",
        },
    )
    assert response.status_code == 200
    assert "Narrator details belong to testimony records only" in response.content.decode()
    assert not Record.objects.filter(title="An article").exists()


def test_an_archivist_adds_a_testimony_with_narrator_details(archivist_client):
    assert (
        submit(
            archivist_client,
            reverse("admin:archive_record_add"),
            {
                "kind": "testimony",
                "title": "Account of a detention",
                "language": "ug-Arab",
                "state": "draft",
                "testimony-TOTAL_FORMS": "1",
                "testimony-0-narrator_pseudonym": "Narrator K-1",
                "testimony-0-relation": "survivor",
                "passages-TOTAL_FORMS": "1",
                "passages-0-position": "1",
                "passages-0-role": "body",
                "passages-0-text": "I was taken in March 2018.",
            },
        ).status_code
        == 302
    )
    record = Record.objects.get(title="Account of a detention")
    assert record.public_id.startswith("T-")
    assert record.testimony.narrator_pseudonym == "Narrator K-1"
    assert record.testimony.consent_scope == "archive_only"  # narrowest by default
    assert record.content_hash == expected_hash(record)


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


def test_a_new_term_with_a_clashing_alias_gets_a_message_not_an_error(archivist_client):
    response = submit(
        archivist_client,
        reverse("admin:archive_term_add"),
        {
            "kind": "organization",
            "preferred_label": "Hik Vision Digital",
            "slug": "hik-vision-digital",
            "aliases-TOTAL_FORMS": "2",
            "aliases-0-label": "海康威视",  # already an alias of Hikvision
            "aliases-1-label": "HV Digital",
        },
    )
    assert response.status_code == 200
    assert "already names Hikvision" in response.content.decode()
    assert not Term.objects.filter(slug="hik-vision-digital").exists()


def test_the_same_spelling_twice_in_one_form_is_refused(archivist_client):
    response = submit(
        archivist_client,
        reverse("admin:archive_term_add"),
        {
            "kind": "place",
            "preferred_label": "Kashgar",
            "slug": "kashgar",
            "aliases-TOTAL_FORMS": "2",
            "aliases-0-label": "Kashi",
            "aliases-1-label": "KASHI",
        },
    )
    assert response.status_code == 200
    assert "are the same spelling" in response.content.decode()
    assert not Term.objects.filter(slug="kashgar").exists()


def test_a_terms_kind_is_fixed_once_it_exists(archivist_client):
    term = Term.objects.get(slug="hikvision")
    url = reverse("admin:archive_term_change", args=[term.pk])
    data = form_data(archivist_client.get(url))
    assert "kind" not in data  # shown read-only
    data["kind"] = "technology"
    archivist_client.post(url, data)
    assert Term.objects.get(pk=term.pk).kind == "organization"


@pytest.mark.parametrize("typed", ["Uyghurs", "uyghurs", "Uighur", "Uyghur"])
def test_tag_autocomplete_offers_the_exact_label_or_alias_first(
    archivist_client, loaded_seeds, typed
):
    response = archivist_client.get(
        "/admin/autocomplete/",
        {"term": typed, "app_label": "archive", "model_name": "record", "field_name": "tags"},
    )
    labels = [r["text"] for r in response.json()["results"]]
    # Other terms match too ("Turkic peoples" names Uyghurs in its description), after it.
    assert labels[0] == "Uyghurs (ethnic group)" and len(labels) > 1
