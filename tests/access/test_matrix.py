"""Who sees what: every role against every access level, embargo and consent scope, on every
surface that exists (record page, record versions, search hits, counts, facets, highlights,
suggestions, more-like-this, the JSON API, collection pages and the admin).

The expectation is written here independently of archive.permissions, from the rules in
docs/access-control.md, so a mistake in the policy cannot agree with itself.
"""

import datetime as dt
import io
import itertools
import json
import zipfile

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.test import Client
from django.utils import timezone

from archive import models as archive_models
from archive import roles
from archive.models import AccessLevel, Term
from archive.models.access import levels_allowed_by
from archive.search.query import more_like_this
from archive.services import access as access_services
from tests.factories import make_user, sign_in
from tests.search.helpers import find, ids, indexed_record

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "registered", "researcher", "lawyer", "archivist", "grantee", "expired"]
LEVELS = list(AccessLevel.values)
CONSENTS = [None, "public", "research", "legal", "archive_only"]  # None: an article excerpt
EMBARGOES = [False, True]
LETTERS = "bcdfghjklmnpqrstvwxz"


def unique_word(i: int) -> str:
    # Letters only, so the analyzer keeps it whole and no stemmer rule applies.
    a, b, c = LETTERS[i // 400 % 20], LETTERS[i // 20 % 20], LETTERS[i % 20]
    return f"zork{a}{b}{c}ulm"


def expected_visible(role: str, level: str, embargoed: bool) -> bool:
    if role == "archivist":
        return True
    if embargoed:
        return False
    if level == "public":
        return True
    if role == "anonymous":
        return False
    if level == "registered":
        return True
    if level == "restricted":
        return role in ("lawyer", "grantee")
    return role == "grantee"  # confidential: a grant naming the user


@pytest.fixture
def matrix(db):
    """One record per valid (consent, level, embargo) and the users of every role; the grantee
    holds a user grant on every record, the expired user one that has run out."""
    boss = make_user("boss", roles.ARCHIVIST)
    users = {
        "anonymous": AnonymousUser(),
        "registered": make_user("plain"),
        "researcher": make_user("res", roles.RESEARCHER),
        "lawyer": make_user("law", roles.LAWYER),
        "archivist": boss,
        "grantee": make_user("granted"),
        "expired": make_user("lapsed"),
    }
    Term.objects.create(kind="organization", slug="matrixco", preferred_label="MatrixCo")
    records = []
    combos = [
        (consent, level, embargo)
        for consent, level, embargo in itertools.product(CONSENTS, LEVELS, EMBARGOES)
        if consent is None or level in levels_allowed_by(consent)
    ]
    for i, (consent, level, embargo) in enumerate(combos):
        word = unique_word(i)
        record = indexed_record(
            f"The {word} account describes cameras at the matrix checkpoint gate.",
            f"A second paragraph of {word} about the checkpoint gate queue.",
            title=f"Matrix record {i}",
            kind="testimony" if consent else "article_excerpt",
            access_level=level,
            tags=["matrixco"],
        )
        if consent:
            archive_models.Testimony.objects.create(
                record=record,
                narrator_pseudonym=f"N-{i}",
                relation="survivor",
                consent_scope=consent,
            )
        if embargo:
            access_services.record_set_access(
                record=record,
                by=boss,
                embargo_until=timezone.now().date() + dt.timedelta(days=30),
                note="embargo requested by the interviewing organization",
            )
        access_services.grant_create(record=record, user=users["grantee"], reason="case", by=boss)
        lapsed = access_services.grant_create(
            record=record,
            user=users["expired"],
            reason="old case",
            by=boss,
            expires_at=timezone.now() + dt.timedelta(hours=1),
        )
        # Expired a moment ago: no job runs, the next request must already ignore it.
        type(lapsed).objects.filter(pk=lapsed.pk).update(expires_at=timezone.now())
        records.append((record, word, level, embargo))
    from archive.search import engine

    engine.drain()
    return users, records


def client_for(user) -> Client:
    client = Client()
    if user.is_authenticated:
        sign_in(client, user)
    return client


@pytest.mark.parametrize("role", ROLES)
def test_record_page_and_search_follow_the_rule(role, matrix):
    users, records = matrix
    user = users[role]
    client = client_for(user)
    visible = [r for r, _, level, emb in records if expected_visible(role, level, emb)]
    for record, word, level, embargoed in records:
        expect = expected_visible(role, level, embargoed)
        where = f"{record.public_id} {level} embargo={embargoed} as {role}"
        # The record page (and so every ¶ anchor on it): 200 or 404, never 403.
        status = client.get(record.get_absolute_url()).status_code
        assert status == (200 if expect else 404), where
        # Search: the hit, its passages and highlights.
        result = find(word, user=user)
        assert ids(result) == ([record.public_id] if expect else []), where
        if expect:
            assert any(word in p.highlight for p in result.hits[0].passages), where
        # The JSON API says the same.
        body = client.get("/api/v1/search/", {"q": word}).json()
        assert [r["id"] for r in body["results"]] == ([record.public_id] if expect else []), where
        assert body["count"] == (1 if expect else 0), where
        if not expect:
            assert word not in str(body), where
            # A misspelling is never corrected to a hidden word.
            assert word not in str(find(word[:-1] + "x", user=user).suggestion or ""), where
    # Counts and facet numbers count visible records only.
    shared = find("checkpoint gate", user=user)
    assert shared.count == len(visible)
    org = {v.value: v.count for v in shared.facets["org"]}
    assert org.get("matrixco", 0) == len(visible)
    assert find("", user=user, org=["matrixco"]).count == len(visible)
    # More like this never offers a hidden record.
    hidden = {r.pk for r, _, level, emb in records if not expected_visible(role, level, emb)}
    for record in visible[:3]:
        assert not {r.pk for r in more_like_this(user, record, limit=50)} & hidden


@pytest.mark.parametrize("role", ROLES)
def test_the_admin_is_for_archivists_and_hides_nothing_from_them(role, matrix):
    users, records = matrix
    user = users[role]
    client = client_for(user)
    record = records[-1][0]
    response = client.get(f"/admin/archive/record/{record.pk}/change/")
    if role == "archivist":
        assert response.status_code == 200
        listing = client.get("/admin/archive/record/", {"q": "Matrix record"})
        assert listing.status_code == 200
        for r, *_ in records:
            assert r.public_id in listing.content.decode()
    elif role == "anonymous":
        # The admin sends visitors to the one sign-in page, which names no record.
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
        follow = client.get(response["Location"])
        assert follow.status_code == 302 and follow["Location"].startswith("/accounts/login/")
    else:
        # Signed in but not an archivist: the admin does not exist for them.
        assert response.status_code == 404
        assert record.public_id not in response.content.decode()


def test_an_expired_grant_stops_working_at_once(matrix):
    users, records = matrix
    boss = users["archivist"]
    user = make_user("temp")
    record, word, *_ = next(r for r in records if r[2] == "confidential" and not r[3])
    grant = access_services.grant_create(
        record=record,
        user=user,
        reason="review",
        by=boss,
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    assert ids(find(word, user=user)) == [record.public_id]
    type(grant).objects.filter(pk=grant.pk).update(expires_at=timezone.now())
    assert find(word, user=user).count == 0
    assert client_for(user).get(record.get_absolute_url()).status_code == 404


def test_a_group_grant_opens_restricted_but_never_confidential_records(matrix):
    users, records = matrix
    boss = users["archivist"]
    team = Group.objects.create(name="case team")
    member = make_user("member")
    member.groups.add(team)
    restricted = next(r for r in records if r[2] == "restricted" and not r[3])
    confidential = next(r for r in records if r[2] == "confidential" and not r[3])
    access_services.grant_create(record=restricted[0], group=team, reason="case", by=boss)
    assert ids(find(restricted[1], user=member)) == [restricted[0].public_id]
    with pytest.raises(Exception, match="named users only"):
        access_services.grant_create(record=confidential[0], group=team, reason="case", by=boss)
    assert find(confidential[1], user=member).count == 0


def test_a_revoked_grant_closes_the_record(matrix):
    users, records = matrix
    record, word, *_ = next(r for r in records if r[2] == "restricted" and not r[3])
    grant = record.grants.get(user=users["grantee"])
    access_services.grant_revoke(grant=grant, by=users["archivist"], reason="case closed")
    assert find(word, user=users["grantee"]).count == 0
    assert client_for(users["grantee"]).get(record.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_collections_and_record_versions_follow_the_rule(role, matrix):
    """A public collection holding every record: each role sees exactly the items it may
    see, the rest only as a count; record version pages answer like record pages."""
    from archive.services import collections as coll

    users, records = matrix
    boss = users["archivist"]
    collection = coll.collection_create(title="Everything", by=boss, visibility="public")
    for record, *_ in records:
        coll.collection_add_item(collection=collection, record=record, by=boss)
    coll.collection_publish(collection=collection, by=boss)
    client = client_for(users[role])
    body = client.get(collection.get_absolute_url()).content.decode()
    visible = [r for r, _, level, emb in records if expected_visible(role, level, emb)]
    hidden = len(records) - len(visible)
    assert f"{len(visible)} item{'s' if len(visible) != 1 else ''}" in body
    if hidden:
        assert f"{hidden} item{'s' if hidden != 1 else ''} not available to you" in body
    else:
        assert "not available to you" not in body
    # The export of the version holds exactly the same records, and the rest only as a count.
    response = client.get(f"/collections/{collection.slug}/v/1/export.zip")
    assert response.status_code == 200
    exported = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    files = {name: exported.read(name).decode("utf-8", "replace") for name in exported.namelist()}
    assert json.loads(files["manifest.json"])["hidden_items"] == hidden
    everything = "\n".join(files.values())
    for record, word, level, embargoed in records:
        expect = expected_visible(role, level, embargoed)
        where = f"{record.public_id} {level} embargo={embargoed} as {role}"
        assert (record.public_id in body) == expect, where
        assert (f">{record.title}</a>" in body) == expect, where
        assert (word in everything) == expect, where
        assert (record.public_id in everything) == expect, where
        status = client.get(f"/records/{record.public_id}/v/1/").status_code
        assert status == (200 if expect else 404), where
