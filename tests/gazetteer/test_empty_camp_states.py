"""Out of the box (the seeds and the ASPI gazetteer, no facility named by any seed): the seed
places meet the dataset's counties, and every empty camp view says what would fill it."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from archive.models import Record, Term
from archive.search import engine

DATASET = Path(__file__).resolve().parents[2] / "seeds" / "gazetteer" / "xjdp-camps-v1.csv"


@pytest.fixture
def out_of_the_box(loaded_seeds):
    call_command("import_gazetteer", str(DATASET), stdout=io.StringIO())
    engine.drain()


def narrower(slug: str) -> set[str]:
    return set(Term.objects.get(slug=slug).narrower.values_list("preferred_label", flat=True))


def test_the_places_the_seeds_name_hold_the_dataset_facilities(out_of_the_box):
    # Seed 000 ¶6: "a facial recognition system in the Pishan District"; the dataset calls
    # the county Guma.
    assert narrower("pishan-county") == {f"Guma Facility #{n}" for n in range(1, 7)}
    # Seed 003-4 ¶27: "an official notice displayed in Niya, in Xinjiang's Hotan Prefecture";
    # the dataset spells the county Niye.
    assert {"Niye Facility #1", "Niye Facility #2", "Niya"} <= narrower("minfeng-county")
    assert not Term.objects.filter(preferred_label="Niye County").exists()
    dw = Record.objects.get(import_key="seed-003-4")
    assert dw.passages.filter(tags__slug="niya").exists()
    # No seed names a facility, so none is tagged with one.
    assert not Record.objects.filter(tags__kind="camp").exists()


def test_empty_camp_views_say_what_would_fill_them(client, out_of_the_box):
    home = client.get("/").content.decode()
    assert "No record you may read is tagged with a facility yet." in home
    assert 'href="/camps/map/"' in home

    facility = client.get("/camps/guma-facility-1/").content.decode()
    assert "None you may see." not in facility
    assert "No record you may read is tagged with this facility yet." in facility
    assert 'Records about <a href="/terms/pishan-county/" dir="auto">Pishan County</a>' in facility

    table = client.get("/corroboration/").content.decode()
    assert "A cell appears here when an archivist tags a survivor's testimony" in table
    assert "are not counted" in table


@pytest.mark.parametrize(
    ("query", "hint"),
    [
        ("camp:pishan", "“pishan” is the place Pishan County, not a facility"),
        ("camp:pishan", "Try place:pishan-county for records about Pishan County"),
        ("camp:Guma", "“Guma” is the place Pishan County, not a facility"),
        ("camp:guma-facility-1", "No record you may read is tagged with Guma Facility #1 yet."),
        ("camp:atlantis", "“atlantis” names no facility."),
    ],
)
def test_an_empty_camp_search_gives_a_hint(client, out_of_the_box, query, hint):
    body = client.get("/search/", {"q": query}).content.decode()
    assert hint.replace("'", "&#x27;") in body
    api = client.get("/api/v1/search/", {"q": query}).json()
    assert api["count"] == 0


def test_the_place_hint_finds_the_seed_article(client, out_of_the_box):
    found = client.get("/api/v1/search/", {"q": "place:pishan-county"}).json()
    assert [r["id"] for r in found["results"]] == [
        Record.objects.get(import_key="seed-000").public_id
    ]


def test_a_camp_search_that_finds_records_gives_no_hint(client, out_of_the_box):
    body = client.get("/search/", {"q": "camp:pishan OR hikvision"}).content.decode()
    assert "not a facility" not in body
