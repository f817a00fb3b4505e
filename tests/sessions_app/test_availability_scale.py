"""Availability at scale: a bounded scan, a fixed number of queries, and many therapists at once.

`free_slots_many` must give exactly what `free_slots` gives per therapist, and both what the
original unbounded computation gives (`reference_slots` below), over bookings, buffers, grids, time
off, rooms, zones and daylight-saving weeks.
"""

import zoneinfo
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessions_app import selectors
from sessions_app.models import MAX_SESSION_LENGTH, Appointment, BookingRules, Modality, Room, TimeOff, WorkingHours
from tests.factories import ClientFactory, TherapistFactory

LIVE = Appointment.Status.BOOKED


def book(therapist, start, *, minutes=60, room=None, status=LIVE, save=True, unit=None):
    unit = unit or ClientFactory(primary_therapist=therapist)
    appointment = Appointment(
        therapist=therapist,
        client=unit,
        start=start,
        end=start + timedelta(minutes=minutes),
        booked_by=therapist.user,
        modality=Modality.IN_PERSON if room else Modality.VIDEO,
        room=room,
        status=status,
    )
    if save:
        appointment.save()
    return appointment


WEEKDAYS_9_TO_5 = tuple((weekday, 9, 17) for weekday in range(5))


def therapist_with(zone="Europe/London", hours=WEEKDAYS_9_TO_5, **rules):
    therapist = TherapistFactory(time_zone=zone)
    for weekday, start, end in hours:
        WorkingHours.objects.create(therapist=therapist, weekday=weekday, start=time(start), end=time(end))
    if rules:
        BookingRules.objects.create(therapist=therapist, **rules)
    return therapist


