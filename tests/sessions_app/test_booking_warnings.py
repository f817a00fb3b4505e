"""Booking rules warn before they bite (issue 16).

The portal's confirm step (nothing is booked or moved before "Confirm"), the consent to video
sessions that every road to a video session needs, the calendar's "Book anyway" for times in the past
or outside working hours, "this and the following sessions" of a series, the notes still due, the
confirmations clients give from reminders, and a confirm page before each destructive action.

Now is Monday 4 January 2027, 08:00 UTC (London is on UTC in January, New York UTC-5). Alice works
Monday to Friday 09:00–17:00 London time; clients need 24 hours' notice and cancelling less than 48
hours before counts as late.
"""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients.models import Client, Consent, Member, Note
from documents.models import Signature
from documents.services import signature_withdraw
from outbox.models import Notification
from practice.models import AuditAction, AuditEvent
from resources import services as resource_services
from sessions_app import notifications, services
from sessions_app.models import Appointment, Modality, TimeOff, WorkingHours
from tests.factories import ClientFactory, WorkshopFactory, couple, portal_user_for, sign_for_video, whole_record

BOOK = reverse("portal:book")
NEW = reverse("sessions_app:appointment_new")
DASHBOARD = reverse("dashboard")
SCHEDULE = reverse("sessions_app:schedule")
LATE_WORDING = "could only be cancelled as a <strong>late cancellation</strong>"
RULE_WORDING = "You can cancel or move free of charge until"


