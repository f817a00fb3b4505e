"""Idle and absolute sign-out on the server, ending other sessions, the sessions page.

The clock is set before anyone signs in: a session made before the clock moves back would look
signed in from the future.
"""

import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from importlib import import_module
from pathlib import Path

import pytest
import time_machine
from django.conf import settings as django_settings
from django.test import Client as Browser
from django.urls import reverse

from practice.models import AuditAction, AuditEvent
from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
LOGIN = "/accounts/login/"
START = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def session_exists(key: str) -> bool:
    return import_module(django_settings.SESSION_ENGINE).SessionStore().exists(key)


def logouts(user) -> int:
    return AuditEvent.objects.filter(action=AuditAction.LOGOUT, target_id=str(user.pk)).count()


def test_a_therapist_is_signed_out_after_15_idle_minutes(client, clock, alice):
    client.force_login(alice.user)
    assert client.get(reverse("dashboard")).status_code == 200
    clock.shift(timedelta(minutes=14, seconds=59))
    assert client.get(reverse("dashboard")).status_code == 200  # and the idle clock restarts
    clock.shift(timedelta(minutes=15))
    r = client.get(reverse("dashboard"))
    assert r.status_code == 302 and r.url == f"{LOGIN}?next=/dashboard/"
    assert "_auth_user_id" not in client.session
    assert logouts(alice.user) == 1


def test_the_sign_in_page_says_why(client, clock, alice):
    client.force_login(alice.user)
    client.get(reverse("dashboard"))
    clock.shift(timedelta(minutes=15))
    page = client.get(reverse("dashboard"), follow=True)
    assert page.redirect_chain[-1][0].startswith(LOGIN)
    assert "You were signed out after 15 minutes without activity." in page.content.decode()


def test_a_client_has_30_idle_minutes(client, clock, client_user):
    client.force_login(client_user)
    client.get("/")
    clock.shift(timedelta(minutes=29))
    assert client.get(reverse("portal:home")).status_code == 200
    clock.shift(timedelta(minutes=30))
    r = client.get(reverse("portal:home"))
    assert r.status_code == 302 and r.url == f"{LOGIN}?next=/portal/"


def test_staff_and_admins_have_15_minutes(client, clock, staff_user, admin_user):
    for person, page in [(staff_user, "/schedule/"), (admin_user, "/admin/")]:
        browser = Browser()
        browser.force_login(person)
        assert browser.get(page).status_code == 200
        clock.shift(timedelta(minutes=15))
        assert browser.get(page).url == f"{LOGIN}?next={page}"


def test_activity_keeps_the_session_alive(client, clock, alice):
    client.force_login(alice.user)
    for _ in range(12):  # two hours, a request every ten minutes
        clock.shift(timedelta(minutes=10))
        assert client.get(reverse("dashboard")).status_code == 200


def test_every_session_ends_12_hours_after_sign_in_however_active(client, clock, alice):
    client.force_login(alice.user)
    for _ in range(71):  # 11 h 50 min of activity
        clock.shift(timedelta(minutes=10))
        assert client.get(reverse("dashboard")).status_code == 200
    clock.shift(timedelta(minutes=10))
    page = client.get(reverse("dashboard"), follow=True)
    assert page.redirect_chain[0][0] == f"{LOGIN}?next=/dashboard/"
    assert "signed in for 12 hours" in page.content.decode()
    assert logouts(alice.user) == 1


def test_limits_come_from_settings(client, clock, alice, settings):
    settings.SESSION_IDLE_MINUTES_STAFF = 5
    settings.SESSION_ABSOLUTE_HOURS = 1
    client.force_login(alice.user)
    clock.shift(timedelta(minutes=4))
    assert client.get(reverse("dashboard")).status_code == 200
    clock.shift(timedelta(minutes=5))
    assert client.get(reverse("dashboard")).status_code == 302
    client.force_login(alice.user)
    for _ in range(14):  # 56 minutes of activity
        clock.shift(timedelta(minutes=4))
        assert client.get(reverse("dashboard")).status_code == 200
    clock.shift(timedelta(minutes=4))
    assert "signed in for 1 hour." in client.get(reverse("dashboard"), follow=True).content.decode()


