"""Nothing a user may not see reaches them through search: not a hit, a count, a facet, a
highlight, a suggestion, more-like-this, the JSON API or the record page."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from archive import roles
from archive.models import Term
from archive.search.query import more_like_this
from tests.factories import make_user, sign_in
from tests.search.helpers import find, ids, indexed_record

pytestmark = pytest.mark.django_db

SECRET_TEXT = (
    "The zanzibarite compound near the reservoir held the narrator for eleven months; "
    "Hikvision cameras watched every cell of the zanzibarite compound."
)


@pytest.fixture
def researcher():
    return get_user_model().objects.create_user("researcher", password="x" * 16)


@pytest.fixture
def staff():
    return make_user("clerk", roles.ARCHIVIST)


@pytest.fixture
def hidden():
    """An unpublished record: a unique word, a unique tag, and text like a published one."""
    Term.objects.create(kind="organization", slug="secretco", preferred_label="SecretCo")
    before = {
        "count": find("Hikvision cameras").count,
        "org": {v.value: v.count for v in find("Hikvision").facets["org"]},
    }
    record = indexed_record(
        SECRET_TEXT, title="Unpublished account", state="draft", tags=["secretco", "hikvision"]
    )
    return record, before


@pytest.mark.parametrize("who", ["anonymous", "researcher"])
def test_an_unpublished_record_never_surfaces_in_search(who, hidden, researcher):
    user = AnonymousUser() if who == "anonymous" else researcher
    record, before = hidden
    assert find("zanzibarite", user=user).count == 0
    assert find("org:secretco", user=user).count == 0
    assert find("", user=user, org=["secretco"]).count == 0
    # Counts and facets do not move.
    assert find("Hikvision cameras", user=user).count == before["count"]
    after = find("Hikvision", user=user)
    assert {v.value: v.count for v in after.facets["org"]} == before["org"]
    assert "secretco" not in {v.value for vs in after.facets.values() for v in vs}
    # No highlight, passage or identifier of it anywhere in a result.
    for result in (after, find("reservoir narrator eleven months", user=user)):
        assert record.public_id not in ids(result)
        assert all("zanzibarite" not in p.highlight for h in result.hits for p in h.passages)
    # No suggestion names the hidden word or its stem, not even through a negation trick.
    for probe in ("zanzibarit", "zanzibarte", "-zanzibar zanzibar", "reservoir zanzibarrite"):
        suggestion = find(probe, user=user).suggestion or ""
        assert "zanzibar" not in suggestion.replace(probe, ""), (probe, suggestion)


def test_more_like_this_never_offers_the_hidden_record(hidden, researcher):
    record, _ = hidden
    twin = indexed_record(SECRET_TEXT.replace("zanzibarite", "walled"), title="Published twin")
    for user in (AnonymousUser(), researcher):
        assert record not in more_like_this(user, twin, limit=20)


def test_staff_find_what_they_may_see(hidden, staff):
    record, _ = hidden
    assert ids(find("zanzibarite", user=staff)) == [record.public_id]
    assert find("", user=staff, org=["secretco"]).count == 1


def test_hidden_record_page_and_api_answer_404(client, hidden, researcher):
    record, _ = hidden
    for c in (client,):
        assert c.get(f"/records/{record.public_id}/").status_code == 404
        assert c.get(f"/api/v1/records/{record.public_id}/more-like-this/").status_code == 404
        body = c.get("/api/v1/search/", {"q": "zanzibarite"}).json()
        assert body["count"] == 0 and body["results"] == []
    client.force_login(researcher)
    assert client.get(f"/records/{record.public_id}/").status_code == 404
    page = client.get("/search/", {"q": "zanzibarite"}).content.decode()
    assert "0 records" in page
    assert record.public_id not in page and "Unpublished account" not in page
    assert "reservoir" not in page  # no snippet of its text


def test_scores_of_public_hits_do_not_depend_on_hidden_records(researcher):
    def scores():
        return {h.record.public_id: h.score for h in find("cameras watched", user=researcher).hits}

    before = scores()
    assert before
    for n in range(3):
        indexed_record(SECRET_TEXT + f" cameras watched {n}", state="draft", title=f"Draft {n}")
    assert scores() == before  # same scores, same order: hidden documents do not count


def test_a_record_unpublished_moments_ago_is_not_shown_before_the_worker_runs(researcher):
    record = indexed_record("The walrusine testimony names an officer.", title="Soon hidden")
    assert ids(find("walrusine", user=researcher)) == [record.public_id]
    record.state = "draft"
    record.save()  # queued, but the worker has not run yet
    result = find("walrusine", user=researcher)
    assert record.public_id not in ids(result)
    assert all("walrusine" not in p.highlight for h in result.hits for p in h.passages)


def test_the_api_answers_a_signed_in_researcher_like_anyone_else(client, hidden, researcher):
    record, _ = hidden
    client.force_login(researcher)
    body = client.get("/api/v1/search/", {"q": "zanzibarite"}).json()
    assert body["count"] == 0 and body["results"] == []
    assert client.get(f"/api/v1/records/{record.public_id}/more-like-this/").status_code == 404


def test_the_search_pages_sidebar_is_never_shared_across_what_users_may_see(client, hidden, staff):
    """The page reuses a rendered facet sidebar keyed by its content: the draft (tagged
    Hikvision) counts in a staff member's sidebar and never in a reader's, before or after."""
    record, before = hidden

    def hikvision_count(page: str) -> int:
        found = re.search(
            r'value="hikvision">\s*<span dir="auto">[^<]*</span> '
            r'<span class="count">(\d+)</span>',
            page,
        )
        assert found, "no Hikvision in the sidebar"
        return int(found.group(1))

    reader_before = client.get("/search/", {"q": "Hikvision"}).content.decode()
    sign_in(client, staff)
    staff_page = client.get("/search/", {"q": "Hikvision"}).content.decode()
    client.logout()
    reader_after = client.get("/search/", {"q": "Hikvision"}).content.decode()
    assert hikvision_count(staff_page) == before["org"]["hikvision"] + 1
    for page in (reader_before, reader_after):
        assert hikvision_count(page) == before["org"]["hikvision"]
        assert record.public_id not in page and "SecretCo" not in page
    # A record published now counts in the sidebar at once.
    indexed_record("Hikvision cameras again.", title="Published now", tags=["hikvision"])
    page = client.get("/search/", {"q": "Hikvision"}).content.decode()
    assert hikvision_count(page) == before["org"]["hikvision"] + 1
