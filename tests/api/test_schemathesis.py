"""Schemathesis drives every operation of the OpenAPI schema in-process (WSGI), anonymously
and with a lawyer's token, and finds no server error. Examples are few per operation so the
run stays within about a minute.

The operations are looped over inside one test rather than through schemathesis' pytest
plugin (`from_fixture`), which does not work with pytest 9: the database and the signed-in
people only exist inside a test."""

import json

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, given, settings

from archive.api import tokens

pytestmark = pytest.mark.django_db

EXAMPLES = settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def api_schema(people, records, settings):
    # Requests run inside the test's transaction; Django closes "obsolete" connections when
    # a request starts and finishes, which would end it. The test client avoids that the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": None, "user": None, "token_create": None},
    }
    # Every operation, as an archivist's schema lists them: anonymous callers are shown only
    # what they may use, but must get no server error from the rest either.
    document = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(document)))
    loaded.app = WSGIHandler()
    loaded.location = "/api/v1/schema/"
    yield loaded
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _no_server_error(schema, headers):
    failures, tried = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        tried += 1

        @given(case=operation.as_strategy())
        @EXAMPLES
        def check(case):
            response = case.call(headers=headers)
            assert response.status_code < 500, (case.method, case.formatted_path, response.text)

        try:
            check()
        except AssertionError as failure:
            failures.append(str(failure)[:1000])
    assert tried >= 20
    assert failures == []


def test_no_server_error_anonymous(api_schema):
    _no_server_error(api_schema, headers={})


def test_no_server_error_with_a_lawyers_token(api_schema, people):
    _, secret = tokens.token_create(user=people["lawyer"], name="schemathesis")
    _no_server_error(api_schema, headers={"Authorization": f"Bearer {secret}"})
