"""The home page, term pages, the corroboration table and the about page: what they show,
counted over what the visitor may see only."""

import datetime as dt
import re

import pytest

from archive import roles
from archive.models import Camp, Term
from archive.services.records import PassageInput
from tests.factories import make_published_testimony, make_user, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss():
    return make_user("boss", roles.ARCHIVIST)


@pytest.fixture
def camp():
    term = Term.objects.create(kind="camp", slug="test-facility-9", preferred_label="Facility Nine")
    term.aliases.create(label="Yengi Facility", language="en")
    Camp.objects.create(term=term, prefecture="Kashgar", county="Peyziwat", security_tier=3)
    return term


@pytest.fixture
def practice():
    return Term.objects.create(
        kind="practice", slug="test-sleep-deprivation", preferred_label="Sleep deprivation test"
    )


def publish(boss, text, narrator, *, level="public", tags=(), passage_tags=(), year=2018):
    return make_published_testimony(
        PassageInput(text, tags=tuple(passage_tags)),
        narrator=narrator,
        by=boss,
        level=level,
        tags=tags,
        event_start=dt.date(year, 1, 1),
        event_start_precision="year",
    )


def test_term_pages_count_records_passages_years_and_distinct_narrators(
    client, boss, camp, practice
):
    publish(boss, "Held at the facility.", "Narrator A-1", tags=[camp], year=2017)
    publish(boss, "Held there too.", "Narrator A-1", passage_tags=[camp], year=2018)
    publish(boss, "I was there in 2018.", "Narrator B-2", tags=[camp], year=2018)
    secret = publish(boss, "A restricted account.", "Narrator C-3", tags=[camp], level="restricted")
    body = client.get(f"/terms/{camp.slug}/").content.decode()
    assert "Facility Nine" in body and "Yengi Facility" in body
    assert "Tier 3: detention centre" in body and "Peyziwat, Kashgar" in body
    # Three public records (one tagged on its passage), two narrators; the restricted one
    # is absent from every number.
    assert "3 records · 1 passage · 2 independent testimonies" in body
    assert '<th scope="row">2017</th><td>1</td>' in body
    assert '<th scope="row">2018</th><td>2</td>' in body
    assert secret.public_id not in body and "Narrator C-3" not in body
    sign_in(client, make_user("law", roles.LAWYER))
    body = client.get(f"/terms/{camp.slug}/").content.decode()
    assert "4 records · 1 passage · 3 independent testimonies" in body
    assert secret.public_id in body
    assert client.get("/terms/no-such-term/").status_code == 404


def test_corroboration_counts_distinct_narrators_per_practice_and_camp(
    client, boss, camp, practice
):
    publish(boss, "Kept awake at the facility.", "Narrator A-1", tags=[camp, practice])
    publish(boss, "Again kept awake.", "Narrator A-1", tags=[camp], passage_tags=[practice])
    publish(boss, "They kept us awake.", "Narrator B-2", tags=[camp, practice])
    publish(boss, "Restricted.", "Narrator C-3", tags=[camp, practice], level="restricted")
    link = f"/search/?kind=testimony&amp;practice={practice.slug}&amp;camp={camp.slug}"
    body = client.get("/corroboration/").content.decode()
    assert (
        f'<a href="{link}" aria-label="2 narrators: Sleep deprivation test at Facility Nine">2</a>'
        in body
    )
    sign_in(client, make_user("law", roles.LAWYER))
    body = client.get("/corroboration/").content.decode()
    assert 'aria-label="3 narrators: Sleep deprivation test at Facility Nine">3</a>' in body


def test_the_home_page_counts_what_the_visitor_may_see(client, boss, camp):
    publish(boss, "Public account.", "Narrator A-1", tags=[camp])
    publish(boss, "Restricted account.", "Narrator B-2", tags=[camp], level="restricted")
    body = client.get("/").content.decode()
    assert 'role="search"' in body
    assert "1 testimony" in body
    assert (
        f'<a href="/terms/{camp.slug}/" dir="auto">Facility Nine</a> <span class="count">1</span>'
        in body
    )
    sign_in(client, make_user("law", roles.LAWYER))
    body = client.get("/").content.decode()
    assert "2 testimonies" in body
    assert (
        f'<a href="/terms/{camp.slug}/" dir="auto">Facility Nine</a> <span class="count">2</span>'
        in body
    )


def test_record_tags_link_to_their_term_pages_and_about_explains_the_method(client, boss, camp):
    record = publish(boss, "Public account.", "Narrator A-1", tags=[camp])
    body = client.get(record.get_absolute_url()).content.decode()
    assert f'href="/terms/{camp.slug}/"' in body
    about = client.get("/about/").content.decode()
    assert "independent testimonies" in about and "SHA-256" in about


def test_the_record_page_lists_each_passages_tags(client, boss, camp, practice):
    record = publish(boss, "Kept awake at the facility.", "Narrator A-1", passage_tags=[practice])
    body = client.get(record.get_absolute_url()).content.decode()
    assert 'aria-label="Tags of ¶1"' in body
    assert f'<a href="/terms/{practice.slug}/" dir="auto">Sleep deprivation test</a>' in body


def test_the_home_page_names_each_kind_in_its_english_plural(client):
    body = client.get("/").content.decode()
    assert all(f">{h}</h3>" in body for h in ("Camps", "Practices", "Technologies"))
    assert "Technologys" not in body


def test_no_template_makes_a_plural_by_appending_s_to_a_variable():
    from pathlib import Path

    from archive.models import RecordKind, TermKind
    from archive.models.records import RECORD_KIND_PLURAL
    from archive.models.vocabulary import TERM_KIND_PLURAL

    assert set(TERM_KIND_PLURAL) == set(TermKind) and set(RECORD_KIND_PLURAL) == set(RecordKind)
    templates = Path(__file__).parents[2] / "templates"
    offenders = [
        f"{path.name}: {match}"
        for path in templates.rglob("*.html")
        for match in re.findall(r"\}\}s\b", path.read_text())
    ]
    assert offenders == []


def test_the_home_page_says_how_camps_come_to_be_listed(client):
    page = client.get("/").content.decode()
    assert "tagged with a facility yet" in page
    assert "None yet." not in page
