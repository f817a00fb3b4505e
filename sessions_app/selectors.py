"""Reads for scheduling: free slots (availability), calendars, a client's sessions."""

import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import BigIntegerField, IntegerField, Prefetch, Q, QuerySet, Value
from django.utils import timezone

from practice.models import Therapist
from sessions_app.models import Appointment, Attendance, BookingRules, Modality, Room, TimeOff, WorkingHours


@dataclass(frozen=True)
class Slot:
    start: datetime  # aware, UTC
    end: datetime
    room_id: int | None = None  # a free room, for in-person slots


def rules_for(therapist: Therapist) -> BookingRules:
    """The therapist's booking rules; the defaults (unsaved) until they change them. One query, no write."""
    return BookingRules.objects.filter(therapist=therapist).first() or BookingRules(therapist=therapist)


def local_datetime(day: date, at: time, zone: zoneinfo.ZoneInfo) -> datetime | None:
    """`day` at `at` in `zone`, or None when that wall-clock time does not exist (spring forward)."""
    candidate = datetime.combine(day, at, tzinfo=zone)
    round_trip = candidate.astimezone(UTC).astimezone(zone)
    if round_trip.replace(tzinfo=None) != candidate.replace(tzinfo=None):
        return None
    return candidate


def free_slots(
    *,
    therapist: Therapist,
    first_day: date,
    last_day: date,
    modality: str = Modality.VIDEO,
    for_client: bool = True,
    now: datetime | None = None,
    rules: BookingRules | None = None,
    ignore_appointment_id: int | None = None,
) -> list[Slot]:
    """Free sessions of `therapist` between two local dates (inclusive), in at most 4 queries.

    Working hours minus time off, live appointments (widened by the buffer) and, for in-person
    sessions, times when no active room is free. For a client (`for_client`), also the minimum
    notice and how far ahead they may book. `ignore_appointment_id` frees that session's own time
    (used when moving it).
    """
    now = now or timezone.now()
    rules = rules or rules_for(therapist)
    zone = zoneinfo.ZoneInfo(therapist.time_zone)
    hours_by_day = defaultdict(list)
    for block in WorkingHours.objects.filter(therapist=therapist):
        hours_by_day[block.weekday].append(block)

    range_start = datetime.combine(first_day, time.min, tzinfo=zone) - rules.buffer
    range_end = datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=zone) + rules.buffer
    busy, room_busy = _busy_intervals(therapist, range_start, range_end, rules, ignore_appointment_id)
    rooms = (
        list(Room.objects.filter(active=True).values_list("pk", flat=True)) if modality == Modality.IN_PERSON else []
    )

    earliest = now + timedelta(hours=rules.min_notice_hours) if for_client else now
    latest = now + timedelta(days=rules.max_days_ahead) if for_client else None
    slots = []
    day = first_day
    while day <= last_day:
        for block in hours_by_day.get(day.weekday(), []):
            for start in _grid_starts(day, block, rules, zone):
                end = start + rules.session_length
                if start < earliest or (latest and start > latest):
                    continue
                if any(b_start < end and b_end > start for b_start, b_end in busy):
                    continue
                room_id = None
                if modality == Modality.IN_PERSON:
                    room_id = next((r for r in rooms if not _overlaps(room_busy[r], start, end)), None)
                    if room_id is None:
                        continue
                slots.append(Slot(start.astimezone(UTC), end.astimezone(UTC), room_id))
        day += timedelta(days=1)
    return slots


def _overlaps(intervals, start, end) -> bool:
    return any(i_start < end and i_end > start for i_start, i_end in intervals)


def _grid_starts(day: date, block: WorkingHours, rules: BookingRules, zone):
    grid = rules.slot_grid_minutes or 60
    block_start = block.start.hour * 60 + block.start.minute
    block_end = block.end.hour * 60 + block.end.minute
    minute = -(-block_start // grid) * grid  # the first grid point at or after the block's start
    while minute + rules.session_minutes <= block_end:
        start = local_datetime(day, time(minute // 60, minute % 60), zone)
        if start is not None:
            yield start
        minute += grid


def _busy_intervals(therapist, range_start, range_end, rules, ignore_appointment_id):
    """The therapist's busy times (buffer included) and each room's, in one query."""
    # Default orderings are cleared: a compound statement takes no ORDER BY in its parts.
    time_off = (
        TimeOff.objects.filter(therapist=therapist, start__lt=range_end, end__gt=range_start)
        .order_by()
        .values_list(
            "start",
            "end",
            "therapist_id",
            Value(None, output_field=BigIntegerField()),
            Value(0, output_field=IntegerField()),
        )
    )
    appointments = (
        Appointment.objects.live()
        .filter(start__lt=range_end, end__gt=range_start)
        .filter(Q(therapist=therapist) | Q(room__isnull=False))
        .exclude(pk=ignore_appointment_id)
        .order_by()
        .values_list("start", "end", "therapist_id", "room_id", Value(1, output_field=IntegerField()))
    )
    busy, room_busy = [], defaultdict(list)
    for start, end, therapist_id, room_id, is_appointment in time_off.union(appointments, all=True):
        if is_appointment and room_id is not None:
            room_busy[room_id].append((start, end))
        if therapist_id == therapist.pk:
            pad = rules.buffer if is_appointment else timedelta(0)
            busy.append((start - pad, end + pad))
    return busy, room_busy


# --- Calendars and lists --------------------------------------------------------------------------


def _with_people(appointments: QuerySet[Appointment]) -> QuerySet[Appointment]:
    from clients.models import Member

    return appointments.select_related("client", "room", "therapist").prefetch_related(
        Prefetch("members", queryset=Member.objects.order_by("position"))
    )


def calendar_appointments(*, therapist: Therapist | None, start: datetime, end: datetime) -> list[Appointment]:
    """Appointments (all statuses) between two instants, for one therapist or (staff) everyone."""
    appointments = Appointment.objects.overlapping(start, end)
    if therapist is not None:
        appointments = appointments.filter(therapist=therapist)
    return list(_with_people(appointments).order_by("start"))


def client_appointments(*, client) -> list[Appointment]:
    return list(Appointment.objects.filter(client=client).select_related("room").order_by("-start"))


def member_appointments(*, member, now: datetime | None = None) -> dict:
    """A portal member's own sessions: upcoming (live) and past, by attendance."""
    now = now or timezone.now()
    mine = Appointment.objects.filter(attendances__member=member).select_related("room", "therapist", "client")
    return {
        "upcoming": list(mine.filter(end__gt=now, status=Appointment.Status.BOOKED).order_by("start")),
        "past": list(mine.filter(Q(end__lte=now) | ~Q(status=Appointment.Status.BOOKED)).order_by("-start")[:20]),
    }


def attendance_clashes(*, member_ids: list[int], start: datetime, end: datetime, ignore_appointment_id=None):
    return (
        Attendance.objects.filter(member_id__in=member_ids, live=True, start__lt=end, end__gt=start)
        .exclude(appointment_id=ignore_appointment_id)
        .select_related("appointment__client")
    )
