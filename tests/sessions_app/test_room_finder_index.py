"""The calendar's free hours find a free room from the rooms' own bookings (the (room, start) index).

The room finder used to read every session of the range that had a room, of every therapist, through
the start index: the practice's whole week, which grows with the number of therapists (the calendar
week 0.05 -> 0.57 ms from S to L on SQLite). A practice without rooms reads nothing for them."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sessions_app.models import Appointment, Modality, Room
from tests.factories import ClientFactory, TherapistFactory, video_sessions
from tests.plans import analyze, plan_of
from tests.sessions_app.test_calendar import at, book

SCHEDULE = reverse("sessions_app:schedule")


def _room_reads(captured) -> list[str]:
    return [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith('SELECT "sessions_app_appointment"."room_id"')
    ]


def _room_indexes() -> set[str]:
    """The (room, start) index, and on PostgreSQL the room's no-overlap exclusion constraint's."""
    return {
        next(i.name for i in Appointment._meta.indexes if i.fields == ["room", "start"]),
        "appointment_room_no_overlap",
    }


def test_free_hours_read_only_the_rooms_own_bookings(client, alice, solo, room, monday):
    others = [TherapistFactory() for _ in range(4)]
    for therapist in others:  # the rest of the practice's week, by video: no room
        video_sessions(
            therapist, ClientFactory(primary_therapist=therapist), [at(d, h) for d in range(4, 9) for h in range(9, 17)]
        )
    book(alice, solo, at(6, 10), modality=Modality.IN_PERSON, room=room)
    analyze()
    client.force_login(alice.user)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(SCHEDULE).status_code == 200
    reads = _room_reads(captured)
    assert len(reads) == 1, [q["sql"] for q in captured.captured_queries]
    plan = plan_of(reads[0])
    assert any(name in plan for name in _room_indexes()), plan


def test_a_practice_without_rooms_offers_free_hours_without_a_room_and_reads_none(client, alice, solo, monday):
    client.force_login(alice.user)
    with CaptureQueriesContext(connection) as without:
        body = client.get(SCHEDULE).content.decode()
    assert 'class="cal-slot' in body
    assert "room=" not in body
    assert _room_reads(without) == []
    Room.objects.create(name="Room 1", location="12 Quay Street")
    with CaptureQueriesContext(connection) as with_a_room:
        body = client.get(SCHEDULE).content.decode()
    assert "room=" in body
    assert len(_room_reads(with_a_room)) == 1
    assert len(with_a_room.captured_queries) == len(without.captured_queries) + 1
