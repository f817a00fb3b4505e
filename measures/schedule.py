"""When a measure is due: the database decides, the beat only asks (`measures_schedule`, every 10 minutes).

Each due point of an assignment and member is one `MeasureRequest`, unique by its `due_key`, and one
outbox message keyed by the request ("measure_request:<request id>"), so a due point is asked once:

- once: "once", due when the assignment starts;
- before every session: "session:<appointment id>", opened when a live session the member attends
  starts within LEAD. A moved session keeps its id (the same request, its time updated); a
  cancelled one withdraws its open request and cancels its message (`on_appointment_status_changed`);
- every N sessions: the member's live sessions since the assignment started are counted 0, 1, 2, ...
  and the k-th due point ("sessions:<k>") is the session numbered k*N. A cancelled session no longer
  counts, so the due point moves to the next session: the same request, pointed at it, and asked
  again only if its message had not gone out;
- every N weeks: "weeks:<k>" at the start plus k*N weeks; only the current point is opened (a missed
  beat does not send a backlog).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from measures.models import MeasureAssignment, MeasureRequest
from outbox.models import Notification
from outbox.services import notification_cancel_pending, notification_enqueue
from sessions_app.models import Appointment, Attendance

LEAD = timedelta(hours=48)  # how long before a session its questionnaire is asked
REQUEST = "measure_request"  # the outbox kind (builder in measures/messages.py)


def request_key(request: MeasureRequest) -> str:
    return f"{REQUEST}:{request.pk}"


def _members(assignment: MeasureAssignment) -> list:
    if assignment.member_id:
        return [assignment.member]
    return list(assignment.client.members.order_by("position"))


def _sessions(assignment: MeasureAssignment, member) -> list[Attendance]:
    """The member's live sessions since the assignment started, in order."""
    return list(
        Attendance.objects.filter(
            member=member,
            appointment__client_id=assignment.client_id,
            appointment__start__gte=assignment.starts_at,
            appointment__status__in=Appointment.LIVE_STATUSES,
        )
        .select_related("appointment")
        .order_by("appointment__start", "appointment_id")
    )


def due_points(assignment: MeasureAssignment, member, now: datetime) -> list[tuple[str, datetime, Appointment | None]]:
    """The due points of `assignment` for `member` that should be open at `now`: (key, due at, session)."""
    schedule = assignment.schedule
    if schedule == MeasureAssignment.Schedule.ONCE:
        return [("once", assignment.starts_at, None)] if assignment.starts_at <= now else []
    if schedule == MeasureAssignment.Schedule.EVERY_N_WEEKS:
        if assignment.starts_at > now:
            return []
        k = (now - assignment.starts_at) // timedelta(weeks=assignment.every)
        return [(f"weeks:{k}", assignment.starts_at + k * timedelta(weeks=assignment.every), None)]
    every = 1 if schedule == MeasureAssignment.Schedule.EVERY_SESSION else assignment.every
    points = []
    for index, attendance in enumerate(_sessions(assignment, member)):
        session = attendance.appointment
        if index % every or session.status != Appointment.Status.BOOKED:
            continue
        if not now < session.start <= now + LEAD:
            continue
        key = (
            f"session:{session.pk}"
            if schedule == MeasureAssignment.Schedule.EVERY_SESSION
            else f"sessions:{index // every}"
        )
        points.append((key, session.start, session))
    return points


@transaction.atomic
def request_open(*, assignment: MeasureAssignment, member, key: str, due_at: datetime, session) -> MeasureRequest:
    """Open the due point `key` (once), or point it at the session it now falls on."""
    request, created = MeasureRequest.objects.select_for_update().get_or_create(
        assignment=assignment,
        member=member,
        due_key=key,
        defaults={"due_at": due_at, "appointment": session, "primary_therapist_id": assignment.primary_therapist_id},
    )
    if not created and request.status != MeasureRequest.Status.COMPLETED:
        moved = request.appointment_id != (session.pk if session else None) or request.due_at != due_at
        reopened = request.status == MeasureRequest.Status.WITHDRAWN
        if moved or reopened:
            request.appointment, request.due_at, request.status = session, due_at, MeasureRequest.Status.OPEN
            request.save(update_fields=["appointment", "due_at", "status", "updated_at"])
        if reopened:
            _ask_again_unless_sent(request)
    if created:
        notification_enqueue(kind=REQUEST, key=request_key(request), target=request, member=member)
    return request


def _ask_again_unless_sent(request: MeasureRequest) -> None:
    """A withdrawn due point that moved to another session: its message, if it never went out, is wanted again."""
    Notification.objects.filter(key=request_key(request), status=Notification.Status.CANCELLED).update(
        status=Notification.Status.PENDING, send_at=timezone.now(), updated_at=timezone.now()
    )


def measures_schedule(*, now: datetime | None = None) -> int:
    """Open every due point that is due by now. Returns how many requests are open for a live point."""
    now = now or timezone.now()
    opened = 0
    live = MeasureAssignment.objects.filter(ended_at=None, starts_at__lte=now + LEAD).select_related("client", "member")
    for assignment in live:
        opened += assignment_schedule(assignment=assignment, now=now)
    return opened


def assignment_schedule(*, assignment: MeasureAssignment, now: datetime | None = None) -> int:
    """Open the due points of one assignment that are due by `now`."""
    now = now or timezone.now()
    opened = 0
    for member in _members(assignment):
        for key, due_at, session in due_points(assignment, member, now):
            request_open(assignment=assignment, member=member, key=key, due_at=due_at, session=session)
            opened += 1
    return opened


def on_appointment_status_changed(sender, appointment: Appointment, previous: str, by=None, **kwargs) -> None:
    """A cancelled session is asked nothing: its open requests are withdrawn, their messages cancelled.

    Sent inside the cancelling transaction (sessions_app.signals), so both commit together.
    """
    if appointment.status not in (Appointment.Status.CANCELLED, Appointment.Status.LATE_CANCELLED):
        return
    requests = MeasureRequest.objects.filter(
        Q(appointment=appointment), status=MeasureRequest.Status.OPEN
    ).select_for_update()
    for request in requests:
        request.status = MeasureRequest.Status.WITHDRAWN
        request.save(update_fields=["status", "updated_at"])
        notification_cancel_pending(target=request, kinds=[REQUEST])
