"""Reminder schedules in the product: the practice's (admins, in the app), a therapist's and a
member's overrides, the effective schedule on the client page, re-planning the queued reminders
when a schedule changes, and nothing sent twice whatever the changes."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import OperationalError, connection
from django.urls import reverse

from clients.models import Consent
from outbox.models import Notification
from practice.models import AuditEvent
from sessions_app import reminder_settings as rs
from sessions_app import services
from sessions_app.models import Modality, ReminderSchedule
from tests.factories import ClientFactory, UserFactory, give_totp, sign_for_video

START = datetime(2027, 1, 8, 10, 0, tzinfo=UTC)  # Friday 10:00, four days after `monday`
PAGE = reverse("sessions_app:reminder_settings")


def consent(member, kind=Consent.Kind.REMINDERS_EMAIL):
    Consent.objects.create(
        client=member.client, member=member, kind=kind, recorded_by=member.client.primary_therapist.user
    )


def book(unit, start=START):
    sign_for_video(unit)
    therapist = unit.primary_therapist
    members = list(unit.members.all())
    return services.appointment_book(
        therapist=therapist, client=unit, members=members, start=start, by=therapist.user, modality=Modality.VIDEO
    )


def planned(appointment=None, status=Notification.Status.PENDING):
    rows = Notification.objects.filter(kind="appointment_reminder", status=status)
    if appointment is not None:
        rows = rows.filter(target_id=str(appointment.pk))
    return sorted((row.member_id, row.channel, (START - row.send_at) // timedelta(hours=1)) for row in rows)


@pytest.fixture
def admin(db):
    user = UserFactory(email="owner@example.org", is_staff=True, is_superuser=True)
    give_totp(user)
    return user


@pytest.fixture
def member(solo):
    person = solo.members.get()
    consent(person)
    return person


@pytest.fixture
def partners(pair):
    ada, bea = pair.members.order_by("position")
    consent(ada), consent(bea)
    return ada, bea


def test_without_any_schedule_the_settings_default_holds(member, monday, settings):
    settings.REMINDER_HOURS = [48, 2]
    book(member.client)
    assert planned() == [(member.pk, "email", 2), (member.pk, "email", 48)]
    assert rs.effective_for(member=member, therapist=member.client.primary_therapist).source == "default"


def test_an_admin_sets_the_practice_schedule_in_the_app_and_queued_reminders_follow(client, admin, member, monday):
    appointment = book(member.client)
    client.force_login(admin)
    assert "The practice" in client.get(PAGE).content.decode()
    response = client.post(PAGE, {"level": "practice", "practice-mode": "email", "practice-hours": "24, 72"})
    assert response.status_code == 302
    assert planned(appointment) == [(member.pk, "email", 24), (member.pk, "email", 72)]
    assert planned(appointment, Notification.Status.CANCELLED) == [(member.pk, "email", 2), (member.pk, "email", 48)]
    row = ReminderSchedule.objects.get(scope="practice")
    assert (row.mode, row.hours) == ("email", [72, 24])
    assert AuditEvent.objects.filter(actor=admin, target_type="sessions_app.reminderschedule").exists()


def test_a_therapist_may_not_set_the_practice_schedule_and_staff_do_not_see_the_page(client, alice, staff_user, monday):
    client.force_login(alice.user)
    page = client.get(PAGE).content.decode()
    assert "Your clients' schedule" in page and "The practice's schedule" not in page
    assert client.post(PAGE, {"level": "practice", "practice-mode": "off"}).status_code == 404
    assert not ReminderSchedule.objects.exists()
    client.force_login(staff_user)
    assert client.get(PAGE).status_code == 404
    client.logout()
    assert client.get(PAGE)["Location"].startswith("/accounts/login/")


def test_a_therapists_override_applies_to_their_sessions_only(client, alice, charlie, member, monday):
    other = ClientFactory(primary_therapist=charlie).members.get()
    consent(other)
    mine, theirs = book(member.client), book(other.client)
    client.force_login(alice.user)
    client.post(PAGE, {"level": "therapist", "therapist-mode": "both", "therapist-hours": "3"})
    assert planned(mine) == [(member.pk, "email", 3)]  # email only: the member has no SMS consent
    assert planned(theirs) == [(other.pk, "email", 2), (other.pk, "email", 48)]
    assert rs.effective_for(member=member, therapist=alice).source == "therapist"
    client.post(
        PAGE, {"level": "therapist", "therapist-inherit": "on", "therapist-mode": "both", "therapist-hours": ""}
    )
    assert not ReminderSchedule.objects.filter(therapist=alice).exists()
    assert planned(mine) == [(member.pk, "email", 2), (member.pk, "email", 48)]  # back to the practice's


def test_a_member_override_wins_and_shows_on_the_client_page(client, alice, pair, partners, monday):
    ada, bea = partners
    appointment = book(pair)
    rs.reminder_schedule_set(by=alice.user, mode="email", hours=[24], therapist=alice)
    client.force_login(alice.user)
    url = reverse("sessions_app:member_reminders", args=[pair.pk, ada.pk])
    assert client.post(url, {"member-mode": "off", "member-hours": ""}).status_code == 302
    assert planned(appointment) == [(bea.pk, "email", 24)]  # Ada: none; Bea: her therapist's
    page = client.get(reverse("clients:detail", args=[pair.pk])).content.decode()
    assert f"{ada.display_name}: No reminders" in page
    assert f"{bea.display_name}: Email only, 24 h before" in page and "the therapist&#x27;s schedule" in page


def test_bad_hours_are_refused_with_a_message_and_what_was_typed(client, admin, member, monday):
    appointment = book(member.client)
    client.force_login(admin)
    for typed in ("two days", "0", "48, 9999", ""):
        response = client.post(PAGE, {"level": "practice", "practice-mode": "both", "practice-hours": typed})
        assert response.status_code == 400
        body = response.content.decode()
        assert "Give whole hours" in body or "Give at least one time" in body
        assert f'value="{typed}"' in body or typed == ""
    assert not ReminderSchedule.objects.exists()
    assert planned(appointment) == [(member.pk, "email", 2), (member.pk, "email", 48)]


def test_another_therapist_cannot_reach_a_members_schedule(client, charlie, staff_user, member, monday):
    url = reverse("sessions_app:member_reminders", args=[member.client_id, member.pk])
    for user in (charlie.user, staff_user):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(url, {"member-mode": "off"}).status_code == 404
    assert not ReminderSchedule.objects.exists()


def test_nothing_is_sent_twice_whatever_the_changes(alice, admin, member, monday, mailoutbox, deliver):
    appointment = book(member.client)
    deliver()  # the booking confirmation
    deliver(now=START - timedelta(hours=48))  # the 48-hour reminder
    assert len(mailoutbox) == 2
    with time_machine.travel(START - timedelta(hours=47), tick=False):
        rs.reminder_schedule_set(by=admin, mode="both", hours=[48, 24, 2])  # 48 again: already sent
        rs.reminder_schedule_set(by=admin, mode="off", hours=[])
        rs.reminder_schedule_set(by=admin, mode="email", hours=[48, 24, 2])  # the 24 and 2 revived
        assert planned(appointment) == [(member.pk, "email", 2), (member.pk, "email", 24)]
        assert planned(appointment, Notification.Status.SENT) == [(member.pk, "email", 48)]
    for hours in (24, 2, 2):
        deliver(now=START - timedelta(hours=hours))
    reminders = [m for m in mailoutbox if m.subject.startswith("Reminder")]
    assert len(reminders) == 3  # 48, 24 and 2 hours before, each once
    assert Notification.objects.filter(kind="appointment_reminder").count() == 3


def test_the_change_and_the_replanning_commit_together_or_not_at_all(alice, member, monday):
    appointment = book(member.client)

    def fail_on_insert(execute, sql, params, many, context):
        if sql.startswith("INSERT") and "practice_notification" in sql:
            raise OperationalError("the database went away")  # the database fails mid re-plan
        return execute(sql, params, many, context)

    with connection.execute_wrapper(fail_on_insert), pytest.raises(OperationalError):
        rs.reminder_schedule_set(by=alice.user, mode="email", hours=[12], therapist=alice)
    assert not ReminderSchedule.objects.exists()  # the schedule was not saved either
    assert planned(appointment) == [(member.pk, "email", 2), (member.pk, "email", 48)]  # nor anything cancelled
    rs.reminder_schedule_set(by=alice.user, mode="email", hours=[12], therapist=alice)
    assert planned(appointment) == [(member.pk, "email", 12)]
