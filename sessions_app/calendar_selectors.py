"""Reads for the therapist and staff calendar pages and the ICS feed, in a fixed number of queries.

Kept beside `selectors.py` (availability and booking reads) so the two can grow apart; the calendar
builds on `selectors.calendar_appointments`.
"""

import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils.formats import date_format

from practice.models import Therapist
from sessions_app import notifications, selectors, services
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


def booking_warnings(*, therapist: Therapist, start: datetime, end: datetime, now: datetime) -> list[str]:
    """Why a therapist or staff member booking (or moving to) [start, end) should look twice: in the
    past, outside the therapist's working hours, or in their time off. Empty when nothing is odd.
    Two queries. Nothing is refused here: the calendar asks them to confirm ("Book anyway")."""
    zone = therapist.zone
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    when = f"{date_format(local_start, 'D j M Y, H:i')} ({zone.key})"
    warnings = []
    if start < now:
        warnings.append(f"{when} is in the past. Book it only to record a session that took place.")
    blocks = list(WorkingHours.objects.filter(therapist=therapist, weekday=local_start.weekday()))
    within = local_start.date() == local_end.date() or local_end.time() == time.min
    end_time = time.max if local_end.time() == time.min else local_end.time()
    if not any(within and b.start <= local_start.time() and end_time <= b.end for b in blocks):
        hours = ", ".join(f"{b.start:%H:%M}–{b.end:%H:%M}" for b in blocks) or "none"
        warnings.append(f"{when} is outside {therapist.display_name}'s working hours (on {local_start:%A}s: {hours}).")
    away = TimeOff.objects.filter(therapist=therapist, start__lt=end, end__gt=start).first()
    if away is not None:
        label = f" ({away.label})" if away.label else ""
        warnings.append(f"{therapist.display_name} has time off then{label}.")
    return warnings


def cancel_page(*, appointment: Appointment, now: datetime) -> dict:
    """What the cancel page says before anything happens: who is told and how, whether it falls in the
    late-cancellation window, and how many later sessions of its series a "this and following" takes."""
    rules = selectors.rules_for(appointment.therapist)
    return {
        "appointment": appointment,
        "zone": appointment.therapist.zone,
        "summary": services.describe(appointment, appointment.therapist.zone),
        "told": notifications.recipients(appointment),
        "booked": appointment.status == Appointment.Status.BOOKED,
        "in_window": services.is_late(start=appointment.start, rules=rules, now=now),
        "late_cancel_hours": rules.late_cancel_hours,
        "following": services.series_following(appointment)[1:] if appointment.series_id else [],
    }


def member_feed_appointments(*, member, now: datetime) -> list[Appointment]:
    """A member's feed: the sessions they attend (or attended, or that were cancelled: calendars drop
    them), 30 days back to a year ahead. One query."""
    return list(
        Appointment.objects.filter(attendances__member=member, start__gte=now - FEED_PAST, start__lt=now + FEED_AHEAD)
        .select_related("therapist", "room")
        .order_by("start")
    )