def at(day, hour, month=1, year=2027):
    return datetime(year, month, day, hour, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _week(monday, hours):
    """Frozen on Monday 4 January 2027, 08:00 UTC; Alice works weekdays 09:00–17:00."""


def open_booking(unit):
    Client.objects.filter(pk=unit.pk).update(self_booking=True)
    unit.refresh_from_db()
    return unit


def member_of(unit, position=1):
    member = unit.members.get(position=position)
    if member.user_id is None:
        portal_user_for(member)
    return member


def signed_in(client, member):
    client.force_login(member.user)
    return client


def with_email(unit):
    """Members of `unit` may be sent appointment messages by email."""
    for member in unit.members.all():
        Consent.objects.create(
            client=unit, member=member, kind=Consent.Kind.REMINDERS_EMAIL, recorded_by=unit.primary_therapist.user
        )
    return unit


def book(unit, start, modality=Modality.VIDEO, **kwargs):
    therapist = unit.primary_therapist
    return services.appointment_book(
        therapist=therapist,
        client=unit,
        members=list(unit.members.all()),
        start=start,
        by=therapist.user,
        modality=modality,
        **kwargs,
    )


@pytest.fixture
def me(solo):
    """Alice's individual client, booking open, consented to video sessions, in New York."""
    open_booking(sign_for_video(solo))
    member = member_of(solo)
    Member.objects.filter(pk=member.pk).update(time_zone="America/New_York")
    member.refresh_from_db()
    return member


# --- the portal's confirm step --------------------------------------------------------------------


def test_choosing_a_time_shows_the_confirm_page_and_books_nothing(client, me, alice):
    r = signed_in(client, me).post(BOOK, {"start": at(12, 15).isoformat(), "modality": "video"})
    body = r.content.decode()
    assert r.status_code == 200 and not Appointment.objects.exists()
    assert alice.display_name in body
    assert "Tuesday 12 January 2027, 10:00–11:00" in body and "America/New_York" in body  # 15:00 UTC
    assert "By video" in body
    # the late-cancellation window (48 hours) ends on Sunday 10 January, 10:00 New York time
    assert RULE_WORDING in body and "Sunday 10 January 2027, 10:00" in body
    assert LATE_WORDING not in body
    assert "Confirm booking" in body and 'name="confirm"' in body


def test_confirming_the_same_choice_books_it(client, me):
    web = signed_in(client, me)
    r = web.post(BOOK, {"start": at(12, 15).isoformat(), "modality": "video", "confirm": "1"})
    assert r.status_code == 302
    appointment = Appointment.objects.get()
    assert (appointment.start, appointment.modality, appointment.booked_via) == (at(12, 15), "video", "portal")


def test_a_time_inside_the_late_window_says_it_could_only_be_cancelled_late(client, me):
    r = signed_in(client, me).post(BOOK, {"start": at(5, 15).isoformat(), "modality": "video"})  # in 31 hours
    body = r.content.decode()
    assert r.status_code == 200 and LATE_WORDING in body and RULE_WORDING not in body
    assert not Appointment.objects.exists()


def test_the_confirm_page_names_the_room_of_an_in_person_session(client, me, room):
    r = signed_in(client, me).post(BOOK, {"start": at(12, 15).isoformat(), "modality": "in_person"})
    assert "In person: Room 1, 12 Quay Street, first floor" in r.content.decode()


def test_choose_another_time_keeps_the_choice(client, me):
    web = signed_in(client, me)
    body = web.post(BOOK, {"start": at(12, 15).isoformat(), "modality": "video"}).content.decode()
    back = reverse("portal:book") + "?week=2027-01-12&amp;modality=video&amp;chosen="
    assert back in body
    page = web.get(BOOK, {"week": "2027-01-12", "modality": "video", "chosen": at(12, 15).isoformat()})
    text = page.content.decode()
    assert "Week of Monday 11 January 2027" in text and "10:00 (chosen)" in text


def test_a_move_shows_the_new_time_first_and_moves_only_when_confirmed(client, me):
    appointment = book(me.client, at(12, 15))
    web = signed_in(client, me)
    r = web.post(reverse("portal:session_move", args=[appointment.pk]), {"start": at(13, 15).isoformat()})
    body = r.content.decode()
    assert r.status_code == 200 and "Wednesday 13 January 2027, 10:00" in body and "Instead of" in body
    appointment.refresh_from_db()
    assert appointment.start == at(12, 15)
    web.post(reverse("portal:session_move", args=[appointment.pk]), {"start": at(13, 15).isoformat(), "confirm": "1"})
    appointment.refresh_from_db()
    assert appointment.start == at(13, 15)


def test_a_move_into_the_late_window_warns_before_confirming(client, me):
    appointment = book(me.client, at(12, 15))
    r = signed_in(client, me).post(
        reverse("portal:session_move", args=[appointment.pk]), {"start": at(5, 15).isoformat()}
    )
    assert LATE_WORDING in r.content.decode()


# --- the signed telehealth consent (documents.gates) ------------------------------------------------


def telehealth_signature(member):
    return Signature.objects.get(member=member, version__template__kind="telehealth", withdrawn_at=None)


def test_the_portal_refuses_a_video_session_without_consent_and_says_where_to_give_it(client, solo):
    open_booking(solo)
    member = member_of(solo)
    r = signed_in(client, member).post(BOOK, {"start": at(12, 15).isoformat(), "modality": "video", "confirm": "1"})
    body = r.content.decode()
    assert r.status_code == 400 and not Appointment.objects.exists()
    assert "To book a video session, first read and sign the Telehealth consent (version 1) under Documents." in body
    assert f'href="{reverse("portal:documents")}"' in body
    # the confirm page is not shown either
    r = client.post(BOOK, {"start": at(12, 15).isoformat(), "modality": "video"})
    assert r.status_code == 400 and "Confirm booking" not in r.content.decode()


def test_a_withdrawn_consent_refuses_again_and_a_given_one_allows(client, solo, alice):
    open_booking(solo)
    member = member_of(solo)
    sign_for_video(member)
    signature_withdraw(signature=telehealth_signature(member), by=alice.user)
    web = signed_in(client, member)
    data = {"start": at(12, 15).isoformat(), "modality": "video", "confirm": "1"}
    assert web.post(BOOK, data).status_code == 400
    sign_for_video(member)
    assert web.post(BOOK, data).status_code == 302 and Appointment.objects.count() == 1


def test_a_joint_video_session_needs_both_partners(client, alice):
    pair = open_booking(couple(alice))
    a, b = member_of(pair, 1), member_of(pair, 2)
    sign_for_video(a)
    data = {"start": at(12, 15).isoformat(), "modality": "video", "confirm": "1"}
    r = signed_in(client, a).post(BOOK, data)
    assert r.status_code == 400 and "your partner has not signed it yet" in r.content.decode()
    assert not Appointment.objects.exists()
    sign_for_video(b)
    assert signed_in(client, a).post(BOOK, data).status_code == 302


def test_the_calendar_refuses_a_video_session_without_consent_naming_who(client, alice, pair):
    a, b = pair.members.order_by("position")
    sign_for_video(a)
    client.force_login(alice.user)
    data = {"client": pair.pk, "date": "2027-01-12", "start_time": "10:00", "modality": "video", "repeat": ""}
    r = client.post(NEW, data)
    body = r.content.decode()
    assert r.status_code == 400 and not Appointment.objects.exists()
    assert f"{b.display_name} has not signed the Telehealth consent (version 1)." in body
    assert "They can read and sign it in their portal under Documents" in body
    assert reverse("documents:client", args=[pair.pk]) in body
    sign_for_video(b)
    assert client.post(NEW, data).status_code == 302


def test_every_road_to_a_video_session_is_gated(alice, solo, room):
    with pytest.raises(ValidationError, match="has not signed the Telehealth consent"):
        book(solo, at(12, 10))
    with pytest.raises(ValidationError, match="has not signed the Telehealth consent"):
        services.series_create(
            therapist=alice,
            client=solo,
            members=list(solo.members.all()),
            first_start=at(12, 10),
            frequency="weekly",
            count=3,
            by=alice.user,
            modality=Modality.VIDEO,
        )
    in_person = book(solo, at(12, 10), modality=Modality.IN_PERSON)
    with pytest.raises(ValidationError, match="has not signed the Telehealth consent"):
        services.appointment_move(
            appointment=in_person, start=at(12, 10), by=alice.user, via="calendar", modality=Modality.VIDEO
        )
    in_person.refresh_from_db()
    assert (in_person.modality, Appointment.objects.count()) == ("in_person", 1)
    sign_for_video(solo)
    moved = services.appointment_move(
        appointment=in_person, start=at(12, 10), by=alice.user, via="calendar", modality=Modality.VIDEO
    )
    assert (moved.modality, moved.room) == ("video", None)


# --- the calendar's warnings ----------------------------------------------------------------------


def new_data(unit, day, time, **extra):
    return {"client": unit.pk, "date": day, "start_time": time, "modality": "in_person", "repeat": "", **extra}


@pytest.mark.parametrize(
    ("day", "time", "warning"),
    [
        ("2027-01-05", "18:00", "outside"),  # a Tuesday evening
        ("2027-01-09", "10:00", "outside"),  # a Saturday
        ("2027-01-01", "10:00", "is in the past"),
    ],
)
def test_a_time_in_the_past_or_outside_working_hours_needs_book_anyway(client, alice, solo, room, day, time, warning):
    client.force_login(alice.user)
    r = client.post(NEW, new_data(solo, day, time))
    body = r.content.decode()
    assert r.status_code == 200 and warning in body and "Book anyway" in body
    assert not Appointment.objects.exists()
    assert client.post(NEW, new_data(solo, day, time, confirm="on")).status_code == 302
    assert Appointment.objects.count() == 1


def test_a_time_within_working_hours_books_at_once(client, alice, solo, room):
    client.force_login(alice.user)
    assert client.post(NEW, new_data(solo, "2027-01-05", "10:00")).status_code == 302


def test_moving_outside_working_hours_needs_move_anyway(client, alice, solo, room):
    appointment = book(solo, at(12, 10), modality=Modality.IN_PERSON)
    client.force_login(alice.user)
    url = reverse("sessions_app:appointment_move", args=[appointment.pk])
    r = client.post(url, {"date": "2027-01-12", "start_time": "19:00"})
    assert r.status_code == 200 and "outside" in r.content.decode() and "Move anyway" in r.content.decode()
    appointment.refresh_from_db()
    assert appointment.start == at(12, 10)
    client.post(url, {"date": "2027-01-12", "start_time": "19:00", "confirm": "on"})
    appointment.refresh_from_db()
    assert appointment.start == at(12, 19)


# --- a series: this and the following sessions -----------------------------------------------------


@pytest.fixture
def series(alice, pair):
    sign_for_video(with_email(pair))
    made = services.series_create(
        therapist=alice,
        client=pair,
        members=list(pair.members.all()),
        first_start=at(11, 10),
        frequency="weekly",
        count=4,
        by=alice.user,
        modality=Modality.VIDEO,
    )
    return list(made.appointments.order_by("start"))


def test_cancel_this_and_following_tells_each_member_once(client, alice, pair, series, deliver, mailoutbox):
    client.force_login(alice.user)
    url = reverse("sessions_app:appointment_cancel", args=[series[1].pk])
    r = client.post(url, {"scope": "following"})
    assert r.status_code == 302
    statuses = [a.status for a in Appointment.objects.order_by("start")]
    assert statuses == ["booked", "cancelled", "cancelled", "cancelled"]
    rows = Notification.objects.filter(kind__in=[notifications.CANCELLED, notifications.SERIES_CANCELLED])
    assert sorted(rows.values_list("kind", "member_id")) == sorted(
        (notifications.SERIES_CANCELLED, m.pk) for m in pair.members.all()
    )
    audited = AuditEvent.objects.filter(action=AuditAction.UPDATE, target_type="sessions_app.appointment")
    assert set(audited.values_list("target_id", flat=True)) == {str(a.pk) for a in series[1:]}
    deliver()
    cancelled = [m for m in mailoutbox if "cancelled" in m.subject]
    assert len(cancelled) == 2  # one per partner, not one per session
    assert all(m.body.count("Monday") == 4 for m in cancelled)  # the headline and the three dates
    assert not Notification.objects.filter(kind="appointment_reminder", target_id=str(series[2].pk), status="pending")


def test_move_this_and_following_shifts_each_and_tells_each_member_once(alice, pair, series, deliver, mailoutbox):
    moved = services.series_move_following(appointment=series[1], start=at(19, 14), by=alice.user)
    assert [a.start for a in moved] == [at(19, 14), at(26, 14), datetime(2027, 2, 2, 14, tzinfo=UTC)]
    assert Appointment.objects.get(pk=series[0].pk).start == at(11, 10)  # an earlier one is untouched
    rows = Notification.objects.filter(kind__in=[notifications.MOVED, notifications.SERIES_MOVED])
    assert sorted(rows.values_list("kind", "member_id")) == sorted(
        (notifications.SERIES_MOVED, m.pk) for m in pair.members.all()
    )
    reminders = Notification.objects.filter(kind="appointment_reminder", status="pending", target_id=str(series[3].pk))
    assert {r.context["start"] for r in reminders} == {datetime(2027, 2, 2, 14, tzinfo=UTC).isoformat()}
    deliver()
    moved_mail = [m for m in mailoutbox if "have moved" in m.subject]
    assert len(moved_mail) == 2 and "Tuesday 2 February 2027 at 14:00" in moved_mail[0].body


def test_one_clash_refuses_the_whole_move_and_changes_nothing(client, alice, series):
    other = sign_for_video(ClientFactory(primary_therapist=alice))
    book(other, datetime(2027, 2, 2, 14, tzinfo=UTC))  # where the last one would land
    before = list(Appointment.objects.order_by("pk").values_list("pk", "start"))
    queued = Notification.objects.count()
    client.force_login(alice.user)
    url = reverse("sessions_app:appointment_move", args=[series[1].pk])
    r = client.post(url, {"date": "2027-01-19", "start_time": "14:00", "scope": "following"})
    assert r.status_code == 400 and "Nothing was moved" in r.content.decode()
    assert list(Appointment.objects.order_by("pk").values_list("pk", "start")) == before
    assert Notification.objects.count() == queued


def test_only_this_session_leaves_the_following_ones(client, alice, series):
    client.force_login(alice.user)
    client.post(reverse("sessions_app:appointment_cancel", args=[series[1].pk]), {"scope": "this"})
    assert [a.status for a in Appointment.objects.order_by("start")] == ["booked", "cancelled", "booked", "booked"]


# --- notes due --------------------------------------------------------------------------------------


def held(unit, start, status="attended"):
    therapist = unit.primary_therapist
    appointment = Appointment.objects.create(
        therapist=therapist,
        client=unit,
        start=start,
        end=start + timedelta(hours=1),
        status=status,
        booked_by=therapist.user,
        modality=Modality.VIDEO,
    )
    for member in unit.members.all():
        appointment.attendances.create(member=member, start=appointment.start, end=appointment.end)
    return appointment


def notes_due_panel(body: str) -> str:
    return body.split('id="notes-due-heading"')[1].split("</section>")[0]


def test_notes_due_lists_past_sessions_without_a_note_newest_first(client, alice, solo):
    older = held(solo, at(28, 10, month=12, year=2026))
    newer = held(solo, at(1, 10))
    with_note = held(solo, at(30, 10, month=12, year=2026))
    Note.objects.create(client=solo, author=alice, appointment=with_note, body="x")
    cancelled = held(solo, at(31, 10, month=12, year=2026), status="cancelled")
    long_ago = held(solo, at(1, 10, month=10, year=2026))
    client.force_login(alice.user)
    panel = notes_due_panel(client.get(DASHBOARD).content.decode())
    link = reverse("clients:note_create", args=[solo.pk]) + "?appointment="
    assert f"{link}{newer.pk}" in panel and f"{link}{older.pk}" in panel
    assert panel.index(f"{link}{newer.pk}") < panel.index(f"{link}{older.pk}")
    for absent in (with_note, cancelled, long_ago):
        assert f'{link}{absent.pk}"' not in panel


def test_notes_due_is_bounded_and_its_query_count_fixed(client, alice, django_assert_num_queries):
    unit = ClientFactory(primary_therapist=alice)
    held(unit, at(1, 10))
    client.force_login(alice.user)
    client.get(DASHBOARD)  # the session and its caches warm
    with CaptureQueriesContext(connection) as few:
        client.get(DASHBOARD)
    expected = len(few.captured_queries)  # read now: the next request clears the connection's log
    for days in range(2, 27):
        held(couple(alice), at(4, 7) - timedelta(days=days))
    # New clients renew the referral-sources chart's cached counts (one query on the next page): warm
    # them again, so the page below is compared with `few` on the same footing.
    client.get(DASHBOARD)
    with django_assert_num_queries(expected):
        body = client.get(DASHBOARD).content.decode()
    panel = notes_due_panel(body)
    assert panel.count("Write the note") == 20 and "Showing the latest 20 of 26" in panel


# --- confirmations from reminder links ------------------------------------------------------------


def test_a_confirmation_shows_on_the_calendar_and_the_client_page(client, alice, staff_user, solo):
    appointment = book(sign_for_video(solo), at(12, 10))
    attendance = appointment.attendances.get()
    services.attendance_confirm(attendance=attendance, by=None, now=at(4, 9))
    name = solo.members.get().display_name
    alice.time_zone = "America/New_York"
    alice.save(update_fields=["time_zone"])
    client.force_login(alice.user)
    week = client.get(SCHEDULE, {"date": "2027-01-12"}).content.decode()
    assert '<span class="badge text-bg-success">Confirmed</span>' in week
    page = whole_record(client, solo)  # the sessions tab and the timeline
    assert f"Confirmed by {name}, 4 Jan 04:00" in page  # 09:00 UTC, in Alice's zone
    client.force_login(staff_user)
    staff_week = client.get(SCHEDULE, {"date": "2027-01-12"}).content.decode()
    assert "Confirmed</span>" in staff_week and "Confirmed by" not in staff_week
    detail = client.get(reverse("sessions_app:appointment", args=[appointment.pk])).content.decode()
    assert "Confirmed" in detail and "Confirmed by" not in detail


def test_an_unconfirmed_session_has_no_badge(client, alice, solo):
    book(sign_for_video(solo), at(12, 10))
    client.force_login(alice.user)
    assert "Confirmed" not in client.get(SCHEDULE, {"date": "2027-01-12"}).content.decode()


# --- destructive actions ask first ----------------------------------------------------------------


def test_cancelling_in_the_calendar_asks_first_and_says_who_is_told(client, alice, pair):
    appointment = book(sign_for_video(with_email(pair)), at(5, 10))
    client.force_login(alice.user)
    url = reverse("sessions_app:appointment_cancel", args=[appointment.pk])
    body = client.get(url).content.decode()
    assert "Cancel the session on Tue 5 Jan, 10:00?" in body
    for member in pair.members.all():
        assert f"{member.display_name}: a cancellation message by email" in body
    assert "inside the late-cancellation window" in body
    appointment.refresh_from_db()
    assert appointment.status == "booked"
    assert client.post(url, {"late": "on"}).status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == "late_cancelled"


def test_cancelling_in_the_portal_asks_first(client, me):
    appointment = book(me.client, at(12, 15))
    web = signed_in(client, me)
    url = reverse("portal:session_cancel", args=[appointment.pk])
    body = web.get(url).content.decode()
    assert "Cancel the session on Tue 12 Jan, 10:00?" in body and "will not count as a late cancellation" in body
    appointment.refresh_from_db()
    assert appointment.status == "booked"


def email_reminders_consent(member):
    therapist = member.client.primary_therapist
    return Consent.objects.create(
        client=member.client, member=member, kind="reminders_email", recorded_by=therapist.user
    )


def test_withdrawing_a_consent_asks_first_therapist_side(client, alice, solo):
    consent = email_reminders_consent(member_of(solo))
    client.force_login(alice.user)
    url = reverse("clients:consent_revoke", args=[consent.pk])
    body = client.get(url).content.decode()
    assert "consent: reminders by email?" in body and "stop at once, including those already planned" in body
    consent.refresh_from_db()
    assert consent.revoked_at is None
    assert client.post(url).status_code == 302
    consent.refresh_from_db()
    assert consent.revoked_at is not None


def test_withdrawing_a_consent_asks_first_portal_side(client, me):
    consent = email_reminders_consent(me)
    web = signed_in(client, me)
    url = reverse("portal:consent_withdraw", args=[consent.pk])
    body = web.get(url).content.decode()
    assert "Withdraw your consent: reminders by email?" in body and "stop at once" in body
    consent.refresh_from_db()
    assert consent.revoked_at is None
    web.post(url)
    consent.refresh_from_db()
    assert consent.revoked_at is not None


@pytest.mark.parametrize("who", ["charlie", "stranger"])
def test_the_confirm_pages_are_404_for_outsiders(client, request, alice, solo, who):
    sign_for_video(solo)
    appointment = book(solo, at(12, 10))
    consent = email_reminders_consent(member_of(solo))
    if who == "charlie":
        client.force_login(request.getfixturevalue("charlie").user)
        urls = [
            reverse("sessions_app:appointment_cancel", args=[appointment.pk]),
            reverse("clients:consent_revoke", args=[consent.pk]),
        ]
    else:
        client.force_login(portal_user_for(ClientFactory(primary_therapist=alice).members.get()))
        urls = [
            reverse("portal:session_cancel", args=[appointment.pk]),
            reverse("portal:consent_withdraw", args=[consent.pk]),
        ]
    for url in urls:
        assert client.get(url).status_code == 404
    assert Appointment.objects.get().status == "booked" and Consent.objects.get().revoked_at is None


def test_the_other_one_click_removals_ask_first(client, alice, solo):
    block = WorkingHours.objects.create(therapist=alice, weekday=5, start=time(9), end=time(12))
    away = TimeOff.objects.create(therapist=alice, start=at(20, 0), end=at(21, 0), label="Training")
    member = member_of(solo)
    workshop = WorkshopFactory(capacity=5)
    registration = resource_services.registration_create(workshop=workshop, member=member, by=member.user)
    client.force_login(alice.user)
    pages = {
        reverse("sessions_app:hours_delete", args=[block.pk]): "Remove your working hours Saturday 09:00–12:00?",
        reverse("sessions_app:time_off_delete", args=[away.pk]): "Remove your time off from 20 Jan 2027 00:00?",
        reverse("sessions_app:feed_reset"): "Give your calendar feed a new address?",
        reverse("resources:registration_cancel", args=[registration.pk]): f"Cancel {member.display_name}",
    }
    for url, question in pages.items():
        r = client.get(url)
        assert r.status_code == 200 and question in r.content.decode(), url
    portal = signed_in(client, member).get(reverse("portal:workshop_cancel", args=[workshop.pk]))
    assert "Cancel your place at" in portal.content.decode()
    registration.refresh_from_db()
    assert WorkingHours.objects.filter(pk=block.pk).exists() and TimeOff.objects.filter(pk=away.pk).exists()
    assert registration.status == "registered"
