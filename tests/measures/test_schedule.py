"""Before each session, every N sessions and every N weeks: exactly one request per due point, across
moves and cancellations; nothing for a cancelled session. The beat (`measures_schedule`) is run
again and again, as it is every 10 minutes, and the outbox is read to count what would be sent."""

from datetime import timedelta

import pytest
from django.utils import timezone

from measures import services
from measures.models import MeasureAssignment, MeasureRequest
from measures.schedule import LEAD, REQUEST, measures_schedule
from outbox import services as outbox
from outbox.models import Notification
from sessions_app import services as sessions
from sessions_app.models import Appointment

pytestmark = pytest.mark.usefixtures("monday")


def book(alice, pair, partners, *, days: int, hour: int = 10) -> Appointment:
    start = timezone.now().replace(hour=hour, minute=0) + timedelta(days=days)
    return sessions.appointment_book(therapist=alice, client=pair, members=partners, start=start, by=alice.user)


def assign(alice, pair, schedule, every=1):
    return services.assignment_create(client=pair, by=alice.user, instrument="csi4", schedule=schedule, every=every)


def run_beat_until(monday, end, *, every=timedelta(hours=3)) -> None:
    """The beat, every few hours until `end` (each run is idempotent, so more runs prove more), with
    the outbox delivering what is due after each run, as its own beat does every minute."""
    while timezone.now() < end:
        measures_schedule()
        measures_schedule()  # twice at the same moment: still nothing new
        sent_so_far()
        monday.shift(every)


def wanted_messages() -> list[Notification]:
    """The request messages that would be sent: queued, and still wanted when built."""
    rows = Notification.objects.filter(kind=REQUEST).exclude(status=Notification.Status.CANCELLED)
    return [row for row in rows if outbox._build(row) is not None]


def sent_so_far() -> None:
    """Deliver what is due now (the outbox's own claim and send), so later cancellations meet sent rows."""
    outbox.notifications_dispatch()
    ids = list(Notification.objects.filter(status=Notification.Status.QUEUED).values_list("pk", flat=True))
    outbox.notifications_deliver(notification_ids=ids)


def requests_by_session(member) -> dict[int, int]:
    counts: dict[int, int] = {}
    for request in MeasureRequest.objects.filter(member=member).exclude(status=MeasureRequest.Status.WITHDRAWN):
        counts[request.appointment_id] = counts.get(request.appointment_id, 0) + 1
    return counts


def test_before_every_session_one_request_each_time_across_a_move(monday, alice, pair, partners):
    assign(alice, pair, MeasureAssignment.Schedule.EVERY_SESSION)
    first, second, third = (book(alice, pair, partners, days=d) for d in (1, 4, 8))
    run_beat_until(monday, first.start - timedelta(hours=1))
    sent_so_far()
    sessions.appointment_move(appointment=second, start=second.start + timedelta(days=1), by=alice.user, via="calendar")
    run_beat_until(monday, third.start + timedelta(hours=1))
    for member in partners:
        assert requests_by_session(member) == {first.pk: 1, second.pk: 1, third.pk: 1}
    moved = MeasureRequest.objects.get(member=partners[0], appointment=second)
    second.refresh_from_db()
    assert moved.due_key == f"session:{second.pk}" and moved.due_at == second.start
    assert Notification.objects.filter(kind=REQUEST).count() == 6  # three sessions, two partners, once each


def test_nothing_is_sent_for_a_cancelled_session(monday, alice, pair, partners):
    assign(alice, pair, MeasureAssignment.Schedule.EVERY_SESSION)
    early = book(alice, pair, partners, days=5)
    late = book(alice, pair, partners, days=1)
    sessions.appointment_cancel(appointment=early, by=alice.user, via="calendar", late=False)  # before its window
    measures_schedule()  # `late` is within the lead time: asked now, its messages still pending
    assert MeasureRequest.objects.filter(appointment=late).count() == 2
    sessions.appointment_cancel(appointment=late, by=alice.user, via="calendar", late=False)
    run_beat_until(monday, early.start + timedelta(hours=1))
    assert not MeasureRequest.objects.filter(appointment=early).exists()
    assert set(MeasureRequest.objects.values_list("status", flat=True)) == {MeasureRequest.Status.WITHDRAWN}
    assert set(Notification.objects.filter(kind=REQUEST).values_list("status", flat=True)) == {"cancelled"}
    assert wanted_messages() == []


def test_a_request_queued_before_a_cancellation_is_not_wanted_when_built(monday, alice, pair, partners):
    """Even if a cancellation's own clean-up were missed, the builder re-checks the session."""
    assign(alice, pair, MeasureAssignment.Schedule.EVERY_SESSION)
    session = book(alice, pair, partners, days=1)
    measures_schedule()
    Appointment.objects.filter(pk=session.pk).update(status=Appointment.Status.CANCELLED)
    assert wanted_messages() == []


