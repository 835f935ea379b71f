"""Facility pages and the map: tier meanings, records and narrators by what the reader may see,
380 marks from our own files only, search by facility."""

import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from archive import roles
from archive.models import ExternalIdentifier
from archive.search import engine
from tests.factories import make_published_testimony, make_user, sign_in

pytestmark = pytest.mark.django_db

DATASET = Path(__file__).resolve().parents[2] / "seeds" / "gazetteer" / "xjdp-camps-v1.csv"


@pytest.fixture
def facility():
    call_command("import_gazetteer", str(DATASET), stdout=io.StringIO())
    return ExternalIdentifier.objects.get(scheme="xjdp", value="50").term


def tagged_testimony(facility, narrator, level):
    return make_published_testimony(
        f"{narrator} was held in the large facility.",
        narrator=narrator,
        by=make_user(f"boss-{narrator}", roles.ARCHIVIST),
        level=level,
        title=f"Account of {narrator}",
        tags=[facility],
    )


def test_the_facility_page_shows_the_tier_meaning_and_only_testimony_the_reader_may_see(
    client, facility
):
    open_one = tagged_testimony(facility, "Narrator D-1", "public")
    secret = tagged_testimony(facility, "Narrator D-2", "restricted")
    body = client.get(f"/camps/{facility.slug}/").content.decode()
    assert "Tier 3: detention centre" in body
    assert "March 2020" in body and "xjdp:50" in body
    assert "Dabancheng County" in body
    assert open_one.public_id in body and secret.public_id not in body
    assert "1 record · 0 passages · 1 independent testimony" in body
    assert f'href="/search/?camp={facility.slug}"' in body
    sign_in(client, make_user("law", roles.LAWYER))
    body = client.get(f"/camps/{facility.slug}/").content.decode()
    assert secret.public_id in body
    assert "2 records · 0 passages · 2 independent testimonies" in body
    # Only camps have facility pages.
    assert client.get("/camps/xinjiang/").status_code == 404


def test_the_map_holds_every_facility_and_nothing_from_another_host(client, facility):
    tagged_testimony(facility, "Narrator D-1", "public")
    body = client.get("/camps/map/").content.decode()
    items = re.findall(r'<li data-slug="([^"]+)"[^>]* data-records="(\d+)">', body)
    assert len(items) == 380 == len({slug for slug, _ in items})
    # The one facility with a record says so; the script draws it larger and ringed.
    records = dict(items)
    assert records.pop(facility.slug) == "1"
    assert set(records.values()) == {"0"}
    assert not re.search(r'(src|href)="(https?:)?//', body)
    assert "/static/vendor/leaflet/leaflet.js" in body
    assert "<strong>380</strong> of 380 facilities shown" in body
    # Without script the form filters on the server: the rest of the list is hidden.
    filtered = client.get("/camps/map/", {"tier": "4", "prefecture": "Kashgar"}).content.decode()
    kept = re.findall(r'<li data-slug="[^"]+" data-tier="(\d)" data-prefecture="([^"]+)"', filtered)
    assert kept and all(t == "4" and p == "Kashgar" for t, p in kept)
    hidden = re.findall(r"<li hidden ", filtered)
    assert len(hidden) == 380 - len(kept)
    assert f"<strong>{len(kept)}</strong> of 380 facilities shown" in filtered


def test_search_understands_facility_terms(client, facility):
    record = tagged_testimony(facility, "Narrator D-1", "public")
    engine.drain()
    by_prefix = client.get("/api/v1/search/", {"q": f"camp:{facility.slug}"}).json()
    assert [r["id"] for r in by_prefix["results"]] == [record.public_id]
    by_facet = client.get("/api/v1/search/", {"camp": facility.slug}).json()
    assert [r["id"] for r in by_facet["results"]] == [record.public_id]
    labels = {v["slug"]: v["label"] for v in by_facet["facets"]["camp"]}
    assert labels[facility.slug] == "Dabancheng Facility #1"
