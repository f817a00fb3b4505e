"""Booking, series, moving, cancelling and marking: the rules and the clashes."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from practice.models import AuditAction, AuditEvent
from sessions_app import services
from sessions_app.models import Appointment, Attendance, BookingRules, Modality, Room
from tests.factories import ClientFactory, TherapistFactory, sign_for_video


def at(day, hour, minute=0, month=1):
    return datetime(2027, month, day, hour, minute, tzinfo=UTC)


def book(therapist, unit, start, **kwargs):
    kwargs.setdefault("modality", Modality.VIDEO)
    if kwargs["modality"] == Modality.VIDEO:
        sign_for_video(unit)
    return services.appointment_book(
        therapist=therapist, client=unit, members=list(unit.members.all()), start=start, by=therapist.user, **kwargs
    )


def test_a_calendar_booking_creates_the_session_its_attendance_and_an_audit_row(alice, solo, monday):
    appointment = book(alice, solo, at(6, 10))
    assert (appointment.start, appointment.end, appointment.status) == (at(6, 10), at(6, 11), "booked")
    assert list(Attendance.objects.values_list("member_id", "start", "live")) == [
        (solo.members.get().pk, at(6, 10), True)
    ]
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, target_type="sessions_app.appointment").count() == 1
    assert appointment.title == f"Session {solo.reference}"


def test_partial_overlap_is_refused_naming_the_other_session(alice, solo, monday):
    first = book(alice, solo, at(6, 10))
    other = ClientFactory(primary_therapist=alice)
    with pytest.raises(
        ValidationError, match=rf"clashes with Session {first.client.reference} on Wed 6 Jan 2027, 10:00–11:00"
    ):
        book(alice, other, at(6, 10, 30))
    assert Appointment.objects.count() == 1


def test_back_to_back_sessions_are_allowed(alice, solo, monday):
    book(alice, solo, at(6, 10))
    book(alice, ClientFactory(primary_therapist=alice), at(6, 11))
    assert Appointment.objects.count() == 2


def test_a_room_cannot_hold_two_sessions(alice, solo, room, monday):
    book(alice, solo, at(6, 10), modality=Modality.IN_PERSON, room=room)
    charlie_client = ClientFactory()
    with pytest.raises(ValidationError, match="That time is not free") as refused:
        book(charlie_client.primary_therapist, charlie_client, at(6, 10), modality=Modality.IN_PERSON, room=room)
    assert solo.reference not in str(refused.value)  # another therapist's client is never named


def test_in_person_picks_a_free_room_or_says_none_is_free(alice, solo, room, monday):
    appointment = book(alice, solo, at(6, 10), modality=Modality.IN_PERSON)
    assert appointment.room == room
    other = ClientFactory()
    with pytest.raises(ValidationError, match="No room is free"):
        book(other.primary_therapist, other, at(6, 10), modality=Modality.IN_PERSON)


def test_one_person_cannot_be_in_two_sessions(alice, charlie, solo, monday):
    solo.co_therapists.add(charlie)
    book(alice, solo, at(6, 10))
    with pytest.raises(ValidationError, match="That time is not free") as refused:
        book(charlie, solo, at(6, 10, 30))
    assert "10:00" not in str(refused.value)  # nor the time of a colleague's session


def test_naive_times_and_strangers_are_refused(alice, solo, monday):
    with pytest.raises(ValidationError, match="without a zone"):
        book(alice, solo, datetime(2027, 1, 6, 10))
    stranger = ClientFactory().members.get()
    with pytest.raises(ValidationError, match="Only members of this client"):
        services.appointment_book(therapist=alice, client=solo, members=[stranger], start=at(6, 10), by=alice.user)


def test_an_overlapping_insert_through_the_orm_meets_the_database(alice, solo, monday):
    """PostgreSQL's exclusion constraint refuses it; SQLite has none (the service is the guard there)."""
    book(alice, solo, at(6, 10))
    raw = Appointment(
        therapist=alice,
        client=solo,
        start=at(6, 10, 30),
        end=at(6, 11, 30),
        booked_by=alice.user,
        modality=Modality.VIDEO,
    )
    if connection.vendor == "postgresql":
        with pytest.raises(IntegrityError, match="appointment_therapist_no_overlap"), transaction.atomic():
            raw.save()
    else:
        raw.save()
        assert Appointment.objects.count() == 2


