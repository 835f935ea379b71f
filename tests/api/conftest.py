"""Fixtures of the API tests: people in every role, a public and a restricted published
record, API clients signed in by session or by token."""

import pytest
from rest_framework.test import APIClient

from archive import roles
from archive.api import tokens
from archive.services import intake
from tests.factories import make_record, make_user, sign_in

SECRET_TITLE = "Quokkawitness restricted testimony"


@pytest.fixture
def people(db):
    return {
        "anonymous": None,
        "researcher": make_user("res", roles.RESEARCHER),
        "lawyer": make_user("law", roles.LAWYER),
        "archivist": make_user("boss", roles.ARCHIVIST),
    }


@pytest.fixture
def records(people):
    boss = people["archivist"]

    def publish(text, title, **fields):
        record = make_record(text, title=title, **fields)
        intake.publish(record=record, by=boss)
        return record

    return {
        "open": publish("Cameras at the zebrafinch gate.", "Open article", language="en"),
        "restricted": publish(
            "The quokkawitness account of the gate.",
            SECRET_TITLE,
            kind="testimony",
            access_level="restricted",
        ),
        "draft": make_record("A draft nobody but archivists sees.", title="Draft title"),
    }


@pytest.fixture
def api_for():
    """An APIClient signed in as `user` by session (archivists with a verified second factor),
    or anonymous for None."""

    def build(user):
        client = APIClient()
        if user is not None:
            sign_in(client, user)
        return client

    return build


@pytest.fixture
def token_client():
    """An APIClient that sends `user`'s new token and no session."""

    def build(user):
        _, secret = tokens.token_create(user=user, name="script")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        return client

    return build
