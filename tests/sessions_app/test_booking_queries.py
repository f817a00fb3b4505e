"""Booking, moving and cancelling in a fixed number of queries (booking at most 10), with the
same messages queued as before. SAVEPOINT and RELEASE are not counted: they are the atomic blocks'
bookkeeping, not reads or writes."""

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import CheckConstraint
from django.test.utils import CaptureQueriesContext

from clients.models import Consent
from outbox.models import Notification
from sessions_app import notifications, services
from sessions_app.models import Appointment, BookingRules, Modality
from tests.factories import ClientFactory, couple, sign_for_video
from tests.sessions_app.test_availability_scale import scan_conditions

START = datetime(2027, 1, 8, 10, 0, tzinfo=UTC)  # Friday 10:00 London, four days after `monday`
BOOKING_BUDGET = 10


class Counted:
    queries: list[str]

    def __len__(self) -> int:
        return len(self.queries)


@contextmanager
def counted():
    """The statements run inside the block, savepoints left out."""
    result = Counted()
    with CaptureQueriesContext(connection) as context:
        yield result
    result.queries = [
        q["sql"] for q in context.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]


def with_email_reminders(unit):
    for member in unit.members.all():
        Consent.objects.create(
            client=unit, member=member, kind=Consent.Kind.REMINDERS_EMAIL, recorded_by=unit.primary_therapist.user
        )
    return sign_for_video(unit)


def book(unit, start=START, members=None, **kwargs):
    therapist = unit.primary_therapist
    kwargs.setdefault("modality", Modality.VIDEO)
    members = members if members is not None else list(unit.members.all())
    return services.appointment_book(
        therapist=therapist, client=unit, members=members, start=start, by=therapist.user, **kwargs
    )


def queued():
    return set(Notification.objects.values_list("kind", "member_id", "user_id", "channel", "send_at"))


def expected_booking_rows(unit):
    return {
        (kind, member.pk, None, "email", send_at)
        for member in unit.members.all()
        for kind, send_at in [
            ("appointment_booked", datetime(2027, 1, 4, 8, 0, tzinfo=UTC)),
            ("appointment_reminder", START - timedelta(hours=48)),
            ("appointment_reminder", START - timedelta(hours=2)),
        ]
    }


@pytest.mark.parametrize(
    "make_unit", [couple, lambda t: ClientFactory(primary_therapist=t)], ids=["couple", "individual"]
)
def test_a_video_booking_makes_nine_queries_and_queues_the_same_messages(alice, monday, make_unit):
    unit = with_email_reminders(make_unit(alice))
    members = list(unit.members.all())  # as the form gives them
    with counted() as queries:
        book(unit, members=members)
    # lock + rules, the signed documents (one query), clashes (therapist and members, one UNION),
    # session, attendance, audit, members with their consents, the reminder schedules, the messages
    assert len(queries) == 9 <= BOOKING_BUDGET, queries.queries
    assert queued() == expected_booking_rows(unit)
    assert unit.members.count() == (2 if unit.kind == "couple" else 1)


def test_an_in_person_booking_that_picks_the_room_makes_as_many(alice, pair, room, monday):
    members = list(with_email_reminders(pair).members.all())
    with counted() as queries:
        appointment = book(pair, members=members, modality=Modality.IN_PERSON)
    assert len(queries) == 10 <= BOOKING_BUDGET, queries.queries  # the signed documents, and the free room
    assert appointment.room == room


def test_queueing_a_booking_again_adds_nothing_in_three_queries(alice, pair, monday):
    appointment = book(with_email_reminders(pair))
    before = Notification.objects.count()
    with counted() as queries:
        notifications.on_booked(appointment)
    assert len(queries) == 3 and Notification.objects.count() == before == 6  # members, schedules, insert


def test_moving_and_cancelling_make_a_fixed_number_of_queries(alice, pair, monday):
    appointment = book(with_email_reminders(pair))
    with counted() as queries:
        services.appointment_move(
            appointment=appointment, start=START + timedelta(hours=2), by=alice.user, via="calendar"
        )
    assert len(queries) == 12, queries.queries  # the telehealth signatures are checked again; the schedules
    assert Notification.objects.filter(kind="appointment_moved", status="pending").count() == 2
    with counted() as queries:
        services.appointment_cancel(appointment=appointment, by=alice.user, via="calendar")
    # 7, and measures' look for the session's open questionnaire requests to withdraw (measures/schedule.py).
    assert len(queries) == 8, queries.queries
    assert Notification.objects.filter(kind="appointment_cancelled", status="pending").count() == 2
    assert not Notification.objects.filter(kind="appointment_reminder", status="pending").exists()


