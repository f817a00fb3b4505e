"""Reads for scheduling: free slots (availability), calendars, a client's sessions."""

import zoneinfo
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import accumulate
from typing import NamedTuple

from django.db import connection
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from practice.models import Therapist
from sessions_app.models import (
    MAX_SESSION_LENGTH,
    Appointment,
    Attendance,
    BookingRules,
    Modality,
    Room,
    TimeOff,
    WorkingHours,
)


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
    """Free sessions of `therapist` between two local dates (inclusive), in at most 3 queries.

    Working hours minus time off, live appointments (widened by the buffer) and, for in-person
    sessions, times when no active room is free. For a client (`for_client`), also the minimum
    notice and how far ahead they may book. `ignore_appointment_id` frees that session's own time
    (used when moving it).
    """
    staff = _staff({therapist.pk: therapist}, rules)
    if not staff:
        return []
    rooms = _active_rooms(modality)
    busy, room_busy = _busy_intervals(staff, first_day, last_day, rooms, ignore_appointment_id)
    week = _Week(first_day, last_day, modality, for_client, now or timezone.now(), rooms, room_busy)
    return _free(week, *staff[therapist.pk], busy[therapist.pk])


def free_slots_many(
    *,
    therapists: Iterable[Therapist],
    first_day: date,
    last_day: date,
    modality: str = Modality.VIDEO,
    for_client: bool = True,
    now: datetime | None = None,
) -> dict[int, list[Slot]]:
    """`free_slots` of each therapist, by therapist id, in at most 3 queries whatever their number.

    The same slots as one `free_slots` call per therapist: the hours, rules, time off, rooms and
    sessions of all of them are read at once, then each goes through the same computation.
    """
    by_id = {t.pk: t for t in therapists}
    slots = {pk: [] for pk in by_id}
    staff = _staff(by_id)
    if not staff:
        return slots
    rooms = _active_rooms(modality)
    busy, room_busy = _busy_intervals(staff, first_day, last_day, rooms, None)
    week = _Week(first_day, last_day, modality, for_client, now or timezone.now(), rooms, room_busy)
    for pk, (therapist, rules, hours) in staff.items():
        slots[pk] = _free(week, therapist, rules, hours, busy[pk])
    return slots


class _Block(NamedTuple):
    """One block of working hours, as availability reads it."""

    weekday: int
    start: time
    end: time


# What availability reads of a therapist's booking rules.
_RULES = ("session_minutes", "min_notice_hours", "max_days_ahead", "buffer_minutes", "slot_grid_minutes")


def _staff(therapists: dict[int, Therapist], rules: BookingRules | None = None) -> dict:
    """(therapist, rules, working hours) by id, in one query, for those with working hours.

    The rules come joined to the hours: a therapist without hours has no slots and needs none.
    `rules`, when the caller has them (one therapist), are not read again. Values, not model
    instances: building those was most of the time of this query.
    """
    joined = () if rules else tuple(f"therapist__booking_rules__{name}" for name in _RULES)
    blocks = WorkingHours.objects.filter(therapist__in=list(therapists))
    staff = {}
    # Ordered by weekday and start, as each day's blocks are walked.
    for therapist_id, weekday, start, end, *saved in blocks.values_list(
        "therapist_id", "weekday", "start", "end", *joined
    ):
        if therapist_id not in staff:
            therapist = therapists[therapist_id]
            if rules is None:  # the defaults (unsaved) when the therapist never changed them
                found = dict(zip(_RULES, saved, strict=True)) if saved[0] is not None else {}
                staff[therapist_id] = (therapist, BookingRules(therapist=therapist, **found), [])
            else:
                staff[therapist_id] = (therapist, rules, [])
        staff[therapist_id][2].append(_Block(weekday, start, end))
    return staff


@dataclass(frozen=True)
class _Week:
    """What the slots of every therapist in one call share: the days asked for and the rooms."""

    first_day: date
    last_day: date
    modality: str
    for_client: bool
    now: datetime
    rooms: list[int]  # active rooms, in the order a free one is chosen
    room_busy: dict[int, "_Busy"]


class _Busy:
    """Busy intervals sorted by start, with the latest end so far: an overlap test in log time."""

    def __init__(self, intervals: list[tuple[datetime, datetime]]):
        intervals.sort()
        self.starts = [start for start, _end in intervals]
        self.latest_ends = list(accumulate((end for _start, end in intervals), max))

    def overlaps(self, start: datetime, end: datetime) -> bool:
        """Whether any interval meets [start, end): of those starting before `end`, one ends after `start`."""
        before = bisect_left(self.starts, end)
        return before > 0 and self.latest_ends[before - 1] > start


