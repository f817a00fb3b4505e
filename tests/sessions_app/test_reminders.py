"""Scheduling changes and the outbox: the right messages, at the right times, once."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from clients.models import Consent
from outbox import services as outbox
from outbox.channels import LocmemSMSBackend
from outbox.models import Notification
from sessions_app import services
from sessions_app.models import Appointment, Attendance, Modality
from tests.factories import couple, sign_for_video

START = datetime(2027, 1, 8, 10, 0, tzinfo=UTC)  # Friday 10:00 London


def consent(member, kind=Consent.Kind.REMINDERS_EMAIL):
    Consent.objects.create(
        client=member.client, member=member, kind=kind, recorded_by=member.client.primary_therapist.user
    )


def book(unit, start=START, **kwargs):
    therapist = unit.primary_therapist
    if kwargs.get("modality", Modality.VIDEO) == Modality.VIDEO:
        sign_for_video(unit)
    return services.appointment_book(
        therapist=therapist,
        client=unit,
        members=list(unit.members.all()),
        start=start,
        by=therapist.user,
        modality=kwargs.pop("modality", Modality.VIDEO),
        **kwargs,
    )


def pending(kind=None):
    rows = Notification.objects.filter(status=Notification.Status.PENDING)
    return rows.filter(kind=kind) if kind else rows


@pytest.fixture
def member(solo):
    person = solo.members.get()
    consent(person)
    return person


def test_booking_queues_a_confirmation_and_two_reminders(alice, member, monday):
    appointment = book(member.client)
    rows = {n.kind: n for n in pending().exclude(kind="appointment_reminder")}
    assert set(rows) == {"appointment_booked"}
    reminders = sorted(pending("appointment_reminder").values_list("send_at", flat=True))
    assert reminders == [START - timedelta(hours=48), START - timedelta(hours=2)]
    assert {n.target_id for n in pending()} == {str(appointment.pk)} and {n.reference for n in pending()} == {
        member.client.reference
    }


def test_no_messages_without_consent_or_preference(alice, solo, monday):
    book(solo)
    assert not Notification.objects.exists()


def test_sms_only_with_sms_consent_and_a_phone(alice, member, monday):
    member.contact_by_sms, member.phone = True, "+44 7700 900123"
    member.save(update_fields=["contact_by_sms", "phone"])
    book(member.client)
    assert not pending().filter(channel="sms").exists()  # no SMS consent yet
    Notification.objects.all().delete()
    consent(member, Consent.Kind.REMINDERS_SMS)
    book(member.client, start=START + timedelta(days=3))
    assert pending("appointment_reminder").filter(channel="sms").count() == 2


def test_reminders_can_be_switched_off_per_member(alice, member, monday):
    member.reminders_enabled = False
    member.save(update_fields=["reminders_enabled"])
    book(member.client)
    assert not pending("appointment_reminder").exists() and pending("appointment_booked").exists()


def test_moving_replaces_the_reminders(alice, member, monday):
    appointment = book(member.client)
    old = set(pending("appointment_reminder").values_list("pk", flat=True))
    services.appointment_move(appointment=appointment, start=START + timedelta(days=4), by=alice.user, via="calendar")
    assert set(Notification.objects.filter(pk__in=old).values_list("status", flat=True)) == {"cancelled"}
    new = sorted(pending("appointment_reminder").values_list("send_at", flat=True))
    assert new == [START + timedelta(days=2), START + timedelta(days=4, hours=-2)]
    assert pending("appointment_moved").count() == 1


def test_cancelling_cancels_the_reminders_and_confirms(alice, member, monday):
    appointment = book(member.client)
    services.appointment_cancel(appointment=appointment, by=alice.user, via="calendar")
    assert not pending("appointment_reminder").exists()
    assert pending("appointment_cancelled").count() == 1


def test_due_reminders_are_sent_once_at_their_time(alice, member, monday, mailoutbox, deliver):
    book(member.client)
    deliver()  # Monday: only the booking confirmation is due
    assert [m.subject for m in mailoutbox] == [
        "Your therapy session on Friday 8 January 2027 at 10:00 (Europe/London time) is booked"
    ]
    with time_machine.travel(START - timedelta(hours=47), tick=False):
        deliver()
        deliver()  # a second pass finds nothing new
    assert len(mailoutbox) == 2 and mailoutbox[1].subject.startswith("Reminder: your therapy session on Friday")


def test_the_same_delivery_twice_sends_one_message(
    alice, member, monday, mailoutbox, django_capture_on_commit_callbacks
):
    book(member.client)
    [row] = pending("appointment_booked")
    with django_capture_on_commit_callbacks(execute=False):
        outbox.notifications_dispatch()  # claimed and queued; tasks not run
    assert outbox.notification_deliver(notification_id=row.pk) == "sent"
    assert outbox.notification_deliver(notification_id=row.pk) == "skipped"
    assert len(mailoutbox) == 1


def test_a_withdrawn_consent_stops_a_queued_reminder(alice, member, monday, mailoutbox, deliver):
    book(member.client)
    from clients.services import consent_revoke

    consent_revoke(consent=Consent.objects.get(member=member, kind=Consent.Kind.REMINDERS_EMAIL), by=alice.user)
    with time_machine.travel(START - timedelta(hours=1), tick=False):
        deliver()
    assert not mailoutbox
    assert set(Notification.objects.values_list("status", flat=True)) == {"cancelled"}


def test_the_time_is_stated_in_the_members_own_zone(alice, member, monday, mailoutbox, deliver):
    member.time_zone = "America/New_York"
    member.save(update_fields=["time_zone"])
    book(member.client)
    deliver()
    assert "on Friday 8 January 2027 at 05:00 (America/New_York time)" in mailoutbox[0].body


def test_discreet_wording_and_no_clinical_content(alice, member, monday, mailoutbox, deliver):
    alice.display_name = "Dr Alice Moreau"  # the factory's "Dr Therapist 1" would trip the check itself
    alice.save(update_fields=["display_name"])
    member.discreet_wording = True
    member.contact_by_sms, member.phone = True, "+44 7700 900123"
    member.save(update_fields=["discreet_wording", "contact_by_sms", "phone"])
    consent(member, Consent.Kind.REMINDERS_SMS)
    LocmemSMSBackend.outbox.clear()
    book(member.client)
    deliver()
    (mail,) = mailoutbox
    [(to, sms)] = LocmemSMSBackend.outbox
    everything = mail.subject + mail.body + mail.alternatives[0][0] + sms
    assert to == "+44 7700 900123" and not re.search(r"therap|sex", everything, re.IGNORECASE)
    assert "appointment" in mail.subject.lower() and "Europe/London" in sms


def test_both_partners_are_reminded_each_by_their_own_preferences(alice, monday, mailoutbox, deliver):
    pair = couple(alice)
    ada, bea = pair.members.order_by("position")
    consent(ada)
    bea.contact_by_email, bea.contact_by_sms, bea.phone = False, True, "+44 7700 900999"
    bea.save(update_fields=["contact_by_email", "contact_by_sms", "phone"])
    consent(bea, Consent.Kind.REMINDERS_SMS)
    LocmemSMSBackend.outbox.clear()
    book(pair)
    assert sorted(pending("appointment_reminder").values_list("member_id", "channel")) == sorted(
        [(ada.pk, "email"), (ada.pk, "email"), (bea.pk, "sms"), (bea.pk, "sms")]
    )
    deliver()
    assert [m.to for m in mailoutbox] == [[ada.email]] and [to for to, _ in LocmemSMSBackend.outbox] == [bea.phone]


def test_late_cancellation_by_the_client_tells_the_therapist_through_the_outbox(
    alice, member, monday, mailoutbox, deliver
):
    appointment = book(member.client, start=datetime(2027, 1, 5, 10, tzinfo=UTC))
    services.appointment_cancel(appointment=appointment, by=None, via=Appointment.Via.LINK)
    deliver()
    subjects = {m.to[0]: m.subject for m in mailoutbox}
    assert subjects[alice.user.email] == f"Late cancellation: {member.client.reference}"
    assert "is cancelled" in subjects[member.email]


# --- links in reminders ---------------------------------------------------------------------------


def links_in(mail):
    return dict(
        re.findall(r"http://127\.0\.0\.1:8000(/r/(confirm|cancel)/[^/\s]+/)", mail.body)[i][::-1] for i in range(2)
    )


def test_confirm_link_records_the_confirmation(client, alice, member, monday, mailoutbox, deliver):
    book(member.client)
    deliver()
    links = links_in(mailoutbox[0])
    assert "Yes, I am coming" in client.get(links["confirm"]).content.decode()
    assert Attendance.objects.get().confirmed_at is None  # a GET (a link preview) changes nothing
    assert client.post(links["confirm"]).status_code == 200
    assert Attendance.objects.get().confirmed_at is not None


def test_cancel_link_obeys_the_late_rule_and_says_so(client, alice, member, monday, mailoutbox, deliver):
    book(member.client, start=datetime(2027, 1, 5, 10, tzinfo=UTC))  # 26 hours away: late
    deliver()
    cancel = links_in(mailoutbox[0])["cancel"]
    assert "recorded as a late cancellation" in client.get(cancel).content.decode()
    body = client.post(cancel).content.decode()
    assert "Cancelled (late)" in body and Appointment.objects.get().status == "late_cancelled"
    assert client.get(cancel).status_code == 400  # used: the session is no longer booked


def test_links_die_when_the_session_moves_or_is_tampered_with(client, alice, member, monday, mailoutbox, deliver):
    appointment = book(member.client)
    deliver()
    links = links_in(mailoutbox[0])
    assert client.get(links["cancel"][:-3] + "xx/").status_code == 400
    assert client.get(links["confirm"].replace("/confirm/", "/cancel/")).status_code == 400  # single-purpose
    services.appointment_move(appointment=appointment, start=START + timedelta(days=1), by=alice.user, via="calendar")
    assert client.post(links["cancel"]).status_code == 400
    assert Appointment.objects.get().status == "booked"


# --- the staff page and the command ---------------------------------------------------------------


def test_staff_see_the_outbox_without_message_text(client, staff_user, alice, member, monday, deliver):
    book(member.client)
    deliver()
    client.force_login(staff_user)
    body = client.get(reverse("outbox")).content.decode()
    assert member.client.reference in body and "Session reminder" in body and "Sent" in body
    assert f"A client of {member.client.reference}" in body and "appointment_reminder" not in body
    assert member.first_name not in body and member.email not in body and "therapy session" not in body


@pytest.mark.parametrize("who", ["alice", "client_user"])
def test_the_outbox_page_is_for_staff(client, request, who):
    person = request.getfixturevalue(who)
    client.force_login(getattr(person, "user", person))
    assert client.get(reverse("outbox")).status_code == 404


def test_dispatch_notifications_command(alice, member, monday, mailoutbox, django_capture_on_commit_callbacks, capsys):
    from django.core.management import call_command

    book(member.client)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("dispatch_notifications")
    assert "Queued 1 message" in capsys.readouterr().out and len(mailoutbox) == 1


def test_the_outbox_pages_keep_the_status_filter(client, staff_user, member):
    for number in range(55):
        outbox.notification_enqueue(kind="test_message", key=f"page:{number}", target=member, member=member)
    client.force_login(staff_user)
    first = client.get(reverse("outbox"), {"status": "pending"}).content.decode()
    assert "Page 1 of 2" in first and 'href="?status=pending&amp;page=2">Older<' in first
    second = client.get(reverse("outbox"), {"status": "pending", "page": 2}).content.decode()
    assert 'href="?status=pending&amp;page=1">Newer<' in second and "Older" not in second
