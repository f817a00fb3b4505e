"""Reads for the therapist and staff calendar pages (the hour grid, the month) and the ICS feed, in a
fixed number of queries. The grid's layout maths is `calendar_grid`.

Kept beside `selectors.py` (availability and booking reads) so the two can grow apart; the calendar
builds on `selectors.calendar_appointments`.
"""

import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.formats import date_format
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from practice.choices import choice_labels
from practice.links import link_maker
from practice.models import Therapist
from practice.templatetags.badges import appointment_badge
from sessions_app import calendar_grid as grid
from sessions_app import notifications, selectors, services
from sessions_app.models import Appointment, CalendarFeed, Room, TimeOff, WorkingHours

FEED_PAST = timedelta(days=30)
FEED_AHEAD = timedelta(days=365)


@dataclass
class Slot:
    """An empty hour of a column: a link that starts a booking there, and a place to drop a session.
    `date` and `time` are in the therapist's own zone, as the booking and move forms take them."""

    start: datetime
    row: int
    span: int
    params: dict
    working: bool
    away: bool
    html: str = ""  # the link, made once per grid by `_slot_html` (a week has a hundred of them)

    @property
    def query(self) -> str:
        return urlencode(self.params, safe=":")


class _SlotWords:
    """What every slot link of one grid shares, translated and reversed once per page (in the template,
    each slot cost a URL reversal, two translations and a date format)."""

    def __init__(self):
        self.new_url = reverse("sessions_app:appointment_new")
        self.book = gettext("Book")
        self.outside = " " + gettext("(outside working hours)")
        self.away = " " + gettext("(time off)")


def _slot_html(slot: Slot, words: _SlotWords, *, day_label: str, who: str) -> str:
    classes = f"cal-slot cal-r-{slot.row} cal-s-{slot.span}"
    classes += "" if slot.working else " cal-slot-off"
    classes += " cal-slot-away" if slot.away else ""
    return format_html(
        '<a class="{}" href="{}?{}" data-date="{}" data-time="{}"><span class="cal-slot-label">+ {}</span>'
        '<span class="visually-hidden"> {} {}{}{}{}</span></a>',
        classes,
        words.new_url,
        slot.query,
        slot.params["date"],
        slot.params["start_time"],
        f"{timezone.localtime(slot.start):%H:%M}",
        words.book,
        f"{who}, " if who else "",
        day_label,
        "" if slot.working else words.outside,
        words.away if slot.away else "",
    )


class _SessionWords:
    """What every session box of one grid shares, reversed and translated once per page (in the
    template each box cost four URL reversals, six date formats and five translations)."""

    def __init__(self, *, staff: bool, therapist: Therapist | None, side_by_side: bool, bookable: bool):
        self.show_therapist = staff and not therapist and not side_by_side
        self.staff, self.bookable = staff, bookable
        self.appointment_url = link_maker("sessions_app:appointment")
        self.move_url = link_maker("sessions_app:appointment_move")
        self.note_url = link_maker("clients:note_create")
        self.video, self.move = gettext("video"), gettext("Move")
        self.confirmed, self.note_due = gettext("Confirmed"), gettext("Note due")
        self.move_label = gettext("%(reference)s at %(start)s")


_ELLIPSIS, _AND = SafeString("&hellip;"), SafeString(" &amp; ")