def _free(week: _Week, therapist: Therapist, rules: BookingRules, hours, busy: _Busy) -> list[Slot]:
    """The slots of one therapist from what was read; no query."""
    zone = therapist.zone
    hours_by_day = defaultdict(list)
    for block in hours:
        hours_by_day[block.weekday].append(block)
    earliest = week.now + timedelta(hours=rules.min_notice_hours) if week.for_client else week.now
    latest = week.now + timedelta(days=rules.max_days_ahead) if week.for_client else None
    no_room = _Busy([])
    slots = []
    day = week.first_day
    while day <= week.last_day:
        for block in hours_by_day.get(day.weekday(), []):
            for start, end in _grid(day, block, rules, zone):
                if start < earliest or (latest and start > latest):
                    continue
                if busy.overlaps(start, end):
                    continue
                room_id = None
                if week.modality == Modality.IN_PERSON:
                    free = (r for r in week.rooms if not week.room_busy.get(r, no_room).overlaps(start, end))
                    room_id = next(free, None)
                    if room_id is None:
                        continue
                slots.append(Slot(start, end, room_id))
        day += timedelta(days=1)
    return slots


def _active_rooms(modality: str) -> list[int]:
    """The rooms a slot may use: none unless in person (then one query)."""
    if modality != Modality.IN_PERSON:
        return []
    return list(Room.objects.filter(active=True).values_list("pk", flat=True))


