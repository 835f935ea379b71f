"""List and search pages run a bounded number of queries: more records on the page must not
mean more queries (no query per row)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from archive import roles
from archive.models import Term
from archive.search import engine
from archive.services import collections as coll
from archive.services import intake
from tests.factories import make_record, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss():
    return make_user("boss", roles.ARCHIVIST)


def published(boss, n: int, word: str, term: Term) -> list:
    records = []
    for i in range(n):
        record = make_record(
            f"The {word} checkpoint number {i} had cameras.",
            f"Second paragraph {i} about the {word} gate.",
            title=f"{word} {i}",
            tags=[term],
        )
        intake.publish(record=record, by=boss)
        records.append(record)
    engine.drain()
    return records


def queries(client, url: str) -> int:
    # A first request fills the per-process caches (vocabulary, index state); count the next.
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_search_term_and_home_pages_do_not_query_per_record(client, boss):
    few_term = Term.objects.create(kind="practice", slug="qc-few", preferred_label="QC few")
    many_term = Term.objects.create(kind="practice", slug="qc-many", preferred_label="QC many")
    published(boss, 2, "wombatfew", few_term)
    published(boss, 12, "wombatmany", many_term)
    assert queries(client, "/search/?q=wombatfew") == queries(client, "/search/?q=wombatmany")
    assert queries(client, "/terms/qc-few/") == queries(client, "/terms/qc-many/")
    assert queries(client, "/api/v1/search/?q=wombatfew") == queries(
        client, "/api/v1/search/?q=wombatmany"
    )
    assert queries(client, "/") <= 20


def test_collection_pages_do_not_query_per_item(client, boss):
    term = Term.objects.create(kind="practice", slug="qc-coll", preferred_label="QC coll")
    records = published(boss, 12, "wombatcoll", term)
    sizes = {}
    for n in (2, 12):
        collection = coll.collection_create(title=f"QC {n}", by=boss, visibility="public")
        for record in records[:n]:
            coll.collection_add_item(collection=collection, record=record, by=boss)
        coll.collection_publish(collection=collection, by=boss)
        sizes[n] = queries(client, collection.get_absolute_url())
    assert sizes[2] == sizes[12]