def _session_html(placed: grid.Placed, words: _SessionWords) -> str:
    """One session's box on the grid (the markup `_calendar_grid.html` had for it)."""
    a, piece = placed.item, placed.piece
    start, end = timezone.localtime(a.start), timezone.localtime(a.end)  # the viewer's zone
    begins, ends = f"{start:%H:%M}", f"{end:%H:%M}"
    classes = f"cal-appt cal-r-{placed.row} cal-s-{placed.span} {placed.lane_class} cal-status-{a.status}"
    classes += f" cal-mod-{a.modality}" + (" cal-short" if placed.span < 9 else "")
    drag = SafeString("")
    if a.movable and words.bookable:
        drag = format_html(
            ' draggable="true" data-move-url="{}" data-therapist="{}"', words.move_url(a.pk), a.therapist_id
        )
    url = words.appointment_url(a.pk)
    who = format_html_join(_AND, "{}", ((m.display_name,) for m in a.members.all()))
    if a.room:
        where = conditional_escape(a.room.name)
    else:
        where = conditional_escape(words.video if a.modality == "video" else a.modality_label.lower())
    if words.show_therapist:
        where += format_html(" · {}", a.therapist.display_name)
    if a.movable:
        label = words.move_label % {"reference": conditional_escape(a.client.reference), "start": begins}
        where += format_html(
            ' · <a class="cal-move" href="{}#move">{}<span class="visually-hidden"> {}</span></a>',
            url,
            words.move,
            mark_safe(label),  # nosec B308 B703 # noqa: S308  (as blocktranslate: its variable escaped above)
        )
    badges = SafeString("")
    note_due = a.note_due and not words.staff
    if a.status != "booked" or a.confirmations or note_due:
        parts = []
        if a.status != "booked":
            parts.append(format_html('<span class="badge {}">{}</span>', appointment_badge(a.status), a.status_label))
        if a.confirmations and a.status == "booked":
            parts.append(format_html('<span class="badge text-bg-success">{}</span>', words.confirmed))
        if note_due:
            parts.append(
                format_html(
                    '<a class="badge text-bg-warning text-decoration-none" href="{}?appointment={}">{}</a>',
                    words.note_url(a.client_id),
                    a.pk,
                    words.note_due,
                )
            )
        badges = format_html('<span class="cal-badges">{}</span>', format_html_join("", "{}", ((p,) for p in parts)))
    return format_html(
        '<article class="{}"{} aria-label="{}, {} to {}, {}"> <a class="cal-appt-link" href="{}">'
        ' <span class="cal-time">{}<time datetime="{}">{}</time>–<time datetime="{}">{}</time>{}</span>'
        ' <span class="cal-ref">{}</span> </a> <span class="cal-who">{}</span>'
        ' <span class="cal-where">{}</span> {} </article>',
        classes,
        drag,
        a.client.reference,
        begins,
        ends,
        a.status_label,
        url,
        _ELLIPSIS if piece.starts_before else "",
        dateformat.format(start, "c"),
        begins,
        dateformat.format(end, "c"),
        ends,
        _ELLIPSIS if piece.ends_after else "",
        a.client.reference,
        who,
        where,
        badges,
    )


@dataclass
class GridColumn:
    """One column of the hour grid: a day (week view) or a therapist's day (staff's day view)."""

    day: date
    is_today: bool
    therapist: Therapist | None
    sessions: list[grid.Placed] = field(default_factory=list)
    hours: list[grid.Placed] = field(default_factory=list)
    time_off: list[grid.Placed] = field(default_factory=list)
    slots: list[Slot] = field(default_factory=list)
    now_row: int | None = None

    @property
    def in_order(self) -> list[tuple[str, object]]:
        """Free hours and sessions top to bottom, so the keyboard's Tab order follows the eye."""
        entries = [(s.row, 0, "slot", s) for s in self.slots] + [(p.row, 1, "session", p) for p in self.sessions]
        return [(kind, entry) for _row, _rank, kind, entry in sorted(entries, key=lambda e: e[:2])]


@dataclass
class Grid:
    columns: list[GridColumn]
    window: grid.Window
    count: int
    bookable: bool  # False for staff's week of everyone: whose slot would it be?


# Therapists on one page of staff's calendar of everyone (the day, the week and the month): side by
# side, ten still leave each of the day's columns the width of a session's reference and time on a
# laptop; a larger practice pages through them by name, and each page costs what a practice of ten does.
SIDE_BY_SIDE_COLUMNS = 10


@dataclass(frozen=True)
class TherapistGroup:
    """Which of the active therapists staff's calendar of everyone shows: SIDE_BY_SIDE_COLUMNS of
    them, by name. `group` counts from 1; `first_shown` and `last_shown` count the therapists from 1."""

    therapists: list[Therapist]
    group: int
    groups: int
    therapist_count: int
    first_shown: int
    last_shown: int

    @property
    def ids(self) -> list[int]:
        return [t.pk for t in self.therapists]


