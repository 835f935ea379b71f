"""The record page's details: each role sees the testimony details and access settings it
may, and only archivists get the link to edit. Expected answers are written out here, not
asked of the policy module."""

import datetime as dt
import re

import pytest

from archive import roles
from archive.models import Term
from archive.models import Testimony as NarratorDetails
from tests.factories import make_published_testimony, make_record, make_user, sign_in

pytestmark = pytest.mark.django_db

ANYONE = {
    "Narrator": "Narrator K-17",
    "Relation to the events": "survivor",
    "Detention": "2018 – 2019",
    "Original language": "Kazakh",
}
RESEARCH = {
    **ANYONE,
    "Detention": "March 2018 – 2019",
    "Gender": "female",
    "Age": "30–44",
    "Ethnicity": "Kazakh",
    "Home prefecture": "Ili",
    "Interviewed": "2 June 2021",
    "Interviewed by": "Atajurt test office",
    "Translation": "Translated from Kazakh by two volunteers.",
}
CASES = {**RESEARCH, "Reliability": "Consistent with two other accounts."}
ARCHIVE = {
    **CASES,
    "Consent": "public",
    "State": "published",
    "Access level": "public: anyone",
}
EXPECTED = {
    None: ANYONE,
    "registered": ANYONE,
    roles.RESEARCHER: RESEARCH,
    roles.LAWYER: CASES,
    roles.ARCHIVIST: ARCHIVE,
}


@pytest.fixture
def boss():
    return make_user("boss", roles.ARCHIVIST)


@pytest.fixture
def testimony(boss):
    record = make_published_testimony("I was held in a school.", narrator="Narrator K-17", by=boss)
    org = Term.objects.create(
        kind="organization", slug="atajurt-test", preferred_label="Atajurt test office"
    )
    NarratorDetails.objects.filter(record=record).update(
        gender="female",
        age_range="30_44",
        ethnicity="kazakh",
        home_prefecture="ili",
        detention_start=dt.date(2018, 3, 1),
        detention_start_precision="month",
        detention_end=dt.date(2019, 1, 1),
        detention_end_precision="year",
        interview_date=dt.date(2021, 6, 2),
        interview_date_precision="day",
        interviewing_organization=org,
        original_language="Kazakh",
        translation_note="Translated from Kazakh by two volunteers.",
        reliability_notes="Consistent with two other accounts.",
    )
    return record


def details_on(body: str) -> dict[str, str]:
    block = re.search(r'<dl class="meta-list record-details">(.*?)</dl>', body, re.S)
    if block is None:
        return {}
    pairs = re.findall(r"<dt>(.*?)</dt><dd[^>]*>(.*?)</dd>", block.group(1), re.S)
    return dict(pairs)


@pytest.mark.parametrize("role", list(EXPECTED))
def test_each_role_sees_the_testimony_details_it_may(client, testimony, role):
    if role is not None:
        sign_in(client, make_user("reader", None if role == "registered" else role))
    body = client.get(testimony.get_absolute_url()).content.decode()
    assert details_on(body) == EXPECTED[role]
    edit = f"/admin/archive/record/{testimony.pk}/change/"
    assert (edit in body) == (role == roles.ARCHIVIST)


def test_archivists_see_the_access_settings_of_every_record(client, boss):
    record = make_record("An excerpt.", state="draft", title="Excerpt")
    record.embargo_until = dt.date(2031, 1, 1)
    record.save(update_fields=["embargo_until"])
    sign_in(client, boss)
    details = details_on(client.get(record.get_absolute_url()).content.decode())
    assert details == {
        "State": "draft",
        "Access level": "public: anyone",
        "Embargoed until": "2031-01-01",
    }


VERSION_ANYONE = {"Narrator": "Narrator K-17", "Relation to the events": "survivor"}
VERSION_RESEARCH = {
    **VERSION_ANYONE,
    **dict.fromkeys(("Gender", "Age", "Ethnicity", "Home prefecture"), "undisclosed"),
}
VERSION_ARCHIVE = {
    **VERSION_RESEARCH,
    "Consent": "public",
    "State": "published",
    "Access level": "public: anyone",
}


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (None, VERSION_ANYONE),
        (roles.RESEARCHER, VERSION_RESEARCH),
        (roles.ARCHIVIST, VERSION_ARCHIVE),
    ],
)
def test_a_version_page_shows_the_details_as_they_were(client, testimony, role, expected):
    if role is not None:
        sign_in(client, make_user("reader", role))
    # The published version was taken before the fixture filled in the other details.
    version = testimony.versions.filter(state="published").last()
    assert details_on(client.get(version.get_absolute_url()).content.decode()) == expected
