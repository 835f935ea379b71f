"""The public pages in a real browser: an axe-core scan finds no serious or critical
accessibility violation, pages fit a phone's width, Uyghur in Arabic script reads right to
left, and a reader goes from the home page to a term page, the corroboration table and a
record."""

from pathlib import Path

import pytest

from archive import models as archive_models
from archive import roles
from archive.models import Term
from archive.search import engine
from archive.services import intake
from archive.services.collections import collection_add_item, collection_create, collection_publish
from archive.services.records import PassageInput, record_create
from tests.browser.conftest import ARTIFACTS
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
UYGHUR = "مەن لاگېردا ئىككى يىل تۇردۇم."  # "I stayed in the camp for two years."


@pytest.fixture
def archive(db):
    boss = make_user("boss", roles.ARCHIVIST)
    camp = Term.objects.create(kind="camp", slug="browser-camp", preferred_label="Facility Ten")
    practice = Term.objects.create(
        kind="practice", slug="browser-practice", preferred_label="Forced study"
    )
    record = record_create(
        kind="testimony",
        title="Account of two years",
        language="ug-Arab",
        passages=[PassageInput(UYGHUR), PassageInput("Translated: I stayed two years.")],
        tags=[camp, practice],
    )
    archive_models.Testimony.objects.create(
        record=record,
        narrator_pseudonym="Narrator U-1",
        relation="survivor",
        consent_scope="public",
    )
    record.access_level = "public"
    record.save(update_fields=["access_level"])
    intake.publish(record=record, by=boss)
    collection = collection_create(title="Two accounts", by=boss, visibility="public")
    collection_add_item(collection=collection, record=record, by=boss)
    collection_publish(collection=collection, by=boss)
    engine.drain()
    return {"record": record, "camp": camp, "practice": practice, "collection": collection}


def serious_violations(page) -> list[str]:
    page.evaluate(AXE)
    found = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '));
        }"""
    )
    return found


def test_public_pages_pass_an_axe_scan_and_fit_a_phone(archive, browser, live_server):
    record, camp = archive["record"], archive["camp"]
    paths = [
        "/",
        "/about/",
        "/corroboration/",
        f"/terms/{camp.slug}/",
        "/search/?q=years",
        "/search/",
        "/api/v1/schema/",
        record.get_absolute_url(),
        record.versions.last().get_absolute_url(),
        "/collections/",
        archive["collection"].get_absolute_url(),
        "/search/help/",
        "/accounts/login/",
    ]
    # axe is injected as a script, which the page's CSP rightly forbids: scan with CSP off.
    context = browser.new_context(base_url=live_server.url, bypass_csp=True)
    page = context.new_page()
    # The scanner itself works: a page with an unlabelled image and button fails it.
    page.set_content("<html><body><img src='x.png'><button></button></body></html>")
    assert any(v.startswith("image-alt") for v in serious_violations(page))
    problems = {}
    for path in paths:
        page.goto(path)
        found = serious_violations(page)
        if found:
            problems[path] = found
    assert problems == {}
    context.close()

    phone = browser.new_context(
        base_url=live_server.url, viewport={"width": 360, "height": 740}, is_mobile=True
    )
    page = phone.new_page()
    for path in paths:
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} is {overflow}px wider than a phone"
    page.goto(record.get_absolute_url())
    page.screenshot(path=str(ARTIFACTS / "record-on-a-phone.png"), full_page=True)
    phone.close()


def test_uyghur_reads_right_to_left_and_a_reader_follows_the_links(archive, page, screenshot):
    record, camp = archive["record"], archive["camp"]
    page.goto(record.get_absolute_url())
    uyghur = page.locator("section#p1 p")
    assert uyghur.get_attribute("dir") == "auto"
    assert uyghur.evaluate("e => getComputedStyle(e).direction") == "rtl"
    english = page.locator("section#p2 p")
    assert english.evaluate("e => getComputedStyle(e).direction") == "ltr"
    screenshot("record-rtl")
    # Printed, the page keeps the text and its citation with the stable URL, not the menus.
    page.emulate_media(media="print")
    assert not page.locator("header.site").is_visible()
    assert page.locator("section.citation .cite-url").is_visible()
    assert record.public_id in page.locator("section.citation").inner_text()
    page.emulate_media(media="screen")

    page.goto("/")
    page.get_by_role("link", name=camp.preferred_label).first.click()
    page.wait_for_url(f"**/terms/{camp.slug}/")
    assert "1 independent testimony" in page.content()
    screenshot("term")
    page.get_by_role("link", name="Corroboration").first.click()
    page.wait_for_url("**/corroboration/")
    cell = page.locator("table.corroboration td a").first
    assert cell.inner_text() == "1"
    cell.click()
    page.wait_for_url("**/search/?kind=testimony**")
    assert "Account of two years" in page.content()
    screenshot("corroboration-search")


def test_signed_in_pages_and_their_controls_pass_an_axe_scan(archive, browser, live_server):
    """Controls that only signed-in readers get (the collection editor's Remove, Add to
    collection, the account pages) are held to the same scan, colour contrast included."""
    from tests.browser.conftest import BROWSER_PASSWORD

    lawyer = make_user("counsel", roles.LAWYER)
    lawyer.set_password(BROWSER_PASSWORD)
    lawyer.save()
    mine = collection_create(title="My bundle", by=lawyer, visibility="private")
    collection_add_item(collection=mine, record=archive["record"], by=lawyer)
    context = browser.new_context(base_url=live_server.url, bypass_csp=True)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("counsel")
    page.get_by_label("Password").fill(BROWSER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/accounts/")
    paths = [
        "/accounts/",
        "/accounts/password/",
        f"/collections/{mine.slug}/edit/",
        "/collections/",
        archive["record"].get_absolute_url(),
        "/search/?q=years",
    ]
    problems = {}
    for path in paths:
        page.goto(path)
        found = serious_violations(page)
        if found:
            problems[path] = found
    page.goto(f"/collections/{mine.slug}/edit/")
    page.screenshot(path=str(ARTIFACTS / "collection-editor.png"), full_page=True)
    context.close()
    assert problems == {}
