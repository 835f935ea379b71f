"""The search page with nothing typed offers ways in (camps, practices, technologies,
years), counted over what the reader may see, each number what its link finds."""

import datetime as dt
import re

import pytest

from archive.models import Term
from tests.search.helpers import indexed_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def archive(empty_archive):
    camp = Term.objects.create(kind="camp", slug="browse-camp", preferred_label="Facility Twelve")
    practice = Term.objects.create(kind="practice", slug="browse-drill", preferred_label="Drills")
    for year in (1991, 1992):
        indexed_record(
            f"Held in {year}.",
            tags=[camp.slug, practice.slug],
            event_start=dt.date(year, 1, 1),
            event_start_precision="year",
            access_level="public",
        )
    indexed_record(
        "A restricted account.",
        tags=[camp.slug],
        access_level="restricted",
        event_start=dt.date(1993, 1, 1),
        event_start_precision="year",
    )
    return camp


def browse_links(body: str) -> dict[str, str]:
    section = re.search(r'<section class="browse".*?</section>\s*</div>', body, re.S).group(0)
    link = r'<a href="\?([^"]+)"[^>]*>[^<]*</a> <span class="count">(\d+)'
    return dict(re.findall(link, section))


def test_an_empty_search_offers_terms_and_years_counted_for_the_reader(client, archive):
    body = client.get("/search/").content.decode()
    assert "Browse the archive" in body
    links = browse_links(body)
    # Two public records; the restricted one (and its year, 1993) are not counted.
    assert links == {
        "camp=browse-camp": "2",
        "practice=browse-drill": "2",
        "year=1991": "1",
        "year=1992": "1",
    }
    found = client.get("/search/?camp=browse-camp").content.decode()
    assert ">2 records</h1>" in found


def test_an_empty_browse_list_says_what_would_fill_it(client, empty_archive):
    body = client.get("/search/").content.decode()
    section = re.search(r'<section class="browse".*?</section>\s*</div>', body, re.S).group(0)
    assert "Records appear here once an archivist tags them with one of the facilities" in section
    assert 'href="/camps/map/"' in section
    assert "Records appear here once an archivist tags them." in section
