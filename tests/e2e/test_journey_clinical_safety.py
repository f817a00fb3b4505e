"""Journey 6 in a real Chromium: a client's risk answer reaches the therapist's dashboard at once, the
client sees the crisis text, and a note the therapist is writing survives the idle sign-out."""

import time
from datetime import timedelta
from importlib import import_module

import pytest
from django.conf import settings
from django.urls import reverse

from clients.models import Note, RiskAlert
from devdata.demo import current_code
from practice.models import PracticeSettings
from practice.session_security import LAST_ACTIVITY
from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD, ClientFactory, portal_user_for

NOTE_TEXT = "Discussed the week; agreed a safety plan and a call on Thursday."


def idle_for(page, minutes: int) -> None:
    """Make the server's idle clock say the browser's session was last active `minutes` ago."""
    key = next(c["value"] for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME)
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key=key)
    session[LAST_ACTIVITY] = int(time.time()) - minutes * 60
    session.save()


def next_totp_window() -> None:
    """A code is accepted once: signing in again waits for the next 30-second code."""
    time.sleep(30 - time.time() % 30 + 1)


@pytest.mark.django_db(transaction=True)
def test_a_risk_answer_reaches_the_dashboard_and_a_note_survives_the_idle_sign_out(page, phone, shoot, alice):
    row = PracticeSettings.current()
    row.crisis_text = "Call 999 if you are in danger now.\nSamaritans: 116 123, any time."
    row.save()
    unit = ClientFactory(primary_therapist=alice)
    member = unit.members.get()
    member.first_name = member.preferred_name = "Jordan"
    member.save(update_fields=["first_name", "preferred_name"])
    portal_user_for(member)

    # The client answers the intake's safety questions and sends it.
    sign_in(phone, member.user.email, PASSWORD)
    phone.wait_for_url("**/portal/")
    phone.goto(reverse("portal:intake"))
    phone.locator("input[name=risk_self_harm][value=yes]").check()
    for question in ("risk_harm_to_others", "risk_unsafe_at_home"):
        phone.locator(f"input[name={question}][value=no]").check()
    phone.get_by_role("button", name="Send to my therapist").click()
    phone.get_by_role("heading", name="If you are in danger now").wait_for()
    phone.get_by_text("Samaritans: 116 123, any time.").wait_for()
    shoot(phone, "client-crisis-text")
    assert RiskAlert.objects.filter(client=unit, acknowledged_at=None).count() == 1

    # The therapist sees it at the top of the dashboard.
    sign_in(page, alice.user.email, PASSWORD, alice.totp_secret)
    page.wait_for_url("**/dashboard/")
    page.get_by_role("heading", name="Urgent").wait_for()
    assert unit.reference in page.locator("#alerts-heading").locator("..").inner_text()
    shoot(page, "therapist-risk-alert")

    # She starts a note; the draft is saved as she types.
    page.goto(reverse("clients:note_create", args=[unit.pk]))
    page.locator("textarea[name=body]").fill(NOTE_TEXT)
    page.get_by_text("Draft saved").wait_for()

    # Thirteen minutes later the idle warning comes; she stays signed in.
    page.clock.install()
    idle_for(page, 14)
    page.clock.run_for(timedelta(minutes=13, seconds=30).seconds * 1000)
    banner = page.locator("#idle-warning")
    banner.wait_for(state="visible")
    shoot(page, "therapist-idle-warning")
    banner.get_by_role("button", name="Stay signed in").click()
    banner.wait_for(state="hidden")

    # Then she is away too long, and saves: she is signed out, and nothing is lost.
    idle_for(page, 20)
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url("**/accounts/login/**")
    page.get_by_text("What you were writing was kept").wait_for()
    assert not Note.objects.filter(client=unit).exists()

    next_totp_window()
    page.get_by_label("Email").fill(alice.user.email)  # on the sign-in page it was sent to: back to the note
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_label("Code", exact=True).fill(current_code(alice.totp_secret))
    page.locator("form button[type=submit]").first.click()
    page.get_by_text("We kept what you were writing when you were signed out").wait_for()
    assert page.locator("textarea[name=body]").input_value() == NOTE_TEXT
    shoot(page, "therapist-note-kept")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url("**/notes/**")
    assert Note.objects.get(client=unit).body == NOTE_TEXT
