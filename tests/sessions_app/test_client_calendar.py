"""Calendars for clients: invitations attached to the emails (iTIP REQUEST and CANCEL, a stable UID
per session, SEQUENCE rising with each move, the member's zone, neutral titles), parsed with
`icalendar`; and each member's private, revocable feed."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from icalendar import Calendar

from clients import services as clients
from clients.models import Consent
from practice.models import AuditAction, AuditEvent
from sessions_app import services
from sessions_app.models import Modality, Series
from tests.factories import portal_user_for, sign_for_video

START = datetime(2027, 1, 8, 10, 0, tzinfo=UTC)  # Friday 10:00 London, four days after `monday`
BANNED = ("therap", "sex", "intimacy", "Session C-")


def consent(member):
    Consent.objects.create(
        client=member.client,
        member=member,
        kind=Consent.Kind.REMINDERS_EMAIL,
        recorded_by=member.client.primary_therapist.user,
    )


@pytest.fixture
def member(solo):
    person = solo.members.get()
    consent(person)
    clients.member_update(member=person, by=solo.primary_therapist.user, time_zone="America/New_York")
    sign_for_video(solo)
    return person


def book(member, start=START, **kwargs):
    therapist = member.client.primary_therapist
    return services.appointment_book(
        therapist=therapist,
        client=member.client,
        members=[member],
        start=start,
        by=therapist.user,
        modality=Modality.VIDEO,
        **kwargs,
    )


def invitations(mailoutbox) -> list[tuple[str, Calendar]]:
    """(subject, parsed invitation) for every email sent with one."""
    found = []
    for email in mailoutbox:
        for filename, content, mimetype in email.attachments:
            if mimetype.startswith("text/calendar"):
                assert filename == "invite.ics"
                calendar = Calendar.from_ical(content)
                assert f"method={calendar['METHOD']}" in mimetype
                found.append((email.subject, calendar))
    return found


def event(calendar):
    (found,) = calendar.walk("VEVENT")
    return found


def test_the_confirmation_carries_a_request_in_the_members_zone(member, monday, mailoutbox, deliver):
    appointment = book(member)
    deliver()
    ((subject, calendar),) = invitations(mailoutbox)
    assert subject.startswith("Your therapy session") and calendar["METHOD"] == "REQUEST"
    booked = event(calendar)
    assert str(booked["UID"]) == f"appointment-{appointment.pk}@practice" and booked["SEQUENCE"] == 0
    assert booked["DTSTART"].dt == START and booked["DTSTART"].params["TZID"] == "America/New_York"
    assert booked["DTEND"].dt == START + timedelta(hours=1)
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["America/New_York"]
    assert str(booked["SUMMARY"]) == f"Appointment with {appointment.therapist.display_name}"
    assert str(booked["STATUS"]) == "CONFIRMED" and str(booked["CLASS"]) == "PRIVATE"
    assert str(booked["ATTENDEE"]) == f"mailto:{member.email}" and booked["LOCATION"] == "Video"


def test_each_move_sends_the_same_uid_with_a_higher_sequence_and_names_both_times(
    alice, member, monday, mailoutbox, deliver
):
    appointment = book(member)
    deliver()
    services.appointment_move(appointment=appointment, start=START + timedelta(hours=2), by=alice.user, via="calendar")
    deliver()
    services.appointment_move(appointment=appointment, start=START + timedelta(days=1), by=alice.user, via="calendar")
    deliver()
    events = [event(calendar) for _subject, calendar in invitations(mailoutbox)]
    assert {str(e["UID"]) for e in events} == {f"appointment-{appointment.pk}@practice"}
    assert [e["SEQUENCE"] for e in events] == [0, 1, 2]
    assert [e["DTSTART"].dt for e in events] == [START, START + timedelta(hours=2), START + timedelta(days=1)]
    moved = mailoutbox[-1]
    assert "It was on Friday 8 January 2027 at 07:00 (America/New_York time)" in moved.body
    assert "it is now on Saturday 9 January 2027 at 05:00 (America/New_York time)" in moved.body


def test_a_cancellation_sends_cancel_for_the_same_event(alice, member, monday, mailoutbox, deliver):
    appointment = book(member)
    services.appointment_move(appointment=appointment, start=START + timedelta(hours=2), by=alice.user, via="calendar")
    services.appointment_cancel(appointment=appointment, by=alice.user, via="calendar")
    deliver()
    ((subject, calendar),) = invitations(mailoutbox)  # booked and moved were no longer wanted
    assert subject.startswith("Your therapy session") and "cancelled" in subject
    assert calendar["METHOD"] == "CANCEL"
    cancelled = event(calendar)
    assert str(cancelled["UID"]) == f"appointment-{appointment.pk}@practice"
    assert str(cancelled["STATUS"]) == "CANCELLED" and cancelled["SEQUENCE"] == 2  # above the move's 1


def test_titles_are_neutral_and_follow_discreet_wording(alice, member, monday, mailoutbox, deliver, settings):
    settings.PRACTICE_DISCREET_NAME = "Quayside Appointments"
    clients.member_update(member=member, by=alice.user, discreet_wording=True)
    book(member)
    deliver()
    ((_subject, calendar),) = invitations(mailoutbox)
    text = calendar.to_ical().decode()
    assert str(event(calendar)["SUMMARY"]) == "Appointment"
    assert not [word for word in BANNED if word.lower() in text.lower()]
    assert "Harbour" not in text and 'CN="Quayside Appointments"' in text  # the organiser: the discreet name


def test_a_series_invites_every_session_at_once(alice, member, monday, mailoutbox, deliver):
    services.series_create(
        therapist=alice,
        client=member.client,
        members=[member],
        first_start=START,
        frequency=Series.Frequency.WEEKLY,
        count=3,
        by=alice.user,
        modality=Modality.VIDEO,
    )
    deliver()
    ((_subject, calendar),) = invitations(mailoutbox)
    starts = [e["DTSTART"].dt for e in calendar.walk("VEVENT")]
    assert starts == [START + timedelta(weeks=k) for k in range(3)]
    assert len({str(e["UID"]) for e in calendar.walk("VEVENT")}) == 3


def test_reminders_carry_no_invitation(member, monday, mailoutbox, deliver):
    book(member)
    deliver(now=START - timedelta(hours=2))
    reminders = [m for m in mailoutbox if m.subject.startswith("Reminder")]
    assert reminders and not any(m.attachments for m in reminders)


def test_a_member_has_a_private_revocable_feed(client, alice, pair, monday):
    ada, bea = pair.members.order_by("position")
    sign_for_video(pair)
    user = portal_user_for(bea)
    together = services.appointment_book(
        therapist=alice, client=pair, members=[ada, bea], start=START, by=alice.user, modality=Modality.VIDEO
    )
    alone = services.appointment_book(
        therapist=alice,
        client=pair,
        members=[ada],
        start=START + timedelta(days=1),
        by=alice.user,
        modality=Modality.VIDEO,
    )
    client.force_login(user)
    page = client.get(reverse("portal:calendar")).content.decode()
    bea.refresh_from_db()
    token = bea.calendar_feed.token
    url = reverse("sessions_app:member_feed", args=[token])
    assert url in page
    client.logout()
    response = client.get(url)  # calendar apps do not sign in
    assert response["Content-Type"].startswith("text/calendar") and response["Cache-Control"] == "no-store"
    uids = {str(e["UID"]) for e in Calendar.from_ical(response.content).walk("VEVENT")}
    assert uids == {f"appointment-{together.pk}@practice"} != {f"appointment-{alone.pk}@practice"}
    assert (
        AuditEvent.objects.filter(action=AuditAction.EXPORT, target_type="sessions_app.membercalendarfeed").count() == 1
    )
    client.force_login(user)
    assert client.post(reverse("portal:calendar")).status_code == 302  # a new address
    client.logout()
    assert client.get(url).status_code == 404
    assert client.get(reverse("sessions_app:member_feed", args=["x" * 80])).status_code == 404
