"""Browser journeys: Debian's Chromium driven by Playwright against pytest-django's live server.

Screenshots go to var/screenshots/ (or SCREENSHOT_DIR: `make screenshots` writes docs/screenshots/).
"""

import os
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

# Playwright's sync API runs an event loop in this thread; the ORM calls in these tests are plain
# synchronous test code, so Django's async-safety guard is lifted for this package only.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport=DESKTOP, base_url=live_server.url)
    context.set_default_timeout(15000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(viewport=PHONE, base_url=live_server.url, is_mobile=True, has_touch=True)
    context.set_default_timeout(15000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def shoot():
    folder = Path(os.environ.get("SCREENSHOT_DIR", ROOT / "var" / "screenshots"))
    folder.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def sign_in(page, email: str, password: str, totp_secret: str | None = None) -> None:
    from devdata.demo import current_code

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    if not totp_secret:
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return
    # Wait until the second step has finished before the caller navigates: a goto while the code's
    # POST is in flight aborts it and leaves the sign-in half done. A code typed at the very end of
    # its 30-second window can arrive expired: then wait for the next window and type the new one.
    for _attempt in range(3):
        page.get_by_label("Code", exact=True).fill(current_code(totp_secret))
        page.locator("form button[type=submit]").first.click()
        try:
            page.wait_for_url(lambda url: "/accounts/2fa/authenticate/" not in url, timeout=10000)
            return
        except PlaywrightTimeout:
            time.sleep(mfa_period_left())
    raise AssertionError("the TOTP step did not accept three consecutive codes")


def mfa_period_left() -> float:
    from allauth.mfa import app_settings as mfa_settings

    period = mfa_settings.TOTP_PERIOD
    return period - (time.time() % period) + 0.5


@pytest.fixture(autouse=True)
def starter_documents(request):
    """The data the migrations load (the starter consent documents, the billing services, the
    concerns, the starter note templates): every journey here is a transactional test, and an
    earlier one's flush empties them."""
    if "live_server" not in request.fixturenames:
        return
    request.getfixturevalue("transactional_db")
    import importlib

    from django.apps import apps

    for data_migration in (
        "documents.migrations.0002_starter_documents",
        "billing.migrations.0002_starter_services",
        "clients.migrations.0002_concern_taxonomy",
        "clients.migrations.0016_starter_note_templates",
    ):
        importlib.import_module(data_migration).load(apps, None)


def show_times(page) -> None:
    """On the portal's booking page: show the chosen kind's free times, and the next week's if this
    week has none left. The click returns once the answer starts loading; `wait_for_url` waits for it
    to load, so "No free times" is looked for on the answer, not on the page before it."""
    page.get_by_role("button", name="Show times").click()
    page.wait_for_url(re.compile(r"[?&]modality="))
    if page.get_by_text("No free times this week").count():
        page.get_by_role("link", name="Try the next week").click()
