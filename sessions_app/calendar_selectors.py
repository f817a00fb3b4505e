"""Reads for the therapist and staff calendar pages and the ICS feed, in a fixed number of queries.

Kept beside `selectors.py` (availability and booking reads) so the two can grow apart; the calendar
builds on `selectors.calendar_appointments`.
"""

import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from practice.models import Therapist
from sessions_app import selectors
from sessions_app.models import Appointment, CalendarFeed, TimeOff, WorkingHours

FEED_PAST = timedelta(days=30)
FEED_AHEAD = timedelta(days=365)


@dataclass
class CalendarDay:
    day: date
    is_today: bool
    appointments: list[Appointment] = field(default_factory=list)
    hours: list[WorkingHours] = field(default_factory=list)
    time_off: list[TimeOff] = field(default_factory=list)


def _midnight(day: date, zone: zoneinfo.ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def schedule_days(
    *, therapist: Therapist | None, first_day: date, last_day: date, zone: zoneinfo.ZoneInfo, today: date
) -> list[CalendarDay]:
    """Each local day from `first_day` to `last_day` with its appointments (all statuses, members
    prefetched), and for one therapist their working hours and time off. At most 4 queries."""
    range_start, range_end = _midnight(first_day, zone), _midnight(last_day + timedelta(days=1), zone)
    appointments = selectors.calendar_appointments(therapist=therapist, start=range_start, end=range_end)
    hours: list[WorkingHours] = []
    time_off: list[TimeOff] = []
    if therapist is not None:
        hours = list(WorkingHours.objects.filter(therapist=therapist))
        time_off = list(TimeOff.objects.filter(therapist=therapist, start__lt=range_end, end__gt=range_start))

    days = []
    day = first_day
    while day <= last_day:
        day_start, day_end = _midnight(day, zone), _midnight(day + timedelta(days=1), zone)
        days.append(
            CalendarDay(
                day=day,
                is_today=day == today,
                # A session that began before the range (overnight) is listed on the first day.
                appointments=[a for a in appointments if max(a.start.astimezone(zone).date(), first_day) == day],
                hours=[h for h in hours if h.weekday == day.weekday()],
                time_off=[t for t in time_off if t.start < day_end and t.end > day_start],
            )
        )
        day += timedelta(days=1)
    return days


def availability_page(*, therapist: Therapist, now: datetime) -> dict:
    """The therapist's rules, weekly blocks and coming time off. Three queries."""
    return {
        "rules": selectors.rules_for(therapist),
        "blocks": list(WorkingHours.objects.filter(therapist=therapist).order_by("weekday", "start")),
        "time_off_list": list(TimeOff.objects.filter(therapist=therapist, end__gt=now).order_by("start")),
    }


def booked_during(*, therapist: Therapist, start: datetime, end: datetime) -> int:
    """How many booked sessions fall in a stretch of time off (they are not cancelled by it)."""
    booked = Appointment.objects.filter(therapist=therapist, status=Appointment.Status.BOOKED)
    return booked.overlapping(start, end).count()


def feed_for_therapist(therapist: Therapist) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(therapist=therapist).first()


def feed_appointments(*, therapist: Therapist, now: datetime) -> list[Appointment]:
    """What the ICS feed carries: every session (cancelled ones too, so calendars drop them) from 30
    days ago to a year ahead. One query; no members are loaded, so no name can slip into the feed."""
    return list(
        Appointment.objects.filter(therapist=therapist, start__gte=now - FEED_PAST, start__lt=now + FEED_AHEAD)
        .select_related("client", "room")
        .only("id", "start", "end", "status", "modality", "updated_at", "client__reference", "room__name")
        .order_by("start")
    )
