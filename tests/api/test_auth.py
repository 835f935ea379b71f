"""Tokens (hashed, revocable, for non-archivists only), the second-factor rule, session CSRF,
throttling and the audit endpoint."""

import pytest
from rest_framework.test import APIClient

from archive import roles
from archive.api.models import ApiToken
from archive.api.tokens import digest_of
from archive.models import AuditEntry
from archive.models.audit import AuditAction
from tests.factories import make_user, sign_in

pytestmark = pytest.mark.django_db


def test_token_is_stored_only_as_a_hash_and_can_be_revoked(people, records, api_for):
    lawyer = people["lawyer"]
    session = api_for(lawyer)
    made = session.post("/api/v1/tokens/", {"name": "nightly export"}, format="json")
    assert made.status_code == 201
    secret = made.json()["token"]
    stored = ApiToken.objects.get(user=lawyer)
    assert secret not in str(ApiToken.objects.values().get())
    assert stored.digest == digest_of(secret)
    script = APIClient()
    script.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    restricted = records["restricted"].public_id
    assert script.get(f"/api/v1/records/{restricted}/").status_code == 200
    assert session.delete(f"/api/v1/tokens/{stored.pk}/").status_code == 204
    refused = script.get(f"/api/v1/records/{restricted}/")
    assert refused.status_code == 401
    assert refused["WWW-Authenticate"] == "Bearer"
    assert AuditEntry.objects.filter(
        action=AuditAction.ACCOUNT_CHANGE, actor=lawyer, detail__api_token="revoked"
    ).exists()


def test_tokens_cannot_manage_tokens(people, token_client):
    client = token_client(people["lawyer"])
    assert client.post("/api/v1/tokens/", {"name": "more"}, format="json").status_code == 403
    assert ApiToken.objects.count() == 1


def test_a_bad_token_is_refused_not_ignored(records):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert client.get("/api/v1/records/").status_code == 401


def test_archivists_get_no_token(people, api_for):
    boss = api_for(people["archivist"])
    refused = boss.post("/api/v1/tokens/", {"name": "admin script"}, format="json")
    assert refused.status_code == 403
    assert not ApiToken.objects.exists()


def test_a_token_made_before_promotion_gives_no_archivist_powers(people, records, token_client):
    """Someone made archivist after making a token: the token stops working, rather than
    opening everything without the second factor."""
    user = make_user("promoted", roles.RESEARCHER)
    client = token_client(user)
    assert client.get("/api/v1/records/").status_code == 200
    user.groups.add(roles_group(roles.ARCHIVIST))
    assert client.get("/api/v1/records/").status_code == 401
    assert client.get("/api/v1/audit/").status_code == 401


def roles_group(name):
    from django.contrib.auth.models import Group

    return Group.objects.get(name=name)


def test_an_unverified_archivist_session_is_sent_to_the_second_factor(people, records):
    client = APIClient()
    client.force_login(people["archivist"])  # password only, no TOTP
    answer = client.get("/api/v1/audit/")
    assert answer.status_code == 302
    assert "/accounts/verify/" in answer["Location"]


def test_session_writes_need_the_csrf_token(people):
    client = APIClient(enforce_csrf_checks=True)
    sign_in(client, people["researcher"])
    refused = client.post("/api/v1/collections/", {"title": "No token"}, format="json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]


def test_anonymous_bursts_are_throttled(records, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "5/minute", "user": "1000/minute"},
    }
    client = APIClient()
    codes = [client.get("/api/v1/terms/").status_code for _ in range(7)]
    assert codes[:5] == [200] * 5
    assert codes[5:] == [429, 429]
    # A forged X-Forwarded-For does not buy a fresh budget.
    assert client.get("/api/v1/terms/", HTTP_X_FORWARDED_FOR="10.9.9.9").status_code == 429


def test_token_creation_is_throttled_tighter(people, api_for, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            "anon": "100/minute",
            "user": "100/minute",
            "token_create": "2/hour",
        },
    }
    client = api_for(people["lawyer"])
    codes = [
        client.post("/api/v1/tokens/", {"name": f"t{i}"}, format="json").status_code
        for i in range(3)
    ]
    assert codes == [201, 201, 429]


@pytest.mark.parametrize("role", ["anonymous", "researcher", "lawyer"])
def test_the_audit_log_is_404_for_everyone_but_archivists(people, api_for, role):
    assert api_for(people[role]).get("/api/v1/audit/").status_code == 404


def test_lawyers_token_cannot_reach_the_audit_log(people, token_client):
    assert token_client(people["lawyer"]).get("/api/v1/audit/").status_code == 404


def test_archivists_filter_the_audit_log_and_the_reading_is_audited(people, records, api_for):
    lawyer = api_for(people["lawyer"])
    lawyer.get(f"/api/v1/records/{records['restricted'].public_id}/")
    boss = api_for(people["archivist"])
    views = boss.get("/api/v1/audit/", {"action": "record.view", "actor": "law"}).json()
    assert views["count"] == 1
    assert views["results"][0]["target_id"] == records["restricted"].public_id
    assert boss.get("/api/v1/audit/", {"since": "2999-01-01"}).json()["count"] == 0
    assert boss.get("/api/v1/audit/", {"since": "garbage"}).json()["count"] == 0
    assert AuditEntry.objects.filter(
        action=AuditAction.AUDIT_EXPORT, actor=people["archivist"]
    ).count() == 3  # fmt: skip