def therapist_group(group: int) -> TherapistGroup:
    """The `group`th SIDE_BY_SIDE_COLUMNS of the active therapists by name (below the first, the
    first; past the last, the last). One query."""
    everyone = list(Therapist.objects.filter(user__is_active=True).order_by("display_name", "pk"))
    groups = max(1, -(-len(everyone) // SIDE_BY_SIDE_COLUMNS))
    group = min(max(group, 1), groups)
    first = (group - 1) * SIDE_BY_SIDE_COLUMNS
    shown = everyone[first : first + SIDE_BY_SIDE_COLUMNS]
    return TherapistGroup(
        therapists=shown,
        group=group,
        groups=groups,
        therapist_count=len(everyone),
        first_shown=first + 1 if shown else 0,
        last_shown=first + len(shown),
    )


@dataclass
class _Source:
    """What one column is made from, before the layout."""

    day: date
    therapist: Therapist | None
    appointments: list[Appointment]
    hours: list[WorkingHours]
    time_off: list[TimeOff]


def _midnight(day: date, zone: zoneinfo.ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def schedule_grid(
    *,
    therapist: Therapist | None,
    first_day: date,
    last_day: date,
    zone: zoneinfo.ZoneInfo,
    now: datetime,
    staff: bool = False,
    side_by_side: bool = False,
    everyone: TherapistGroup | None = None,
) -> Grid:
    """The hour grid from `first_day` to `last_day` (local days in the viewer's `zone`): one column a
    day, or, for staff's day of everyone (`side_by_side`), one column a therapist. Sessions of every
    status with their members and confirmations, whether each has its note, working hours and time
    off, and for every free hour a booking link with a free room. At most 7 queries whatever the size.

    Staff's day and week of everyone (`therapist` None) show the therapists of `everyone`
    (`therapist_group`) and read only their sessions (and, side by side, their hours and time off): a
    practice of 50 costs what one of 10 does."""
    range_start, range_end = _midnight(first_day, zone), _midnight(last_day + timedelta(days=1), zone)
    therapists = [therapist] if therapist is not None else []
    if side_by_side:
        therapists = everyone.therapists if everyone is not None else []
    appointments = selectors.calendar_appointments(
        therapist=therapist,
        therapist_ids=everyone.ids if therapist is None and everyone is not None else None,
        start=range_start,
        end=range_end,
        with_notes=True,
    )
    ids = [t.pk for t in therapists]
    hours = list(WorkingHours.objects.filter(therapist_id__in=ids)) if ids else []
    time_off = (
        list(TimeOff.objects.filter(therapist_id__in=ids, start__lt=range_end, end__gt=range_start)) if ids else []
    )
    sources = []
    for day in _days(first_day, last_day):
        for who in therapists if side_by_side else [therapist]:
            mine = who.pk if who is not None else None
            sources.append(
                _Source(
                    day=day,
                    therapist=who,
                    appointments=[a for a in appointments if mine is None or a.therapist_id == mine],
                    hours=[h for h in hours if h.therapist_id == mine],
                    time_off=[t for t in time_off if t.therapist_id == mine],
                )
            )
    labels = _labels()  # translated once per grid
    columns = [_column(source, zone, now, labels) for source in sources]
    window = grid.window_for(p.piece for c in columns for p in (*c.sessions, *c.hours, *c.time_off))
    free_room = _room_finder(range_start, range_end) if therapists else None
    words = _SlotWords()
    bookable = bool(therapists)
    session_words = _SessionWords(staff=staff, therapist=therapist, side_by_side=side_by_side, bookable=bookable)
    for column in columns:
        for placed in (*column.sessions, *column.hours, *column.time_off):
            grid.place([placed], window)
        for placed in column.sessions:
            placed.html = _session_html(placed, session_words)
        column.now_row = grid.now_row(now, column.day, window, zone) if column.is_today else None
        if column.therapist is not None:
            column.slots = _slots(column, window, zone, free_room, staff=staff)
            day_label = date_format(column.day, "l j F")
            who = column.therapist.display_name if side_by_side else ""
            for slot in column.slots:
                slot.html = _slot_html(slot, words, day_label=day_label, who=who)
    return Grid(columns=columns, window=window, count=len(appointments), bookable=bookable)


def _days(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _column(source: _Source, zone: zoneinfo.ZoneInfo, now: datetime, labels: dict) -> GridColumn:
    day = source.day
    own_zone = source.therapist.zone if source.therapist else zone
    sessions = []
    for appointment in source.appointments:
        part = grid.piece(appointment.start, appointment.end, day, zone)
        if part is not None:
            appointment.note_due = _note_due(appointment, now)
            appointment.movable = appointment.status == Appointment.Status.BOOKED and appointment.start > now
            # Translated once per grid: get_FOO_display builds a dict of every choice on each call.
            appointment.status_label = labels["status"][appointment.status]
            appointment.modality_label = labels["modality"][appointment.modality]
            sessions.append((appointment, part))
    blocks = grid.weekly_blocks(source.hours, day=day, zone=zone, own_zone=own_zone)
    away = [(t, p) for t in source.time_off if (p := grid.piece(t.start, t.end, day, zone)) is not None]
    return GridColumn(
        day=day,
        is_today=day == now.astimezone(zone).date(),
        therapist=source.therapist,
        sessions=grid.lay_out(sessions),
        hours=[grid.Placed(item=None, piece=p) for p in blocks],
        time_off=[grid.Placed(item=t, piece=p) for t, p in away],
    )


def _labels() -> dict[str, dict[str, str]]:
    return {"status": choice_labels(Appointment, "status"), "modality": choice_labels(Appointment, "modality")}


def _note_due(appointment: Appointment, now: datetime) -> bool:
    """Held (attended, or booked and over but not marked) and no note yet, as `frontdesk.selectors.notes_due`
    counts them: a no-show was not held."""
    status = appointment.status
    held = status == Appointment.Status.ATTENDED or (status == Appointment.Status.BOOKED and appointment.end <= now)
    return held and not getattr(appointment, "has_note", True)


def _slots(column: GridColumn, window: grid.Window, zone, free_room, *, staff: bool) -> list[Slot]:
    therapist = column.therapist
    own = therapist.zone
    length = timedelta(hours=1)
    live = [p.item for p in column.sessions if p.item.is_live]
    slots = []
    for start in grid.slot_starts(column.day, window, zone):
        end = start + length
        if any(a.start < end and a.end > start for a in live):
            continue  # taken: the session is the thing to click there
        local = start.astimezone(own)
        params = {"date": local.date().isoformat(), "start_time": f"{local:%H:%M}"}
        if staff:  # a therapist books for themselves: the form has no therapist field
            params["therapist"] = therapist.pk
        room = free_room(start, end) if free_room else None
        if room is not None:
            params["room"] = room
        minutes = start.hour * 60 + start.minute
        slots.append(
            Slot(
                start=start,
                row=window.row(minutes),
                span=window.span(minutes, minutes + 60),
                params=params,
                working=any(p.piece.top <= minutes and minutes + 60 <= p.piece.bottom for p in column.hours),
                away=any(p.piece.top < minutes + 60 and p.piece.bottom > minutes for p in column.time_off),
            )
        )
    return slots


def _room_finder(start: datetime, end: datetime):
    """A function (slot start, end) -> the id of the first active room free then, or None. Two queries,
    or one for a practice without rooms. The sessions are read by the active rooms' own (room, start)
    index: at most a room's bookings in the range each, however many therapists share the practice
    (read by any room, every session of the range was read, for every therapist)."""
    rooms = list(Room.objects.filter(active=True).order_by("name").values_list("pk", flat=True))
    if not rooms:
        return lambda slot_start, slot_end: None
    taken = list(
        Appointment.objects.overlapping(start, end)
        .filter(room__in=rooms, status__in=Appointment.LIVE_STATUSES)
        .values_list("room_id", "start", "end")
    )

    def free(slot_start: datetime, slot_end: datetime) -> int | None:
        busy = {room for room, s, e in taken if s < slot_end and e > slot_start}
        return next((room for room in rooms if room not in busy), None)

    return free


@dataclass
class MonthDay:
    day: date
    in_month: bool
    is_today: bool
    count: int
    away: bool


def month_weeks(
    *,
    therapist: Therapist | None,
    month: date,
    zone: zoneinfo.ZoneInfo,
    today: date,
    everyone: TherapistGroup | None = None,
) -> list[list[MonthDay]]:
    """The weeks (Monday first) that hold `month`, each day with how many sessions it has (booked,
    attended or no-show: not the cancelled) and, for one therapist, whether they have time off. Two
    queries: the sessions' start times only, and the time off. Staff's month of everyone (`therapist`
    None) counts the sessions of the therapists of `everyone` (`therapist_group`)."""
    first = month.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    grid_first, grid_last = first - timedelta(days=first.weekday()), last + timedelta(days=6 - last.weekday())
    range_start, range_end = _midnight(grid_first, zone), _midnight(grid_last + timedelta(days=1), zone)
    held = Appointment.objects.filter(start__gte=range_start, start__lt=range_end, status__in=Appointment.LIVE_STATUSES)
    away = TimeOff.objects.none()
    if therapist is not None:
        held = held.filter(therapist=therapist)
        away = TimeOff.objects.filter(therapist=therapist, start__lt=range_end, end__gt=range_start)
    elif everyone is not None:
        held = held.filter(therapist_id__in=everyone.ids)
    counts: dict[date, int] = {}
    # Unordered: counted, not listed. The model's order by start made the planner walk the start
    # index over every therapist's sessions of the month rather than each shown one's (therapist,
    # start) range (SQLite at L: 3.3 ms -> 0.8 for ten therapists' month).
    for start in held.order_by().values_list("start", flat=True):
        local_day = start.astimezone(zone).date()
        counts[local_day] = counts.get(local_day, 0) + 1
    stretches = list(away.values_list("start", "end")) if therapist is not None else []
    days = [
        MonthDay(
            day=day,
            in_month=day.month == first.month,
            is_today=day == today,
            count=counts.get(day, 0),
            away=any(s < _midnight(day + timedelta(days=1), zone) and e > _midnight(day, zone) for s, e in stretches),
        )
        for day in _days(grid_first, grid_last)
    ]
    return [days[i : i + 7] for i in range(0, len(days), 7)]


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