def test_the_limits_are_read_from_the_environment(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SESSION_")}
    env.update(
        DJANGO_SETTINGS_MODULE="practice.settings.local",
        PRACTICE_VAR_DIR=str(tmp_path),
        SESSION_IDLE_MINUTES_STAFF="10",
        SESSION_IDLE_MINUTES_CLIENT="20",
        SESSION_ABSOLUTE_HOURS="8",
    )
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_IDLE_MINUTES_STAFF, s.SESSION_IDLE_MINUTES_CLIENT, s.SESSION_ABSOLUTE_HOURS, "
        "s.SESSION_COOKIE_AGE, s.SESSION_EXPIRE_AT_BROWSER_CLOSE)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)  # noqa: S603
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["10", "20", "8", "28800", "True"]


def test_a_real_sign_in_starts_the_clock(client, clock, alice):
    from devdata.demo import current_code

    client.post(LOGIN, {"login": alice.user.email, "password": PASSWORD})
    client.post("/accounts/2fa/authenticate/", {"code": current_code(alice.totp_secret)})
    assert client.get(reverse("dashboard")).status_code == 200
    clock.shift(timedelta(minutes=15))
    assert client.get(reverse("dashboard")).status_code == 302


def test_an_expired_post_does_nothing_and_goes_to_sign_in(clock, client_user):
    here, there = two_browsers(client_user)
    clock.shift(timedelta(minutes=31))
    r = here.post(reverse("usersessions_list"))  # "sign out other sessions", too late
    assert r.status_code == 302 and r.url == LOGIN
    assert session_exists(there.session.session_key)
    assert logouts(client_user) == 1  # the timeout's own sign-out only


def test_anonymous_visitors_are_untouched(client, db):
    r = client.get(LOGIN)
    assert r.status_code == 200 and "signed out" not in r.content.decode()


# --- Other sessions -------------------------------------------------------------------------------


def sign_in(browser: Browser, user, secret: str | None = None) -> None:
    """A real sign-in (force_login has no address, so its session is not registered)."""
    from devdata.demo import current_code

    browser.post(LOGIN, {"login": user.email, "password": PASSWORD})
    if secret:
        browser.post("/accounts/2fa/authenticate/", {"code": current_code(secret)})
    assert browser.get(reverse("usersessions_list")).status_code == 200


def two_browsers(user) -> tuple[Browser, Browser]:
    here, there = Browser(), Browser()
    sign_in(here, user)
    sign_in(there, user)
    return here, there


def test_the_sessions_page_lists_them_and_signs_out_the_others(client_user):
    here, there = two_browsers(client_user)
    page = here.get(reverse("usersessions_list")).content.decode()
    assert page.count("127.0.0.1") == 2 and "Sign Out Other Sessions" in page
    r = here.post(reverse("usersessions_list"))
    assert r.status_code == 302
    assert not session_exists(there.session.session_key)
    assert there.get(reverse("portal:home")).status_code == 302
    assert here.get(reverse("portal:home")).status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.LOGOUT, actor=client_user).count() == 1  # by them, of theirs
    assert logouts(client_user) == 1


def test_every_sign_in_is_registered_whatever_the_road_in(client_user):
    from allauth.usersessions.models import UserSession
    from django.contrib.auth import login
    from django.test import RequestFactory

    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9")
    request.session = import_module(django_settings.SESSION_ENGINE).SessionStore()
    login(request, client_user, backend="practice.auth_backends.ModelBackend")  # the portal invitation's way
    row = UserSession.objects.get(session_key=request.session.session_key)
    assert (row.user, row.ip) == (client_user, "203.0.113.9")


def test_the_sessions_page_needs_sign_in(client, db):
    r = client.get(reverse("usersessions_list"))
    assert r.status_code == 302 and r.url.startswith(LOGIN)


def test_the_navigation_links_to_the_sessions_page(client, client_user):
    client.force_login(client_user)
    assert f'href="{reverse("usersessions_list")}"' in client.get(reverse("portal:home")).content.decode()


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(client_user):
    here, there = two_browsers(client_user)
    other_key = there.session.session_key
    new = "a-brand-new-passphrase-42"
    r = here.post("/accounts/password/change/", {"oldpassword": PASSWORD, "password1": new, "password2": new})
    assert r.status_code == 302
    assert not session_exists(other_key)  # ended, not merely refused on its next request
    assert there.get(reverse("portal:home")).status_code == 302
    assert here.get(reverse("portal:home")).status_code == 200
    assert logouts(client_user) == 1


def test_a_password_reset_ends_every_session(client, client_user, mailoutbox):
    _here, there = two_browsers(client_user)
    other_key = there.session.session_key
    client.post("/accounts/password/reset/", {"email": client_user.email})
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+/)", mailoutbox[0].body).group(1)
    set_password_page = client.get(link).url
    new = "a-brand-new-passphrase-42"
    r = client.post(set_password_page, {"password1": new, "password2": new})
    assert r.status_code == 302
    assert not session_exists(other_key)
    assert there.get(reverse("portal:home")).status_code == 302


def test_deactivation_ends_every_session_and_audits_it(client, clock, admin_user, alice):
    here, there = Browser(), Browser()
    sign_in(here, alice.user, alice.totp_secret)
    clock.shift(timedelta(seconds=31))  # a TOTP code works once: the next one
    sign_in(there, alice.user, alice.totp_secret)
    keys = [here.session.session_key, there.session.session_key]
    client.force_login(admin_user)
    url = reverse("admin:practice_user_changelist")
    r = client.post(url, {"action": "deactivate", "_selected_action": [alice.user.pk]}, follow=True)
    assert "Deactivated 1 account and ended 2 sessions." in r.content.decode()
    assert not any(session_exists(key) for key in keys)
    assert logouts(alice.user) == 2
    assert AuditEvent.objects.filter(action=AuditAction.LOGOUT, actor=admin_user).count() == 2
