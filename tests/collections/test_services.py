"""Collections through the services: items keep their order; publishing pins record versions;
a published version never changes; only editors write; every write is audited."""

import json
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from archive import roles
from archive.models import AuditEntry, CollectionVersion
from archive.services import collections as coll
from archive.services import intake
from archive.services.collections import manifest_hash
from archive.services.records import PassageInput, record_set_passages
from tests.factories import make_record, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss():
    return make_user("boss", roles.ARCHIVIST)


@pytest.fixture
def researcher():
    return make_user("res", roles.RESEARCHER)


@pytest.fixture
def published(boss):
    def make(*paragraphs, **fields):
        record = make_record(*paragraphs, **fields)
        intake.publish(record=record, by=boss)
        return record

    return make


def test_items_keep_their_order_and_can_be_moved(researcher, published):
    a, b, c = (published(f"Paragraph of {n}.", title=n) for n in "ABC")
    collection = coll.collection_create(title="Gate cameras", by=researcher)
    for record in (a, b, c):
        coll.collection_add_item(collection=collection, record=record, by=researcher)
    coll.collection_add_item(collection=collection, record=b, passage_number=1, by=researcher)
    order = lambda: [  # noqa: E731
        (i.record.title, i.passage_number) for i in collection.items.order_by("position")
    ]
    assert order() == [("A", None), ("B", None), ("C", None), ("B", 1)]
    # Adding an item again keeps it where it is, and says nothing was added.
    again = coll.collection_add_item(collection=collection, record=a, by=researcher)
    assert again == (collection.items.get(position=1), False)
    assert order() == [("A", None), ("B", None), ("C", None), ("B", 1)]
    coll.collection_move_item(item=collection.items.get(position=4), by=researcher, offset=-3)
    assert order() == [("B", 1), ("A", None), ("B", None), ("C", None)]
    assert re.fullmatch(r"gate-cameras-[a-z2-9]{6}", collection.slug)


def test_a_published_version_never_changes_when_its_records_do(researcher, published, boss):
    record = published("Cameras were installed at the gate.", "A second paragraph.")
    collection = coll.collection_create(title="Bundle", by=researcher)
    item, _ = coll.collection_add_item(
        collection=collection, record=record, passage_number=1, by=researcher
    )
    coll.collection_annotate_item(item=item, by=researcher, annotation="Corroborates T-7 ¶2")
    v1 = coll.collection_publish(collection=collection, by=researcher)
    frozen = (json.dumps(v1.manifest, sort_keys=True), v1.manifest_hash)

    record_set_passages(
        record=record,
        passages=[PassageInput("Cameras were removed from the gate."), PassageInput("Second.")],
        by=boss,
        note="correction",
    )
    coll.collection_annotate_item(item=item, by=researcher, annotation="Changed my mind")
    v1 = CollectionVersion.objects.get(pk=v1.pk)
    assert (json.dumps(v1.manifest, sort_keys=True), v1.manifest_hash) == frozen
    assert manifest_hash(v1.manifest) == v1.manifest_hash
    [pinned] = v1.items.all()
    assert pinned.annotation == "Corroborates T-7 ¶2"
    assert pinned.record_version.snapshot["passages"][0]["text"] == (
        "Cameras were installed at the gate."
    )
    with pytest.raises(Exception, match="never changes"):
        v1.save()
    v2 = coll.collection_publish(collection=collection, by=researcher)
    assert v2.number == 2
    assert v2.items.get().record_version.number > pinned.record_version.number


def test_only_published_records_can_be_pinned(boss, researcher):
    draft = make_record("A draft account.", title="Draft")
    collection = coll.collection_create(title="Drafts", by=boss)
    coll.collection_add_item(collection=collection, record=draft, by=boss)
    with pytest.raises(ValidationError, match=draft.public_id):
        coll.collection_publish(collection=collection, by=boss)
    assert not collection.versions.exists()


def test_only_editors_write_and_nobody_adds_what_they_cannot_see(researcher, published, boss):
    secret = published("A restricted account.", kind="testimony", access_level="restricted")
    collection = coll.collection_create(title="Mine", by=researcher)
    outsider = make_user("other", roles.RESEARCHER)
    with pytest.raises(PermissionDenied):
        coll.collection_update(collection=collection, by=outsider, title="Theirs")
    with pytest.raises(ValidationError, match="No such record"):
        coll.collection_add_item(collection=collection, record=secret, by=researcher)
    coll.collection_share(collection=collection, by=researcher, user=outsider, role="editor")
    # Shares count only while the collection is shared: private means curators only.
    with pytest.raises(PermissionDenied):
        coll.collection_update(collection=collection, by=outsider, title="Ours")
    coll.collection_update(collection=collection, by=researcher, visibility="shared")
    coll.collection_update(collection=collection, by=outsider, title="Ours")
    with pytest.raises(PermissionDenied):
        coll.collection_create(title="Anonymous", by=make_user("plain"))
    actions = list(
        AuditEntry.objects.filter(target_id=collection.slug).values_list("action", flat=True)
    )
    assert actions.count("collection.edit") == 3 and "collection.create" in actions