def reference_slots(therapist, first_day, last_day, modality, for_client, now):
    """The original computation: every session ending after the range, no index bound, no bisect."""
    rules = selectors.rules_for(therapist)
    zone = zoneinfo.ZoneInfo(therapist.time_zone)
    range_start = datetime.combine(first_day, time.min, tzinfo=zone) - rules.buffer
    busy = [(o.start, o.end) for o in TimeOff.objects.filter(therapist=therapist, end__gt=range_start)]
    busy += [
        (a.start - rules.buffer, a.end + rules.buffer)
        for a in Appointment.objects.live().filter(therapist=therapist, end__gt=range_start)
    ]
    room_busy = defaultdict(list)
    for a in Appointment.objects.live().filter(room__isnull=False, end__gt=range_start):
        room_busy[a.room_id].append((a.start, a.end))
    rooms = list(Room.objects.filter(active=True).values_list("pk", flat=True))
    earliest = now + timedelta(hours=rules.min_notice_hours) if for_client else now
    latest = now + timedelta(days=rules.max_days_ahead) if for_client else None
    found, day, grid = [], first_day, rules.slot_grid_minutes
    while day <= last_day:
        for block in WorkingHours.objects.filter(therapist=therapist, weekday=day.weekday()):
            minute = -(-(block.start.hour * 60 + block.start.minute) // grid) * grid
            while minute + rules.session_minutes <= block.end.hour * 60 + block.end.minute:
                start = selectors.local_datetime(day, time(minute // 60, minute % 60), zone)
                minute += grid
                if start is None or start < earliest or (latest and start > latest):
                    continue
                end = start + rules.session_length
                if any(s < end and e > start for s, e in busy):
                    continue
                room = None
                if modality == Modality.IN_PERSON:
                    room = next((r for r in rooms if not any(s < end and e > start for s, e in room_busy[r])), None)
                    if room is None:
                        continue
                found.append(selectors.Slot(start.astimezone(UTC), end.astimezone(UTC), room))
        day += timedelta(days=1)
    return found


# Weeks around the 2027 clock changes: New York springs forward on 14 March, London and Berlin on
# 28 March, London falls back on 31 October.
WEEKS = [date(2027, 3, 8), date(2027, 3, 22), date(2027, 10, 25)]


@pytest.fixture
def practice(db):
    """Five therapists in four zones with different rules, rooms, bookings and time off."""
    room1, room2 = Room.objects.create(name="Room 1"), Room.objects.create(name="Room 2")
    Room.objects.create(name="Room 3", active=False)
    alice = therapist_with()  # the default rules (no row)
    bob_hours = [(d, 8, 12) for d in range(7)] + [(d, 13, 18) for d in range(7)] + [(6, 0, 4)]
    bob = therapist_with(
        "America/New_York",
        bob_hours,
        session_minutes=50,
        slot_grid_minutes=30,
        buffer_minutes=15,
        min_notice_hours=2,
        max_days_ahead=3,
    )
    carol = therapist_with("Asia/Kolkata", [(1, 10, 16), (3, 10, 16)], session_minutes=45, slot_grid_minutes=15)
    erin_hours = [(6, 0, 4), (0, 9, 12), (0, 13, 18)]  # Sunday's early block meets the clock change
    erin = therapist_with("Europe/Berlin", erin_hours, slot_grid_minutes=30, buffer_minutes=10)
    dave = therapist_with(hours=())  # no working hours: no slots
    outsider = therapist_with()  # not asked about, but holds a room
    for monday in WEEKS:
        at = datetime.combine(monday, time(), tzinfo=UTC)
        for i, therapist in enumerate([alice, bob, carol, erin]):
            book(therapist, at + timedelta(days=1, hours=10))
            book(therapist, at + timedelta(days=2, hours=14 + i), room=room1)
            book(therapist, at + timedelta(days=3, hours=10), status=Appointment.Status.CANCELLED)
            book(therapist, at + timedelta(days=4, hours=15, minutes=30), minutes=30)
        book(outsider, at + timedelta(days=2, hours=13), minutes=240, room=room2)
        book(alice, at - timedelta(hours=14), minutes=24 * 60)  # from Sunday 10:00 to Monday 10:00
        book(erin, at + timedelta(days=6, hours=1), minutes=45)
        TimeOff.objects.create(therapist=carol, start=at - timedelta(days=14), end=at + timedelta(days=2))
        friday_noon = at + timedelta(days=4, hours=12)
        TimeOff.objects.create(therapist=alice, start=friday_noon, end=friday_noon + timedelta(hours=2))
    return [alice, bob, carol, erin, dave]


@pytest.mark.parametrize("monday", WEEKS)
@pytest.mark.parametrize("modality", [Modality.VIDEO, Modality.IN_PERSON])
@pytest.mark.parametrize("for_client", [True, False])
def test_many_gives_what_free_slots_gives_for_each(practice, monday, modality, for_client):
    now = datetime.combine(monday, time(6), tzinfo=UTC)
    days = {
        "first_day": monday,
        "last_day": monday + timedelta(days=6),
        "modality": modality,
        "for_client": for_client,
        "now": now,
    }
    many = selectors.free_slots_many(therapists=practice, **days)
    one_by_one = {t.pk: selectors.free_slots(therapist=t, **days) for t in practice}
    reference = {
        t.pk: reference_slots(t, monday, monday + timedelta(days=6), modality, for_client, now) for t in practice
    }
    assert many == one_by_one == reference
    alice, dave = practice[0], practice[-1]
    tuesday_10 = datetime.combine(monday + timedelta(days=1), time(10), tzinfo=UTC)
    assert many[alice.pk] and tuesday_10 not in [s.start for s in many[alice.pk]]  # not vacuous
    assert many[dave.pk] == []


def test_a_session_that_began_the_day_before_still_blocks(db):
    """The scan starts MAX_SESSION_LENGTH before the range: the longest session is still seen."""
    alice = therapist_with()
    monday = date(2027, 1, 4)
    book(alice, datetime(2027, 1, 3, 10, 30, tzinfo=UTC), minutes=24 * 60)  # Sunday 10:30 to Monday 10:30
    days = {"first_day": monday, "last_day": monday, "for_client": False, "now": datetime(2027, 1, 1, tzinfo=UTC)}
    one = selectors.free_slots(therapist=alice, **days)
    many = selectors.free_slots_many(therapists=[alice], **days)[alice.pk]
    assert [s.start.hour for s in one] == [s.start.hour for s in many] == [11, 12, 13, 14, 15, 16]  # 9, 10 taken


def test_a_session_longer_than_a_day_is_refused(db):
    alice = therapist_with()
    too_long = book(alice, datetime(2027, 1, 4, 9, tzinfo=UTC), minutes=24 * 60 + 1, save=False)
    with pytest.raises(ValidationError, match="at most a day"):
        too_long.full_clean()
    book(alice, datetime(2027, 1, 4, 9, tzinfo=UTC), minutes=MAX_SESSION_LENGTH // timedelta(minutes=1)).full_clean()
    if connection.vendor == "postgresql":  # the database refuses it too (migration 0005)
        with pytest.raises(IntegrityError, match="appointment_at_most_a_day"), transaction.atomic():
            too_long.save()
    else:  # SQLite: `clean()` is the guard
        too_long.save()
        assert Appointment.objects.filter(pk=too_long.pk).exists()


def count_queries(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured.captured_queries)


@pytest.mark.parametrize("modality, most", [(Modality.VIDEO, 2), (Modality.IN_PERSON, 3)])
def test_queries_do_not_grow_with_therapists_or_history(db, modality, most):
    Room.objects.create(name="Room 1")
    team = [therapist_with(buffer_minutes=10) for _ in range(5)]
    days = {"first_day": date(2027, 1, 4), "last_day": date(2027, 1, 10), "modality": modality}

    def counts():
        return (
            count_queries(lambda: selectors.free_slots(therapist=team[0], **days)),
            count_queries(lambda: selectors.free_slots_many(therapists=team[:1], **days)),
            count_queries(lambda: selectors.free_slots_many(therapists=team, **days)),
        )

    before = counts()
    units = {t.pk: ClientFactory(primary_therapist=t) for t in team}
    history = [
        book(t, datetime(2026, 12, 1, 9, tzinfo=UTC) - timedelta(hours=2 * i), save=False, unit=units[t.pk])
        for i in range(100)
        for t in team
    ]
    Appointment.objects.bulk_create(history)
    assert counts() == before == (most, most, most)


def busy_query_plan(team) -> list[str]:
    """The plan of the union `free_slots_many` runs, as text lines."""
    with CaptureQueriesContext(connection) as captured:
        selectors.free_slots_many(
            therapists=team, first_day=date(2027, 1, 4), last_day=date(2027, 1, 10), modality=Modality.IN_PERSON
        )
    (union,) = [q["sql"] for q in captured.captured_queries if "UNION ALL" in q["sql"]]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # tables this small would be read whole
        cursor.execute(f"EXPLAIN {union}" if connection.vendor == "postgresql" else f"EXPLAIN QUERY PLAN {union}")
        return [row[-1].strip() for row in cursor.fetchall()]


def scan_conditions(plan: list[str]) -> list[tuple[str, str]]:
    """PostgreSQL: (table, its index and filter conditions) for each scan of a plan."""
    scans = []
    for line in plan:
        # A bitmap index scan feeds the heap scan above it: its conditions count for that scan.
        if " on " in line and "Scan" in line and "Bitmap Index Scan" not in line:
            scans.append((line.split(" on ", 1)[1].split()[0], ""))
        elif line.startswith(("Index Cond", "Recheck Cond", "Filter")) and scans:
            scans[-1] = (scans[-1][0], f"{scans[-1][1]} {line}")
    return scans


def test_every_part_of_the_busy_query_is_an_index_range_bounded_on_both_sides(db):
    Room.objects.create(name="Room 1")
    plan = busy_query_plan([therapist_with() for _ in range(2)])
    if connection.vendor == "postgresql":
        # The planner picks among the indexes by the (tiny, and changing through the suite) table
        # statistics: check that each part is an index scan whose conditions bound it on both sides.
        assert not [line for line in plan if "Seq Scan" in line], plan
        scans = scan_conditions(plan)
        assert [table for table, _text in scans] == ["sessions_app_timeoff", *["sessions_app_appointment"] * 2], plan
        assert '"end" >' in scans[0][1]  # time off: only what ends after the range starts
        assert all("start >" in text and "start <" in text for _table, text in scans[1:]), plan
    else:
        steps = [line for line in plan if line.startswith(("SEARCH", "SCAN"))]
        assert len(steps) == 3 and not [step for step in steps if step.startswith("SCAN")], steps
        assert "(therapist_id=? AND end>?)" in steps[0]  # time off: only what ends after the range starts
        assert all("start>? AND start<?)" in step for step in steps[1:])  # sessions: both sides


# Sessions (therapist, room or none, status, start in hours after the week's Sunday, minutes) and
# time off (therapist, start hour, hours) around one week, drawn at random; the first session is
# sometimes the one being moved (`ignore_appointment_id`).
_sessions = st.lists(
    st.tuples(
        st.integers(0, 1),
        st.sampled_from([None, 0, 1]),
        st.sampled_from(list(Appointment.Status)),
        st.integers(-30, 8 * 24),
        st.sampled_from([30, 50, 60, 90, 24 * 60]),
    ),
    max_size=12,
)
_time_off = st.lists(st.tuples(st.integers(0, 1), st.integers(-48, 8 * 24), st.integers(1, 72)), max_size=3)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sessions=_sessions, time_off=_time_off, in_person=st.booleans(), moving=st.booleans())
def test_free_slots_match_the_reference_for_any_bookings_and_time_off(sessions, time_off, in_person, moving):
    """The busy statement written out (`_busy_sql`) gives the same slots as the original computation,
    whatever the sessions, rooms, statuses, buffers and time off, and when a session is being moved."""
    with transaction.atomic():
        rooms = [Room.objects.create(name="Room 1"), Room.objects.create(name="Room 2")]
        team = [therapist_with(buffer_minutes=15), therapist_with("America/New_York", slot_grid_minutes=30)]
        sunday = datetime(2027, 3, 7, tzinfo=UTC)
        made = []
        for who, room, status, hour, minutes in sessions:
            start = sunday + timedelta(hours=hour)
            session = book(
                team[who],
                start,
                minutes=minutes,
                room=rooms[room] if room is not None else None,
                status=status,
                save=False,
            )
            try:
                with transaction.atomic():
                    session.save()
            except IntegrityError:  # PostgreSQL refuses overlapping live sessions of a therapist or a room
                continue
            made.append(session)
        for who, hour, hours in time_off:
            start = sunday + timedelta(hours=hour)
            TimeOff.objects.create(therapist=team[who], start=start, end=start + timedelta(hours=hours))
        moved = made[0] if moving and made else None
        modality = Modality.IN_PERSON if in_person else Modality.VIDEO
        days = {"first_day": date(2027, 3, 8), "last_day": date(2027, 3, 14), "modality": modality}
        now = datetime(2027, 3, 1, tzinfo=UTC)
        for therapist in team:
            got = selectors.free_slots(
                therapist=therapist,
                **days,
                for_client=False,
                now=now,
                ignore_appointment_id=moved.pk if moved else None,
            )
            if moved is not None:  # the reference frees the moved session's time by leaving it out
                Appointment.objects.filter(pk=moved.pk).update(status=Appointment.Status.CANCELLED)
            expected = reference_slots(therapist, days["first_day"], days["last_day"], modality, False, now)
            if moved is not None:
                Appointment.objects.filter(pk=moved.pk).update(status=moved.status)
            assert got == expected
        transaction.set_rollback(True)