# --- the portal's rules ---------------------------------------------------------------------------


def portal_book(unit, start, modality=Modality.VIDEO):
    member = unit.members.first()
    if modality == Modality.VIDEO:
        sign_for_video(unit)
    return services.appointment_book(
        therapist=unit.primary_therapist,
        client=unit,
        members=list(unit.members.all()),
        start=start,
        by=member.user or unit.primary_therapist.user,
        via=Appointment.Via.PORTAL,
        modality=modality,
    )


def test_the_portal_books_only_free_slots(alice, hours, bookable, monday):
    assert portal_book(bookable, at(6, 10)).booked_via == "portal"
    for start in (at(6, 10), at(4, 12), at(6, 10, 30), at(9, 10), at(6, 18)):  # taken, notice, grid, weekend, hours
        with pytest.raises(ValidationError, match="just taken"):
            portal_book(bookable, start)


def test_the_portal_needs_self_booking_and_an_offered_modality(alice, hours, solo, bookable, monday):
    with pytest.raises(ValidationError, match="does not offer"):
        portal_book(bookable, at(6, 10), modality=Modality.PHONE)
    bookable.self_booking = False
    with pytest.raises(ValidationError, match="not open for you yet"):
        portal_book(bookable, at(6, 10))
    assert not Appointment.objects.exists()


def test_the_portal_keeps_the_buffer(alice, hours, bookable, monday):
    BookingRules.objects.create(therapist=alice, buffer_minutes=15)
    book(alice, ClientFactory(primary_therapist=alice), at(6, 10))
    with pytest.raises(ValidationError, match="just taken"):
        portal_book(bookable, at(6, 11))
    assert portal_book(bookable, at(6, 12))


# --- series ---------------------------------------------------------------------------------------


def test_a_weekly_series_keeps_its_local_hour_across_daylight_saving(alice, solo):
    series = services.series_create(
        therapist=alice,
        client=sign_for_video(solo),
        members=list(solo.members.all()),
        first_start=at(15, 10, month=3),
        frequency="weekly",
        count=4,
        by=alice.user,
        modality=Modality.VIDEO,
    )
    starts = list(series.appointments.order_by("start").values_list("start", flat=True))
    # London moves to BST on 28 March 2027: 10:00 local is 10:00 UTC before and 09:00 UTC after.
    assert [s.astimezone(UTC).hour for s in starts] == [10, 10, 9, 9]
    assert [s.astimezone(alice.zone).hour for s in starts] == [10, 10, 10, 10]


def test_a_fortnightly_series_until_a_date(alice, solo):
    series = services.series_create(
        therapist=alice,
        client=sign_for_video(solo),
        members=list(solo.members.all()),
        first_start=at(4, 14),
        by=alice.user,
        frequency="fortnightly",
        until=date(2027, 2, 15),
        modality=Modality.VIDEO,
    )
    days = [s.date() for s in series.appointments.order_by("start").values_list("start", flat=True)]
    assert days == [date(2027, 1, 4), date(2027, 1, 18), date(2027, 2, 1), date(2027, 2, 15)]


def test_a_series_with_a_clash_creates_nothing_and_says_where(alice, solo):
    book(alice, ClientFactory(primary_therapist=alice), at(18, 14))
    with pytest.raises(ValidationError, match=r"No sessions were created\. Mon 18 Jan 2027"):
        services.series_create(
            therapist=alice,
            client=sign_for_video(solo),
            members=list(solo.members.all()),
            first_start=at(4, 14),
            by=alice.user,
            frequency="weekly",
            count=4,
            modality=Modality.VIDEO,
        )
    assert Appointment.objects.filter(client=solo).count() == 0


# --- move, cancel, mark ---------------------------------------------------------------------------


def test_moving_changes_the_times_of_the_session_and_its_attendance(alice, solo, monday):
    appointment = services.appointment_move(
        appointment=book(alice, solo, at(8, 10)), start=at(8, 15), by=alice.user, via="calendar"
    )
    assert (appointment.start, appointment.end) == (at(8, 15), at(8, 16))
    assert Attendance.objects.get().start == at(8, 15)


