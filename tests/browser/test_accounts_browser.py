"""Accounts in a real browser: an invitation, enrolling an authenticator, signing in with
the code, the account page, changing the password, and what the browser is told to allow."""

import pytest
from django.contrib.auth import get_user_model

from archive import roles
from archive.services import accounts as account_services
from tests.factories import make_user, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "orchard lantern ribbon 7"


@pytest.fixture
def csp_violations(page):
    """Console errors about the Content-Security-Policy: there must be none."""
    seen = []
    page.on("console", lambda m: seen.append(m.text) if "Content Security Policy" in m.text else 0)
    return seen


def test_an_invited_archivist_activates_enrols_and_reaches_the_admin(
    page, live_server, screenshot, csp_violations
):
    boss = make_user("boss", roles.ARCHIVIST)
    _, token = account_services.invite(username="nadira", role=roles.ARCHIVIST, by=boss)

    page.goto(f"/accounts/invitation/{token}/")
    screenshot("invitation")
    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("New password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Activate account").click()
    page.wait_for_selector("text=Your account is ready")

    page.get_by_role("link", name="Sign in").last.click()
    page.get_by_label("Username").fill("nadira")
    page.get_by_label("Password").fill(PASSWORD)
    # Under Referrer-Policy: no-referrer Chromium sends Origin: null; the post still works.
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/accounts/two-factor/**")
    assert page.locator(".qr svg").is_visible()
    screenshot("two-factor-setup")
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user__username="nadira")
    page.get_by_label("Six-digit code").fill(totp_code(device))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/accounts/")
    assert "on" in page.locator("dd").nth(2).inner_text()
    screenshot("account")
    page.goto("/admin/")
    assert page.locator("#site-name").is_visible()
    assert csp_violations == []


def test_a_lawyer_changes_the_password_and_signs_out(page, live_server, screenshot):
    make_user("counsel", roles.LAWYER)
    page.goto("/accounts/login/")
    screenshot("login")
    page.get_by_label("Username").fill("counsel")
    page.get_by_label("Password").fill("a long test passphrase 42")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/accounts/")
    assert "lawyer" in page.locator(".meta-list").inner_text()
    page.get_by_role("link", name="Change password").click()
    page.get_by_label("Old password").fill("a long test passphrase 42")
    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("New password confirmation").fill(PASSWORD)
    screenshot("password-change")
    page.get_by_role("button", name="Change password").click()
    page.wait_for_url("**/accounts/")
    assert get_user_model().objects.get(username="counsel").check_password(PASSWORD)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/")


def test_repeated_wrong_passwords_pause_sign_in(page, live_server, screenshot):
    make_user("target", roles.RESEARCHER)
    for _ in range(5):
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill("target")
        page.get_by_label("Password").fill("not the password")
        page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("text=Sign-in is paused")
    screenshot("locked-out")


@pytest.mark.parametrize(
    ("username", "role", "needs_second_factor"),
    [("counsel-new", roles.LAWYER, False), ("curator-new", roles.ARCHIVIST, True)],
)
def test_an_archivist_invites_through_the_admin_and_the_invitee_signs_in(
    page, live_server, archivist_session, screenshot, username, role, needs_second_factor
):
    archivist_session(next_path="/admin/archive/invitation/add/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Role").select_option(role)
    screenshot("invite-form")
    page.get_by_role("button", name="Save", exact=True).click()
    link = page.locator("#invitation-link").input_value()
    assert username in page.locator("#content").inner_text()
    screenshot("invite-link")
    page.get_by_role("button", name="Log out").click()

    page.goto(link)
    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("New password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Activate account").click()
    page.wait_for_selector("text=Your account is ready")
    page.get_by_role("link", name="Sign in").last.click()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if needs_second_factor:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        page.wait_for_url("**/accounts/two-factor/**")
        device = TOTPDevice.objects.get(user__username=username)
        page.get_by_label("Six-digit code").fill(totp_code(device))
        page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/accounts/")
    assert role in page.locator(".meta-list").inner_text()
    screenshot("invitee-account")


def test_a_right_code_just_after_a_wrong_one_is_explained_and_then_accepted(
    page, live_server, settings, screenshot
):
    settings.OTP_TOTP_THROTTLE_FACTOR = 3  # a wait long enough to be hit on a slow machine
    make_user("curator", roles.ARCHIVIST)
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("curator")
    page.get_by_label("Password").fill("a long test passphrase 42")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/accounts/two-factor/**")
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user__username="curator")
    right = totp_code(device)
    page.get_by_label("Six-digit code").fill(f"{(int(right) + 1) % 1_000_000:06d}")
    page.get_by_role("button", name="Confirm").click()
    error = page.locator(".field .error").inner_text()
    assert "not the one the app shows now" in error and "clock" not in error

    page.get_by_label("Six-digit code").fill(totp_code(device))
    page.get_by_role("button", name="Confirm").click()
    error = page.locator(".field .error").inner_text()
    screenshot("not-checked")
    assert "was not checked" in error and "Wait" in error and "clock" not in error

    page.wait_for_timeout(3200)
    page.get_by_label("Six-digit code").fill(totp_code(device))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/accounts/")
