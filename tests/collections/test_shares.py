"""Sharing a collection by name tells the sharer nothing about which accounts or groups
exist: the same message, the same list, the same work, and a share to a name that is not an
active account yet takes effect when it becomes one. Sign-in answers alike too."""

import re

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from archive import roles
from archive.services import accounts
from archive.services import collections as coll
from tests.factories import make_user, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss():
    return make_user("boss", roles.ARCHIVIST)


@pytest.fixture
def sharer():
    return make_user("sharer", roles.RESEARCHER)


def share_by_form(client, collection, **fields) -> tuple[str, str, int]:
    """(the message shown after sharing, the share list's markup with the name blanked, the
    number of queries the share made)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            f"/collections/{collection.slug}/shares/", {"role": "viewer", **fields}, follow=True
        )
    assert response.status_code == 200
    body = response.content.decode()
    name = fields.get("username") or fields.get("group")
    [message] = [str(m) for m in response.context["messages"]]
    section = body[
        body.index('id="share-heading"') : body.index(
            "</section>", body.index('id="share-heading"')
        )
    ]
    listed = [item.strip() for item in re.findall(r"<li>([^<]*)", section)]
    return (
        message.replace(name, "NAME"),
        "|".join(item.replace(name, "NAME") for item in listed),
        len(queries),
    )


def test_sharing_answers_alike_whether_or_not_the_name_is_an_account(client, sharer, boss):
    make_user("colleague", roles.LAWYER)
    accounts.invite(username="invitee", role=roles.LAWYER, by=boss)  # inactive until accepted
    make_user("gone", roles.LAWYER, is_active=False)
    Group.objects.create(name="case-team")
    sign_in(client, sharer)
    answers = {}
    for label, fields in {
        "active account": {"username": "colleague"},
        "no account": {"username": "nobody-here"},
        "invited account": {"username": "invitee"},
        "inactive account": {"username": "gone"},
        "group": {"group": "case-team"},
        "no group": {"group": "no-such-team"},
    }.items():
        collection = coll.collection_create(title=f"Bundle {label}", by=sharer)
        answers[label] = share_by_form(client, collection, **fields)
    users = {
        answers[k] for k in ("active account", "no account", "invited account", "inactive account")
    }
    groups = {answers[k] for k in ("group", "no group")}
    assert len(users) == 1 and len(groups) == 1
    [(message, listed, _)] = users
    assert message == "Shared with user NAME (viewer)." and listed == "user NAME (viewer)"
    assert not any("No active account" in m for m, _, _ in answers.values())


def test_sharing_the_same_name_again_keeps_one_entry(client, sharer, boss):
    collection = coll.collection_create(title="Bundle", by=sharer, visibility="shared")
    invitation, token = accounts.invite(username="invitee", role=roles.LAWYER, by=boss)
    coll.collection_share(collection=collection, by=sharer, role="viewer", username="invitee")
    invitee = accounts.accept(token=token, password="a long test passphrase 42")
    coll.collection_share(collection=collection, by=sharer, role="editor", username="invitee")
    [share] = collection.shares.all()
    assert (share.label, share.role, share.user) == ("user invitee", "editor", invitee)


def test_a_share_by_name_takes_effect_when_the_account_becomes_active(sharer, boss):
    collection = coll.collection_create(title="Bundle", by=sharer, visibility="shared")
    coll.collection_share(collection=collection, by=sharer, role="editor", username="invitee")
    coll.collection_share(collection=collection, by=sharer, role="editor", group_name="later")
    edit = f"/collections/{collection.slug}/edit/"
    _, token = accounts.invite(username="invitee", role=roles.LAWYER, by=boss)
    invitee = accounts.accept(token=token, password="a long test passphrase 42")
    assert sign_in(Client(), invitee).get(edit).status_code == 200
    member = make_user("member", roles.RESEARCHER)
    assert sign_in(Client(), member).get(edit).status_code == 404
    member.groups.add(Group.objects.create(name="later"))
    assert sign_in(Client(), member).get(edit).status_code == 200


def test_sign_in_answers_alike_for_unknown_inactive_and_wrong_password(client):
    make_user("known", roles.LAWYER)
    make_user("asleep", roles.LAWYER, is_active=False)
    answers = set()
    for username in ("known", "asleep", "unknown-person"):
        response = Client().post(
            "/accounts/login/", {"username": username, "password": "a long test passphrase 42x"}
        )
        body = response.content.decode()
        body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)
        answers.add((response.status_code, body.replace(username, "NAME")))
    assert len(answers) == 1