def test_every_n_sessions_counts_live_sessions_and_moves_a_cancelled_due_point(monday, alice, pair, partners):
    assign(alice, pair, MeasureAssignment.Schedule.EVERY_N_SESSIONS, every=2)
    week = [book(alice, pair, partners, days=d) for d in (1, 3, 5, 7, 9, 11)]  # due: 1st, 3rd, 5th
    run_beat_until(monday, week[1].start)  # the first is asked and sent
    sent_so_far()
    sessions.appointment_cancel(appointment=week[2], by=alice.user, via="calendar", late=False)  # the 3rd goes
    run_beat_until(monday, week[5].start + timedelta(hours=1))
    sent_so_far()
    ada = partners[0]
    live = MeasureRequest.objects.filter(member=ada).exclude(status=MeasureRequest.Status.WITHDRAWN)
    # Counting live sessions only: 1st, (3rd cancelled) so the 4th is now the 3rd, then the 6th is the 5th.
    assert {r.due_key: r.appointment_id for r in live} == {
        "sessions:0": week[0].pk,
        "sessions:1": week[3].pk,
        "sessions:2": week[5].pk,
    }
    assert MeasureRequest.objects.filter(member=ada).count() == 3  # one row per due point, whatever moved
    sent = Notification.objects.filter(kind=REQUEST, member=ada, status=Notification.Status.SENT).count()
    assert sent == 3


def test_every_n_sessions_a_point_whose_message_went_out_is_not_sent_twice(monday, alice, pair, partners):
    assign(alice, pair, MeasureAssignment.Schedule.EVERY_N_SESSIONS, every=2)
    first, second, third = (book(alice, pair, partners, days=d) for d in (1, 2, 6))
    measures_schedule()
    sent_so_far()  # the first session's request went out
    sessions.appointment_cancel(appointment=first, by=alice.user, via="calendar", late=False)
    run_beat_until(monday, third.start + timedelta(hours=1))
    ada = partners[0]
    point = MeasureRequest.objects.get(member=ada, due_key="sessions:0")
    assert point.appointment_id == second.pk and point.status == MeasureRequest.Status.OPEN  # still asked
    assert Notification.objects.filter(kind=REQUEST, member=ada).count() == 1  # the message went out once
    assert Notification.objects.get(kind=REQUEST, member=ada).status == Notification.Status.SENT
    # Live sessions are now second (0) and third (1): with N = 2 the third is not a due point.
    assert not MeasureRequest.objects.filter(member=ada, due_key="sessions:1").exists()


def test_every_n_weeks_one_request_per_period(monday, alice, pair, partners):
    assign(alice, pair, MeasureAssignment.Schedule.EVERY_N_WEEKS, every=2)
    start = timezone.now()
    run_beat_until(monday, start + timedelta(weeks=5), every=timedelta(hours=7))
    for member in partners:
        keys = sorted(MeasureRequest.objects.filter(member=member).values_list("due_key", flat=True))
        assert keys == ["weeks:0", "weeks:1", "weeks:2"]
    due = sorted(MeasureRequest.objects.filter(member=partners[0]).values_list("due_at", flat=True))
    assert due == [start, start + timedelta(weeks=2), start + timedelta(weeks=4)]
    assert Notification.objects.filter(kind=REQUEST).count() == 6


def test_once_is_asked_at_once_and_never_again(monday, alice, pair, partners):
    assign(alice, pair, MeasureAssignment.Schedule.ONCE)
    assert MeasureRequest.objects.filter(due_key="once").count() == 2
    run_beat_until(monday, timezone.now() + timedelta(days=10), every=timedelta(days=1))
    assert MeasureRequest.objects.count() == 2
    assert len(wanted_messages()) == 2


def test_sessions_beyond_the_lead_time_are_not_asked_yet(monday, alice, pair, partners):
    assign(alice, pair, MeasureAssignment.Schedule.EVERY_SESSION)
    session = book(alice, pair, partners, days=4)
    measures_schedule()
    assert not MeasureRequest.objects.exists()
    monday.move_to(session.start - LEAD + timedelta(minutes=5))
    measures_schedule()
    assert MeasureRequest.objects.filter(appointment=session).count() == 2


def test_an_ended_assignment_asks_nothing_more(monday, alice, pair, partners):
    assignment = assign(alice, pair, MeasureAssignment.Schedule.EVERY_SESSION)
    session = book(alice, pair, partners, days=1)
    measures_schedule()
    services.assignment_end(assignment=assignment, by=alice.user)
    run_beat_until(monday, session.start + timedelta(days=3))
    assert set(MeasureRequest.objects.values_list("status", flat=True)) == {MeasureRequest.Status.WITHDRAWN}
    assert wanted_messages() == []


def test_the_request_is_discreet(monday, alice, pair, partners):
    assign(alice, pair, MeasureAssignment.Schedule.EVERY_SESSION)
    book(alice, pair, partners, days=1)
    measures_schedule()
    message = outbox._build(Notification.objects.filter(kind=REQUEST).first())
    assert message.subject == "You have a short questionnaire before your session"
    assert "CSI" not in message.subject + message.text + message.html
    assert "/portal/check-ins/" in message.text