def test_a_late_cancellation_by_the_client_queues_the_therapists_notice_in_the_same_insert(alice, pair, monday):
    appointment = book(with_email_reminders(pair), start=datetime(2027, 1, 5, 10, tzinfo=UTC))
    with counted() as queries:
        services.appointment_cancel(appointment=appointment, by=None, via=Appointment.Via.LINK)
    # 7, billing's 2 (who pays: billing/services.py, charge_sync) and the late-fee gate's 4 (has the
    # billing party signed the financial policy: documents.gates.has_signed, templates, versions,
    # signatures and, for a couple sharing the bill, its members), and measures' 1 (the session's open
    # questionnaire requests, withdrawn with it: measures/schedule.py).
    assert len(queries) == 14, queries.queries
    notice = Notification.objects.get(kind="late_cancellation_notice")
    assert (notice.user, notice.member, notice.reference) == (alice.user, None, pair.reference)
    assert Appointment.objects.get().status == "late_cancelled"


def test_the_rules_read_with_the_lock_are_the_saved_ones(alice, solo, monday):
    BookingRules.objects.create(therapist=alice, session_minutes=50)
    assert book(sign_for_video(solo)).end == START + timedelta(minutes=50)


def test_the_therapists_own_session_is_named_before_a_room_clash_that_starts_earlier(alice, solo, room, monday):
    other = ClientFactory()
    book(other, start=START - timedelta(minutes=30), modality=Modality.IN_PERSON, room=room)
    own = book(sign_for_video(ClientFactory(primary_therapist=alice)), start=START + timedelta(minutes=30))
    with pytest.raises(ValidationError, match=rf"clashes with Session {own.client.reference} on Fri 8 Jan 2027, 10:30"):
        book(solo, modality=Modality.IN_PERSON, room=room)


def test_every_check_constraint_is_evaluated_without_a_query():
    names = {c.name for c in Appointment._meta.constraints if isinstance(c, CheckConstraint)}
    assert names == set(services.CHECKS)


def test_an_end_before_the_start_is_refused_with_the_constraints_message(alice, solo, monday):
    with pytest.raises(ValidationError) as refused:
        book(sign_for_video(solo), minutes=-30)
    assert refused.value.message_dict == {"__all__": ["Constraint “appointment_end_after_start” is violated."]}
    assert not Appointment.objects.exists()


def test_the_clash_check_scans_a_window_not_the_history(alice, monday, room):
    """Each part of the clash query (therapist, room, members) is an index range bounded on both
    sides, so booking does not slow down as past sessions pile up."""
    unit = couple(alice)
    with counted() as statements:
        services._clashes(
            therapist=alice,
            start=START,
            end=START + timedelta(hours=1),
            room=room,
            members=list(unit.members.all()),
            buffer=timedelta(minutes=10),
        )
    (union,) = [sql for sql in statements.queries if "UNION" in sql]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # tables this small would be read whole
        cursor.execute(f"EXPLAIN {union}" if connection.vendor == "postgresql" else f"EXPLAIN QUERY PLAN {union}")
        plan = [row[-1].strip() for row in cursor.fetchall()]
    if connection.vendor == "postgresql":
        # PostgreSQL's planner picks among the indexes by the (here tiny) table statistics: check that
        # each part is an index scan whose conditions bound the start on both sides.
        assert not [line for line in plan if "Seq Scan" in line], plan
        scans = scan_conditions(plan)
        assert len(scans) == 3 and all("start >" in text and "start <" in text for _table, text in scans), plan
    else:
        steps = [line for line in plan if line.startswith(("SEARCH", "SCAN"))]
        assert len(steps) == 3 and not [step for step in steps if step.startswith("SCAN")], plan
        assert all("start>? AND start<?)" in step for step in steps), plan