def _grid(day: date, block: _Block, rules: BookingRules, zone):
    """The sessions of a block of working hours that fit on the grid, as (start, end) in UTC."""
    grid = rules.slot_grid_minutes or 60
    block_start = block.start.hour * 60 + block.start.minute
    block_end = block.end.hour * 60 + block.end.minute
    minute = -(-block_start // grid) * grid  # the first grid point at or after the block's start
    while minute + rules.session_minutes <= block_end:
        times = _session_at(day, minute, rules.session_minutes, zone)
        if times is not None:
            yield times
        minute += grid


@lru_cache(maxsize=4096)
def _session_at(day: date, minute: int, length: int, zone) -> tuple[datetime, datetime] | None:
    """A session starting `minute` minutes into `day` in `zone`, as (start, end) in UTC; None when that
    time does not exist. The end is `length` minutes later on the wall clock. Cached: a pure function
    that every therapist on the same grid and zone asks again (it is most of the cost of a slot)."""
    start = local_datetime(day, time(minute // 60, minute % 60), zone)
    if start is None:
        return None
    return start.astimezone(UTC), (start + timedelta(minutes=length)).astimezone(UTC)


_TIME_OFF, _SESSION, _ROOM_SESSION = 0, 1, 2


def _busy_intervals(staff: dict, first_day: date, last_day: date, rooms: list[int], ignore_appointment_id):
    """Each therapist's busy times (buffer included) and each room's, in one query.

    `staff` maps therapist ids to (therapist, rules, hours). Everything overlapping the widest of their
    ranges is read: a session outside one therapist's own range cannot touch their slots. Each part
    of the union is an index range scan bounded on both sides, so the time does not grow with the
    history: sessions by (therapist, start) and (room, start), starting at most MAX_SESSION_LENGTH
    before the range; time off by (therapist, end), which skips past time off however long it was.
    """
    ranges = []
    for therapist, rules, _hours in staff.values():
        zone = therapist.zone
        ranges.append(datetime.combine(first_day, time.min, tzinfo=zone) - rules.buffer)
        ranges.append(datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=zone) + rules.buffer)
    range_start, range_end = min(ranges), max(ranges)

    therapist_ids = list(staff)
    adapt = connection.ops.adapt_datetimefield_value
    window = [adapt(range_start - MAX_SESSION_LENGTH), adapt(range_end), adapt(range_start)]
    live = [str(status) for status in Appointment.LIVE_STATUSES]
    ignore = [ignore_appointment_id] if ignore_appointment_id else []
    params = [*therapist_ids, adapt(range_start), adapt(range_end), *therapist_ids, *live, *window, *ignore]
    if rooms:
        params += [*rooms, *live, *window, *ignore]
    sql = _busy_sql(connection.vendor, len(therapist_ids), len(rooms), bool(ignore))
    busy, room_busy = {pk: [] for pk in staff}, defaultdict(list)
    pads = {pk: rules.buffer for pk, (_therapist, rules, _hours) in staff.items()}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    for start, end, therapist_id, room_id, kind in rows:
        start, end = _aware(start), _aware(end)
        if kind == _ROOM_SESSION:
            room_busy[room_id].append((start, end))
        elif kind == _SESSION:
            pad = pads[therapist_id]
            busy[therapist_id].append((start - pad, end + pad))
        else:
            busy[therapist_id].append((start, end))
    return {pk: _Busy(i) for pk, i in busy.items()}, {room: _Busy(i) for room, i in room_busy.items()}


@lru_cache(maxsize=256)
def _busy_sql(vendor: str, therapists: int, rooms: int, ignore: bool) -> str:
    """The busy statement for one shape of call: time off, then the therapists' live sessions, then
    (in person) the rooms' live sessions, as (start, end, therapist, room, kind) rows.

    Written out once per shape rather than built by the ORM on every call: building the ORM's union
    was about 60 % of an availability call (1.2 of 1.9 ms), and what it ran was this statement. The
    only interpolated parts are table and column names from the models' `_meta`, quoted, and one
    `%s` per value; every value is a parameter. Each part is an index range bounded on both sides
    (`tests/sessions_app/test_availability_scale.py` reads its plan)."""
    quote = connection.ops.quote_name

    def column(model, name: str) -> str:
        return quote(model._meta.get_field(name).column)

    def marks(count: int) -> str:
        return ", ".join(["%s"] * count)

    off, session = quote(TimeOff._meta.db_table), quote(Appointment._meta.db_table)
    start, end = column(Appointment, "start"), column(Appointment, "end")
    therapist, room, status = (
        column(Appointment, "therapist"),
        column(Appointment, "room"),
        column(Appointment, "status"),
    )
    live = f"{status} IN ({marks(len(Appointment.LIVE_STATUSES))}) AND {start} > %s AND {start} < %s AND {end} > %s"
    if ignore:
        live += f" AND {quote(Appointment._meta.pk.column)} <> %s"
    parts = [
        f"SELECT {column(TimeOff, 'start')}, {column(TimeOff, 'end')}, {column(TimeOff, 'therapist')},"  # nosec B608 # noqa: S608
        f" NULL, {_TIME_OFF} FROM {off}"
        f" WHERE {column(TimeOff, 'therapist')} IN ({marks(therapists)})"
        f" AND {column(TimeOff, 'end')} > %s AND {column(TimeOff, 'start')} < %s",
        f"SELECT {start}, {end}, {therapist}, {room}, {_SESSION} FROM {session}"  # nosec B608 # noqa: S608
        f" WHERE {therapist} IN ({marks(therapists)}) AND {live}",
    ]
    if rooms:
        parts.append(
            f"SELECT {start}, {end}, {therapist}, {room}, {_ROOM_SESSION} FROM {session}"  # nosec B608 # noqa: S608
            f" WHERE {room} IN ({marks(rooms)}) AND {live}"
        )
    return " UNION ALL ".join(parts)


def _aware(value) -> datetime:
    """A datetime column of a raw row as the ORM reads it: aware, in UTC (SQLite gives it naive, or
    as text)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


# --- Calendars and lists --------------------------------------------------------------------------


def _with_people(appointments: QuerySet[Appointment]) -> QuerySet[Appointment]:
    from clients.models import Member
    from clients.selectors import DISPLAY_NAME_FIELDS

    confirmed = Attendance.objects.filter(confirmed_at__isnull=False).only("id", "appointment_id", "confirmed_at")
    # A calendar shows each member's display name: their other encrypted columns are not read (a week
    # of everyone at size S decrypted about 2,600 values a request before).
    members = Member.objects.only(*DISPLAY_NAME_FIELDS).order_by("position")
    return appointments.select_related("client", "room", "therapist").prefetch_related(
        Prefetch("members", queryset=members),
        Prefetch("attendances", queryset=confirmed, to_attr="confirmations"),  # the "Confirmed" badge
    )


def calendar_appointments(
    *,
    therapist: Therapist | None,
    start: datetime,
    end: datetime,
    with_notes: bool = False,
    therapist_ids: list[int] | None = None,
) -> list[Appointment]:
    """Appointments (all statuses) between two instants, for one therapist, the therapists of
    `therapist_ids`, or (staff) everyone. `with_notes` adds `has_note` (whether a note was written for
    it: a fact, none of its text)."""
    from clients.models import Note

    appointments = Appointment.objects.overlapping(start, end)
    if therapist is not None:
        appointments = appointments.filter(therapist=therapist)
    elif therapist_ids is not None:
        appointments = appointments.filter(therapist_id__in=therapist_ids)
    if with_notes:
        appointments = appointments.annotate(has_note=Exists(Note.objects.filter(appointment=OuterRef("pk"))))
    return list(_with_people(appointments).order_by("start"))


def client_appointments(*, client) -> list[Appointment]:
    return list(Appointment.objects.filter(client=client).select_related("room").order_by("-start"))


PORTAL_LISTED_FIELDS = (
    "id",
    "client_id",
    "room_id",
    "therapist_id",
    "start",
    "end",
    "status",
    "modality",
    "room__name",
    "room__location",
    "therapist__display_name",
)


def member_appointments(*, member, now: datetime | None = None) -> dict:
    """A portal member's own sessions: upcoming (live) and past, by attendance."""
    now = now or timezone.now()
    # What the portal's lists show (sessions_app/_portal_session.html): not the unit, whose encrypted
    # columns were read and decrypted for each of up to 21 sessions and never shown.
    mine = (
        Appointment.objects.filter(attendances__member=member)
        .select_related("room", "therapist")
        .only(*PORTAL_LISTED_FIELDS)
    )
    return {
        "upcoming": list(mine.filter(end__gt=now, status=Appointment.Status.BOOKED).order_by("start")),
        "past": list(mine.filter(Q(end__lte=now) | ~Q(status=Appointment.Status.BOOKED)).order_by("-start")[:20]),
    }


def attendance_clashes(*, member_ids: list[int], start: datetime, end: datetime, ignore_appointment_id=None):
    return (
        Attendance.objects.filter(
            member_id__in=member_ids, live=True, start__gt=start - MAX_SESSION_LENGTH, start__lt=end, end__gt=start
        )
        .exclude(appointment_id=ignore_appointment_id)
        .select_related("appointment__client")
    )
