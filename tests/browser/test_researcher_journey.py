"""The researcher's journey in one go: sign in, search, filter by a facet, open a record, jump
to a passage, add it to a collection, publish the collection and cite it; a restricted
record never shows up on the way."""

import pytest

from archive import roles
from archive.models import Term
from archive.search import engine
from archive.services import intake
from archive.services.records import PassageInput, record_create
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_filter_open_jump_collect_publish_cite(page, screenshot, reader_session):
    boss = make_user("boss", roles.ARCHIVIST)
    tech = Term.objects.create(
        kind="technology", slug="gait-recognition-j", preferred_label="Gait recognition"
    )
    for title, kind, level, tags in [
        ("Cameras on every corner", "article_excerpt", "public", [tech]),
        ("Market checkpoints", "article_excerpt", "public", []),
        ("A restricted account of the quagga market", "testimony", "restricted", [tech]),
    ]:
        record = record_create(
            kind=kind,
            title=title,
            language="en",
            access_level=level,
            tags=tags,
            passages=[
                PassageInput(f"{title}: the quagga market had scanners."),
                PassageInput("Every visitor's face was matched at the quagga gate."),
            ],
        )
        intake.publish(record=record, by=boss)
    engine.drain()
    reader_session("reader", roles.RESEARCHER, "/collections/")
    page.get_by_label("Title").fill("Quagga market")
    page.get_by_role("button", name="Create").click()
    page.wait_for_url("**/collections/quagga-market-*/edit/")
    edit_url = page.url
    slug = edit_url.rstrip("/").split("/")[-2]

    page.goto("/search/?q=quagga")
    assert page.locator("ol.hits li.hit").count() == 2  # the restricted testimony is absent
    assert "restricted account" not in page.content()
    page.locator("aside.facets input[name=technology][value=gait-recognition-j]").check()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**technology=gait-recognition-j**")
    hits = page.locator("ol.hits li.hit")
    assert hits.count() == 1
    screenshot("filtered")
    hits.first.get_by_role("link", name="Cameras on every corner").click()
    page.wait_for_url("**/records/A-*/")
    page.get_by_role("link", name="Passage 2").click()
    assert page.evaluate("location.hash") == "#p2"

    page.get_by_label("what").select_option("2")
    page.get_by_role("button", name="Add").click()
    page.wait_for_selector("text=to “Quagga market”")
    page.goto(edit_url)
    page.get_by_role("button", name="Publish version 1").click()
    page.wait_for_url(f"**/collections/{slug}/v/1/")
    assert "Every visitor's face was matched" in page.content()
    screenshot("published")

    with page.expect_download() as download:
        page.get_by_role("link", name="BibTeX").click()
    bibtex = download.value.path().read_text()
    assert bibtex.startswith("@") and slug in bibtex and "Quagga market" in bibtex
