"""Headless Debian Chromium driven by Playwright. Skips locally without Chromium; fails in CI."""

import os
import shutil
from pathlib import Path

import pytest

ARTIFACTS = Path(
    os.environ.get("ARCHIVE_ARTIFACTS", Path(__file__).parents[2] / "var" / "artifacts")
)
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    if not path:
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM}; CI must install Debian's chromium.")
        pytest.skip(
            "Browser tests need Debian's chromium (/usr/bin/chromium): apt install chromium"
        )
    return path


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # between page actions are still synchronous, so Django's async guard does not apply.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path,
            headless=True,
            # The machine has no outside network; these stop Chromium phoning home.
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    external = []

    def block_other_hosts(route):
        # Nothing may load from a third-party host; record any attempt and refuse it.
        if not route.request.url.startswith(live_server.url):
            external.append(route.request.url)
            return route.abort()
        return route.continue_()

    context.route("**/*", block_other_hosts)
    page = context.new_page()
    yield page
    context.close()
    assert external == [], f"page tried to load from other hosts: {external}"


@pytest.fixture
def screenshot(page, request):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = ARTIFACTS / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


BROWSER_PASSWORD = "correct horse battery staple"


@pytest.fixture
def archivist_session(page, live_server):
    """Sign an archivist in through the real pages: password, then the authenticator code."""

    def sign_in(username: str = "keeper", next_path: str = "/admin/", superuser: bool = False):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group

        from archive import roles
        from tests.factories import enrol_totp, totp_code

        users = get_user_model().objects
        if superuser:
            user = users.create_superuser(username=username, password=BROWSER_PASSWORD)
        else:
            user = users.create_user(username=username, password=BROWSER_PASSWORD, is_staff=True)
            user.groups.add(Group.objects.get(name=roles.ARCHIVIST))
        device = enrol_totp(user)
        page.goto(f"/accounts/login/?next={next_path}")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(BROWSER_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/accounts/verify/**")
        page.get_by_label("Six-digit code").fill(totp_code(device))
        page.get_by_role("button", name="Verify").click()
        page.wait_for_url(f"**{next_path}")
        return page

    return sign_in


@pytest.fixture
def reader_session(page):
    """Sign a lawyer or researcher (no second factor) in through the real sign-in page."""

    def sign_in(username: str, role: str, next_path: str = "/"):
        from tests.factories import make_user

        user = make_user(username, role)
        user.set_password(BROWSER_PASSWORD)
        user.save()
        page.goto(f"/accounts/login/?next={next_path}")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(BROWSER_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"**{next_path}")
        return user

    return sign_in
