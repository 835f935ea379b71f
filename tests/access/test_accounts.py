"""Accounts: invitation only, a second factor for archivists, lockout, Argon2, passwords,
session expiry, and the hardening every response carries."""

import time

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.test import Client, override_settings
from django.utils import timezone

from archive import roles
from archive.middleware import SIGNED_IN_AT
from archive.models import AuditEntry, Invitation
from archive.services import accounts as account_services
from tests.factories import enrol_totp, make_user, totp_code
from tests.search.helpers import indexed_record

pytestmark = pytest.mark.django_db
PASSWORD = "a long test passphrase 42"
NEW_PASSWORD = "orchard lantern ribbon 7"


@pytest.fixture
def boss():
    return make_user("boss", roles.ARCHIVIST)


def test_there_is_no_self_registration():
    client = Client()
    for path in ("/accounts/register/", "/accounts/signup/", "/register/"):
        assert client.get(path).status_code == 404


def test_an_invitation_activates_an_account_once(boss):
    invitation, token = account_services.invite(username="ayla", role="lawyer", by=boss)
    user = invitation.user
    assert not user.is_active and not user.has_usable_password()
    assert Invitation.objects.get().token_digest != token  # only the digest is stored
    client = Client()
    page = client.get(f"/accounts/invitation/{token}/")
    assert page.status_code == 200 and "ayla" in page.content.decode()
    # Weak passwords are refused with the reason.
    weak = client.post(
        f"/accounts/invitation/{token}/",
        {"new_password1": "aaaaaaaaaaaaaa", "new_password2": "aaaaaaaaaaaaaa"},
    )
    assert "different characters" in weak.content.decode()
    done = client.post(
        f"/accounts/invitation/{token}/",
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done.status_code == 200
    user.refresh_from_db()
    assert user.is_active and user.check_password(NEW_PASSWORD)
    assert list(user.groups.values_list("name", flat=True)) == ["lawyer"]
    # Argon2 is the hasher new passwords get (the test settings use a fast one instead).
    from django.conf import settings

    from config.settings import base

    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert settings.PASSWORD_HASHERS != base.PASSWORD_HASHERS  # the speed-up is test-only
    again = client.get(f"/accounts/invitation/{token}/")
    assert again.status_code == 404 and "does not work" in again.content.decode()
    assert AuditEntry.objects.filter(action="account.change", target_id=str(user.pk)).count() == 2


def test_argon2_hashes_and_verifies():
    hasher = Argon2PasswordHasher()
    encoded = hasher.encode(NEW_PASSWORD, hasher.salt())
    assert encoded.startswith("argon2$argon2id$")
    assert hasher.verify(NEW_PASSWORD, encoded) and not hasher.verify("other", encoded)


def test_an_expired_invitation_does_not_work(boss):
    invitation, token = account_services.invite(username="old", role="", by=boss)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    response = Client().post(
        f"/accounts/invitation/{token}/",
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 404
    assert not get_user_model().objects.get(username="old").is_active


def test_only_archivists_invite():
    lawyer = make_user("law", roles.LAWYER)
    with pytest.raises(Exception, match="Only archivists"):
        account_services.invite(username="x", role="archivist", by=lawyer)
    assert not get_user_model().objects.filter(username="x").exists()


def test_archivists_need_their_second_factor_before_anything_else():
    keeper = make_user("keeper", roles.ARCHIVIST)
    device = enrol_totp(keeper)
    record = indexed_record("Confidential words.", access_level="confidential")
    client = Client()
    response = client.post("/accounts/login/", {"username": "keeper", "password": PASSWORD})
    assert response.status_code == 302
    # Signed in with the password only: every page sends them to the code, and the policy
    # does not treat them as an archivist meanwhile.
    for path in ("/admin/", record.get_absolute_url(), "/search/?q=confidential"):
        step = client.get(path)
        assert step.status_code == 302 and step["Location"].startswith("/accounts/verify/")
    wrong = client.post("/accounts/verify/", {"token": "000000"})
    assert "not the one the app shows now" in wrong.content.decode()
    assert AuditEntry.objects.filter(action="auth.login_failed", actor=keeper).exists()
    device.refresh_from_db()
    device.throttle_reset()  # django-otp makes the next try wait after a wrong code
    ok = client.post("/accounts/verify/", {"token": totp_code(device), "next": "/admin/"})
    assert ok.status_code == 302 and ok["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.get(record.get_absolute_url()).status_code == 200


def test_an_archivist_without_a_device_enrols_first():
    make_user("fresh", roles.ARCHIVIST)
    client = Client()
    client.post("/accounts/login/", {"username": "fresh", "password": PASSWORD})
    verify = client.get("/accounts/verify/")
    assert verify.status_code == 302 and verify["Location"].startswith("/accounts/two-factor/")
    page = client.get(verify["Location"])
    body = page.content.decode()
    assert "<svg" in body and "secret" in body  # the QR code is drawn here, not fetched
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user__username="fresh")
    assert not device.confirmed
    done = client.post("/accounts/two-factor/", {"token": totp_code(device)})
    assert done.status_code == 302
    device.refresh_from_db()
    assert device.confirmed and client.get("/admin/").status_code == 200


def test_lawyers_and_researchers_sign_in_with_a_password():
    make_user("counsel", roles.LAWYER)
    client = Client()
    client.post("/accounts/login/", {"username": "counsel", "password": PASSWORD})
    page = client.get("/accounts/")
    assert page.status_code == 200 and "lawyer" in page.content.decode()


def test_brute_force_sign_in_is_locked_out():
    make_user("target", roles.LAWYER)
    client = Client(REMOTE_ADDR="198.51.100.7")
    for _ in range(4):
        response = client.post("/accounts/login/", {"username": "target", "password": "guess"})
        assert response.status_code == 200  # the form, with its error
    fifth = client.post("/accounts/login/", {"username": "target", "password": "guess"})
    assert fifth.status_code == 429
    locked = client.post("/accounts/login/", {"username": "target", "password": PASSWORD})
    assert locked.status_code == 429 and "paused" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # Another address trying the same username is locked out too.
    other = Client(REMOTE_ADDR="192.0.2.44")
    assert (
        other.post("/accounts/login/", {"username": "target", "password": PASSWORD}).status_code
        == 429
    )
    assert AuditEntry.objects.filter(action="auth.login_failed").count() >= 5
    locked_entries = AuditEntry.objects.filter(action="auth.locked_out")
    assert locked_entries.exists() and locked_entries.first().detail == {"username": "target"}


def test_sessions_end_after_the_maximum_lifetime(settings):
    user = make_user("reader")
    client = Client()
    client.force_login(user)
    assert time.time() - client.session[SIGNED_IN_AT] < 60  # the clock starts at sign-in
    assert client.get("/accounts/").status_code == 200
    session = client.session
    session[SIGNED_IN_AT] = time.time() - settings.SESSION_MAX_SECONDS - 1
    session.save()
    response = client.get("/accounts/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.get("/accounts/").status_code == 302  # signed out for good
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE and settings.SESSION_SAVE_EVERY_REQUEST
    assert settings.SESSION_COOKIE_AGE <= 60 * 60


def test_every_page_carries_the_hardening_headers():
    response = Client().get("/search/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_form_posts_pass_csrf_under_no_referrer_only_from_our_own_origin():
    make_user("counsel", roles.LAWYER)
    client = Client(enforce_csrf_checks=True)
    token = client.get("/accounts/login/").cookies["csrftoken"].value
    data = {"username": "counsel", "password": PASSWORD, "csrfmiddlewaretoken": token}
    # A null origin with cross-site fetch metadata: another site's form.
    forged = client.post(
        "/accounts/login/", data, HTTP_ORIGIN="null", HTTP_SEC_FETCH_SITE="cross-site"
    )
    assert forged.status_code == 403 and "expired" in forged.content.decode()
    assert "Origin" not in forged.content.decode()  # the reason stays out of the page
    evil = client.post("/accounts/login/", data, HTTP_ORIGIN="https://evil.example")
    assert evil.status_code == 403
    ours = client.post(
        "/accounts/login/", data, HTTP_ORIGIN="null", HTTP_SEC_FETCH_SITE="same-origin"
    )
    assert ours.status_code == 302


@override_settings(DEBUG=False)
def test_error_pages_reveal_nothing():
    response = Client().get("/records/T-999999/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "T-999999" not in body and "Traceback" not in body and "Page not found" in body


def test_the_account_page_needs_a_sign_in():
    response = Client().get("/accounts/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_two_factor_setup_is_private(boss):
    # Setting up shows the secret: the page must not be cached anywhere.
    client = Client()
    client.force_login(make_user("newcomer"))
    response = client.get("/accounts/two-factor/")
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
