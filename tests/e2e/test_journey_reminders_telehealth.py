"""Journeys (issue 19): a therapist sets when her clients are reminded and one member's own schedule,
in the app; a client joins a video session on a phone, saying where they are, and the therapist
sees it; and the email layout as a client receives it (docs/screenshots/email.png)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from outbox import services as outbox
from outbox.models import Notification
from sessions_app import services
from sessions_app.models import Attendance, Modality, ReminderSchedule
from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD, ClientFactory, portal_user_for, sign_for_video


@pytest.fixture
def noor(alice):
    unit = ClientFactory(primary_therapist=alice)
    member = unit.members.get()
    member.first_name, member.last_name = "Noor", "Haddad"
    member.save(update_fields=["first_name", "last_name"])
    portal_user_for(member)
    sign_for_video(unit)
    return member


@pytest.mark.django_db(transaction=True)
def test_a_therapist_sets_reminders_for_her_clients_and_for_one_member(page, shoot, alice, noor):
    sign_in(page, alice.user.email, PASSWORD, alice.totp_secret)
    page.goto(reverse("sessions_app:reminder_settings"))
    form = page.locator("form").filter(has=page.get_by_role("heading", name="Your clients' schedule"))
    form.get_by_label("Use the schedule above (no override)").uncheck()
    form.get_by_label("Send reminders by").select_option(label="Email only")
    form.get_by_label("Hours before the session").fill("24, 3")
    form.get_by_role("button", name="Save your schedule").click()
    page.get_by_text("Reminder schedule saved").wait_for()
    assert ReminderSchedule.objects.get(therapist=alice).hours == [24, 3]

    page.goto(reverse("clients:detail", args=[noor.client_id]))
    page.get_by_text("Noor: Email only, 24 h, 3 h before").wait_for()
    page.get_by_role("link", name="Change reminders for Noor").click()
    page.get_by_label("Use the schedule above (no override)").uncheck()
    page.get_by_label("Send reminders by").select_option(label="No reminders")
    shoot(page, "therapist-reminders")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Noor: No reminders").wait_for()
    assert ReminderSchedule.objects.get(member=noor).mode == "off"


@pytest.mark.django_db(transaction=True)
def test_a_client_joins_a_video_session_and_the_therapist_sees_where_they_are(
    phone, page, shoot, alice, noor, settings
):
    settings.TELEHEALTH_ROOM_PATTERN = "https://meet.example.org/{room}"
    start = timezone.now().replace(second=0, microsecond=0) + timedelta(minutes=5)
    session = services.appointment_book(
        therapist=alice, client=noor.client, members=[noor], start=start, by=alice.user, modality=Modality.VIDEO
    )
    sign_in(phone, noor.user.email, PASSWORD)
    phone.goto(reverse("portal:home"))
    phone.get_by_role("link", name="Join the video session").first.click()
    phone.get_by_label("Where are you now? (state or country)").fill("Ontario, Canada")
    phone.get_by_role("button", name="Continue to the room").click()
    link = phone.get_by_role("link", name="Join the video room")
    assert link.get_attribute("href") == f"https://meet.example.org/{session.video_room}"
    shoot(phone, "client-join-video")
    assert Attendance.objects.get(appointment=session).location == "Ontario, Canada"

    sign_in(page, alice.user.email, PASSWORD, alice.totp_secret)
    page.goto(reverse("sessions_app:appointment", args=[session.pk]))
    page.get_by_text("Noor: Ontario, Canada").wait_for()
    assert page.get_by_role("link", name="Join the video room").get_attribute("href").endswith(session.video_room)


@pytest.mark.django_db(transaction=True)
def test_the_email_layout_as_a_client_receives_it(page, shoot, alice, noor, settings):
    from clients.models import Consent

    Consent.objects.create(client=noor.client, member=noor, kind="reminders_email", recorded_by=alice.user)
    services.appointment_book(
        therapist=alice,
        client=noor.client,
        members=[noor],
        start=timezone.now() + timedelta(days=3),
        by=alice.user,
        modality=Modality.VIDEO,
    )
    row = Notification.objects.get(kind="appointment_booked")
    message = outbox._build(row)
    assert "Confirm you are coming" in message.html and message.text.strip()
    page.set_content(message.html)
    page.get_by_role("link", name="Confirm you are coming").wait_for()
    shoot(page, "email")
