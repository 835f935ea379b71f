"""A new collection's slug says nothing about collections its creator cannot see: the same
shape whether or not a hidden one bears the same title, and a hidden one's slug cannot be
guessed from its title. Existing slugs never change (they may be cited)."""

import re

import pytest
from django.utils.text import slugify

from archive import roles
from archive.models import Collection
from archive.services import collections as coll
from tests.factories import make_user, sign_in

pytestmark = pytest.mark.django_db

TITLE = "Karakax list witnesses"
FRESH = re.compile(rf"^{slugify(TITLE)}-[a-z2-9]{{6}}$")


def create_by_form(client, title: str) -> str:
    response = client.post("/collections/new/", {"title": title, "visibility": "private"})
    assert response.status_code == 302, response.content.decode()[:500]
    return re.fullmatch(r"/collections/([^/]+)/edit/", response["Location"]).group(1)


def test_a_new_slug_is_alike_whether_or_not_a_hidden_collection_has_the_title(client):
    boss = make_user("boss", roles.ARCHIVIST)
    sign_in(client, make_user("reader", roles.RESEARCHER))
    before = create_by_form(client, TITLE)
    hidden = coll.collection_create(title=TITLE, by=boss)
    after = create_by_form(client, TITLE)

    assert FRESH.match(before) and FRESH.match(after) and FRESH.match(hidden.slug)
    assert len({before, after, hidden.slug}) == 3
    assert slugify(TITLE) not in set(Collection.objects.values_list("slug", flat=True))
    assert client.get(f"/collections/{slugify(TITLE)}/").status_code == 404


def test_a_title_without_letters_still_gets_a_slug_and_renaming_keeps_it(client):
    reader = make_user("reader", roles.RESEARCHER)
    sign_in(client, reader)
    slug = create_by_form(client, "???")
    assert re.fullmatch(r"collection-[a-z2-9]{6}", slug)
    collection = Collection.objects.get(slug=slug)
    coll.collection_update(collection=collection, by=reader, title="Renamed")
    collection.refresh_from_db()
    assert collection.slug == slug