def test_moving_onto_a_clash_is_refused(alice, solo, monday):
    book(alice, ClientFactory(primary_therapist=alice), at(8, 15))
    appointment = book(alice, solo, at(8, 10))
    with pytest.raises(ValidationError, match="clashes"):
        services.appointment_move(appointment=appointment, start=at(8, 15, 30), by=alice.user, via="calendar")
    appointment.refresh_from_db()
    assert appointment.start == at(8, 10)


def test_the_portal_cannot_move_inside_the_late_window(alice, hours, bookable, monday):
    appointment = portal_book(bookable, at(5, 10))  # 26 h ahead, inside 48 h
    with pytest.raises(ValidationError, match="can no longer be moved online"):
        services.appointment_move(appointment=appointment, start=at(7, 10), by=alice.user, via="portal")


def test_late_cancellation_from_the_portal_tells_the_therapist(
    alice, hours, bookable, monday, mailoutbox, django_capture_on_commit_callbacks, deliver
):
    appointment = portal_book(bookable, at(5, 10))
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_cancel(appointment=appointment, by=alice.user, via="portal")
    appointment.refresh_from_db()
    assert appointment.status == "late_cancelled" and not Attendance.objects.get().live
    deliver()
    (mail,) = mailoutbox
    assert mail.to == [alice.user.email] and bookable.reference in mail.subject
    assert bookable.members.get().first_name not in mail.subject + mail.body


def test_an_early_cancellation_is_plain_and_frees_the_time(alice, hours, bookable, monday, mailoutbox):
    appointment = portal_book(bookable, at(8, 10))
    services.appointment_cancel(appointment=appointment, by=alice.user, via="portal")
    appointment.refresh_from_db()
    assert appointment.status == "cancelled" and not mailoutbox
    assert portal_book(bookable, at(8, 10)).status == "booked"


def test_staff_record_a_late_cancellation_by_choice(alice, solo, staff_user, monday):
    appointment = book(alice, solo, at(20, 10))
    services.appointment_cancel(appointment=appointment, by=staff_user, via="calendar", late=True)
    appointment.refresh_from_db()
    assert (appointment.status, appointment.cancelled_by) == ("late_cancelled", staff_user)


def test_marking_attendance_waits_for_the_session_to_start(alice, solo, monday):
    appointment = book(alice, solo, at(4, 10))
    with pytest.raises(ValidationError, match="once it has started"):
        services.appointment_mark(appointment=appointment, status="attended", by=alice.user)
    services.appointment_mark(appointment=appointment, status="no_show", by=alice.user, now=at(4, 10, 5))
    appointment.refresh_from_db()
    assert appointment.status == "no_show"
    with pytest.raises(ValidationError, match="not booked any more"):
        services.appointment_cancel(appointment=appointment, by=alice.user, via="calendar")


def test_a_new_therapist_has_default_rules(db):
    from sessions_app.selectors import rules_for

    rules = rules_for(TherapistFactory())
    assert (rules.session_minutes, rules.min_notice_hours, rules.max_days_ahead, rules.late_cancel_hours) == (
        60,
        24,
        60,
        48,
    )
    assert rules.pk is None and not Room.objects.exists()
    assert rules.session_length == timedelta(hours=1)


def test_paused_or_discharged_clients_cannot_book_online(alice, hours, bookable, monday):
    from clients.models import Client

    for status in (Client.Status.PAUSED, Client.Status.DISCHARGED):
        bookable.status = status
        with pytest.raises(ValidationError, match="not open for you yet"):
            portal_book(bookable, at(6, 10))
    assert not Appointment.objects.exists()


def test_cancelling_online_needs_online_changes_open(alice, hours, bookable, monday):
    from clients.models import Client

    appointment = portal_book(bookable, at(8, 10))
    Client.objects.filter(pk=bookable.pk).update(self_booking=False)
    with pytest.raises(ValidationError, match="Online changes are not open"):
        services.appointment_cancel(appointment=appointment, by=alice.user, via="portal")
    services.appointment_cancel(appointment=appointment, by=alice.user, via="calendar")  # the practice still can
