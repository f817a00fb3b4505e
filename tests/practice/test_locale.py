"""Dates and times in the viewer's format, a per-user language and format choice, and the i18n
set-up (LocaleMiddleware, LANGUAGES, a locale/ folder makemessages writes to)."""

from datetime import UTC, date, datetime

import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from practice import locale
from practice.models import AuditAction, AuditEvent

AT = datetime(2026, 12, 31, 14, 30, tzinfo=UTC)


def render(text: str, **context) -> str:
    return Template("{% load dates %}" + text).render(Context(context))


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        (locale.DMY, "31 Dec 2026 · 31 Dec 2026, 14:30 · 14:30 · 31/12/2026"),
        (locale.MDY, "Dec 31, 2026 · Dec 31, 2026, 2:30 PM · 2:30 PM · 12/31/2026"),
        (locale.YMD, "2026-12-31 · 2026-12-31 14:30 · 14:30 · 2026-12-31"),
    ],
)
def test_each_style_writes_dates_its_own_way(style, expected):
    token = locale.activate_style(style)
    try:
        with timezone.override("UTC"):
            out = render(
                '{{ d|day }} · {{ t|when }} · {{ t|clock }} · {{ d|local:"short" }}', d=date(2026, 12, 31), t=AT
            )
    finally:
        locale.reset_style(token)
    assert out == expected


def test_day_month_year_unless_the_person_chose_us_english_or_another_format():
    assert locale.style_for(date_style="", language="") == ""
    assert locale.style_for(date_style="", language="en-gb") == ""
    assert locale.style_for(date_style="", language="en-us") == locale.MDY
    assert locale.style_for(date_style=locale.YMD, language="en-us") == locale.YMD  # their own choice wins
    assert locale.current_style() == locale.DMY  # the practice's (en-gb)
    with translation.override("en-us"):
        assert locale.current_style() == locale.DMY  # a browser saying en-US does not switch it


def test_times_are_shown_in_the_viewers_zone():
    with timezone.override("America/New_York"):
        assert render("{{ t|when }}", t=AT) == "31 Dec 2026, 09:30"
    assert render("{{ t|when }}", t=None) == ""


def test_an_unknown_style_falls_back_to_the_default():
    token = locale.activate_style("nonsense")
    try:
        assert locale.current_style() == locale.DMY
    finally:
        locale.reset_style(token)


def test_i18n_is_set_up():
    middleware = settings.MIDDLEWARE
    assert "django.middleware.locale.LocaleMiddleware" in middleware
    assert middleware.index("django.middleware.locale.LocaleMiddleware") > middleware.index(
        "django.contrib.sessions.middleware.SessionMiddleware"
    )
    assert middleware.index("practice.middleware.UserLocaleMiddleware") > middleware.index(
        "django.contrib.auth.middleware.AuthenticationMiddleware"
    )
    assert settings.USE_I18N and ("en-gb", "English (UK)") in [tuple(x) for x in settings.LANGUAGES]
    assert (settings.BASE_DIR / "locale").is_dir() and settings.LOCALE_PATHS == [settings.BASE_DIR / "locale"]


def test_the_account_page_saves_language_and_format(client, alice):
    client.force_login(alice.user)
    page = client.get(reverse("practice:preferences"))
    assert page.status_code == 200 and "Sign-in sessions" in page.content.decode()
    r = client.post(reverse("practice:preferences"), {"language": "en-us", "date_style": "ymd"})
    alice.user.refresh_from_db()
    assert r.status_code == 302 and (alice.user.language, alice.user.date_style) == ("en-us", "ymd")
    assert AuditEvent.objects.filter(actor=alice.user, action=AuditAction.UPDATE, target_type="practice.user").exists()
    page = client.get(reverse("practice:preferences")).content.decode()
    assert '<html lang="en-us" data-clock="24">' in page  # year-month-day was chosen: a 24-hour clock
    assert client.get(reverse("dashboard")).headers["Content-Language"] == "en-us"


def test_the_chosen_format_reaches_the_pages(client, alice, solo):
    member = solo.members.get()
    member.date_of_birth = date(1990, 3, 4)
    member.save(update_fields=["date_of_birth"])
    client.force_login(alice.user)
    assert "Born 4 Mar 1990" in client.get(reverse("clients:detail", args=[solo.pk])).content.decode()
    client.post(reverse("practice:preferences"), {"language": "", "date_style": "mdy"})
    assert "Born Mar 4, 1990" in client.get(reverse("clients:detail", args=[solo.pk])).content.decode()
    client.post(reverse("practice:preferences"), {"language": "en-us", "date_style": ""})
    body = client.get(reverse("clients:detail", args=[solo.pk])).content.decode()
    assert "Born Mar 4, 1990" in body and '<html lang="en-us" data-clock="12">' in body


def test_the_browser_language_is_used_when_the_person_chose_none(client, alice):
    client.force_login(alice.user)
    page = client.get(reverse("dashboard"), headers={"accept-language": "en-US,en;q=0.8"}).content.decode()
    assert '<html lang="en-us" data-clock="24">' in page  # the language, not the US date order
    page = client.get(reverse("dashboard"), headers={"accept-language": "de-DE"}).content.decode()
    assert '<html lang="en-gb" data-clock="24">' in page  # not offered: the practice's language


@pytest.mark.parametrize("data", [{"language": "xx", "date_style": ""}, {"language": "", "date_style": "dd"}])
def test_a_choice_not_offered_is_refused(client, alice, data):
    client.force_login(alice.user)
    r = client.post(reverse("practice:preferences"), data)
    alice.user.refresh_from_db()
    assert r.status_code == 400 and "Select a valid choice" in r.content.decode()
    assert (alice.user.language, alice.user.date_style) == ("", "")


def test_the_account_page_needs_sign_in_and_refuses_other_methods(client, alice):
    assert client.get(reverse("practice:preferences")).status_code == 302
    client.force_login(alice.user)
    assert client.put(reverse("practice:preferences")).status_code == 405


def test_every_role_has_the_account_page(client, staff_user, solo):
    from tests.factories import portal_user_for

    for user in (staff_user, portal_user_for(solo.members.get())):
        client.force_login(user)
        assert client.get(reverse("practice:preferences")).status_code == 200


def test_the_catalogue_holds_the_text_marked_in_the_main_pages():
    """locale/en_GB/LC_MESSAGES/django.po, written by `make messages`: run it again when this fails."""
    import re

    po = (settings.BASE_DIR / "locale" / "en_GB" / "LC_MESSAGES" / "django.po").read_text()
    ids = set(re.findall(r'^msgid "(.+)"$', po, flags=re.M))
    marked = {
        "Skip to content",  # base.html
        "Sign-in sessions",  # the account menu
        "My appointments",  # the client's navigation
        "Book",
        "Today's sessions",  # the dashboard
        "Sections of the record",  # the client page
        "Start from a template",  # the note form
        "The practice's zone",  # the time-zone choice
        "Language and date format",  # the account page
    }
    assert marked <= ids, marked - ids
