"""Free slots: working hours minus time off, bookings, buffers, notice, rooms; fixed queries."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sessions_app import selectors
from sessions_app.models import Appointment, BookingRules, Modality, Room, TimeOff
from tests.factories import ClientFactory

WEEK = (date(2027, 1, 4), date(2027, 1, 10))  # Monday to Sunday


def at(day, hour, minute=0):
    return datetime(2027, 1, day, hour, minute, tzinfo=UTC)  # January: London is UTC


def slots(alice, modality=Modality.VIDEO, first=WEEK[0], last=WEEK[1], **kwargs):
    return [
        s.start
        for s in selectors.free_slots(therapist=alice, first_day=first, last_day=last, modality=modality, **kwargs)
    ]


def book(alice, start, minutes=60, room=None, status=Appointment.Status.BOOKED):
    unit = ClientFactory(primary_therapist=alice)
    return Appointment.objects.create(
        therapist=alice,
        client=unit,
        start=start,
        end=start + timedelta(minutes=minutes),
        booked_by=alice.user,
        modality=Modality.IN_PERSON if room else Modality.VIDEO,
        room=room,
        status=status,
    )


def test_working_hours_give_one_hour_slots_on_the_hour(alice, hours, monday):
    found = slots(alice, first=date(2027, 1, 6), last=date(2027, 1, 6))
    assert found == [at(6, h) for h in range(9, 17)]  # 09:00 … 16:00, the last ends at 17:00


def test_minimum_notice_and_booking_horizon_for_clients(alice, hours, monday):
    week = slots(alice)
    assert min(week) == at(5, 9)  # Monday 08:00 + 24 h: nothing on Monday
    BookingRules.objects.update_or_create(therapist=alice, defaults={"max_days_ahead": 2})
    assert max(slots(alice)) == at(5, 16)  # up to Wednesday 08:00: Tuesday's last session
    assert at(6, 9) in slots(alice, for_client=False)  # the calendar is not bound by the client's horizon


def test_weekends_and_time_off_have_no_slots(alice, hours, monday):
    TimeOff.objects.create(therapist=alice, start=at(6, 0), end=at(7, 0), label="Training")
    found = slots(alice)
    assert not [s for s in found if s.date() in (date(2027, 1, 6), date(2027, 1, 9), date(2027, 1, 10))]
    assert at(7, 9) in found


def test_bookings_and_buffers_block_their_neighbours(alice, hours, monday):
    book(alice, at(6, 11))
    found = slots(alice)
    assert at(6, 11) not in found and at(6, 10) in found and at(6, 12) in found  # back to back is fine
    BookingRules.objects.update_or_create(therapist=alice, defaults={"buffer_minutes": 15})
    found = slots(alice)
    assert at(6, 10) not in found and at(6, 12) not in found and at(6, 13) in found


def test_cancelled_sessions_free_their_time(alice, hours, monday):
    book(alice, at(6, 11), status=Appointment.Status.CANCELLED)
    assert at(6, 11) in slots(alice)


def test_a_half_hour_session_blocks_the_whole_slot_it_overlaps(alice, hours, monday):
    book(alice, at(6, 11, 30), minutes=30)
    found = slots(alice)
    assert at(6, 11) not in found and at(6, 12) in found


def test_in_person_slots_need_a_free_room(alice, hours, monday, room):
    other = ClientFactory()  # another therapist's client
    Appointment.objects.create(
        therapist=other.primary_therapist,
        client=other,
        start=at(6, 10),
        end=at(6, 11),
        booked_by=alice.user,
        modality=Modality.IN_PERSON,
        room=room,
    )
    assert at(6, 10) not in slots(alice, Modality.IN_PERSON)
    assert at(6, 10) in slots(alice, Modality.VIDEO)  # video needs no room
    Room.objects.create(name="Room 2")
    assert at(6, 10) in slots(alice, Modality.IN_PERSON)


def test_a_30_minute_grid(alice, hours, monday):
    BookingRules.objects.update_or_create(therapist=alice, defaults={"slot_grid_minutes": 30})
    found = slots(alice, first=date(2027, 1, 6), last=date(2027, 1, 6))
    assert at(6, 9, 30) in found and found[-1] == at(6, 16)


def test_slots_follow_the_therapists_zone(alice, hours, monday):
    alice.time_zone = "America/New_York"
    alice.save(update_fields=["time_zone"])
    found = slots(alice, first=date(2027, 1, 6), last=date(2027, 1, 6))
    assert found[0] == at(6, 14)  # 09:00 in New York in January is 14:00 UTC


@pytest.mark.parametrize("bookings", [0, 30])
def test_query_count_is_fixed_whatever_the_bookings(
    alice, hours, monday, room, bookings, django_assert_max_num_queries
):
    for i in range(bookings):
        book(alice, at(4 + i % 5, 9 + i // 5), room=room if i % 2 else None)
    TimeOff.objects.create(therapist=alice, start=at(8, 12), end=at(8, 13))
    with django_assert_max_num_queries(4):
        slots(alice, Modality.IN_PERSON)


def test_query_count_does_not_grow_with_the_range(alice, hours, monday):
    with CaptureQueriesContext(connection) as week:
        slots(alice, Modality.IN_PERSON)
    with CaptureQueriesContext(connection) as quarter:
        slots(alice, Modality.IN_PERSON, last=date(2027, 4, 1))
    assert len(quarter.captured_queries) == len(week.captured_queries) <= 4
