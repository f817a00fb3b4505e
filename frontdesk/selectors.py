"""Reads for the therapist's dashboard, in a fixed number of queries whatever the practice's size."""

from bisect import bisect_right
from datetime import datetime, time, timedelta

from django.db.models import Count, Exists, OuterRef, Prefetch, Window, prefetch_related_objects
from django.utils import timezone

from clients.models import Member, Note
from clients.selectors import DISPLAY_NAME_FIELDS
from practice.models import Therapist
from resources.selectors import overdue_for_therapist
from sessions_app.models import Appointment, Attendance

# The columns the dashboard's two lists of sessions read (templates/frontdesk/dashboard.html).
LISTED_FIELDS = (
    "id",
    "client_id",
    "room_id",
    "start",
    "end",
    "status",
    "modality",
    "client__id",
    "client__reference",
    "room__id",
    "room__name",
)


def dashboard(*, therapist: Therapist, now: datetime | None = None, co_treated: list[int] | None = None) -> dict:
    """Today's sessions in order, the week ahead, and whether each past session still needs a note."""
    now = now or timezone.now()
    zone = therapist.zone
    today = now.astimezone(zone).date()
    day_start = datetime.combine(today, time.min, tzinfo=zone)
    week_end = day_start + timedelta(days=8)
    appointments = list(
        Appointment.objects.filter(therapist=therapist, start__gte=day_start, start__lt=week_end)
        .select_related("client", "room")
        .only(*LISTED_FIELDS)  # what the two lists show: no client column is decrypted
        .annotate(
            has_note=Exists(Note.objects.filter(appointment=OuterRef("pk"))),
            # A member confirmed (a reminder's link or "C" by text): shown on today's list.
            confirmed=Exists(Attendance.objects.filter(appointment=OuterRef("pk"), confirmed_at__isnull=False)),
        )
        .order_by("start")
    )
    tomorrow = day_start + timedelta(days=1)
    today_list = [a for a in appointments if a.start < tomorrow]
    # Only today's list names the members: the week ahead shows the reference alone.
    prefetch_related_objects(
        today_list, Prefetch("members", queryset=Member.objects.only(*DISPLAY_NAME_FIELDS).order_by("position"))
    )
    for appointment in appointments:
        appointment.note_due = (
            appointment.status == Appointment.Status.ATTENDED or (appointment.is_live and appointment.end <= now)
        ) and not appointment.has_note
    unsigned = list(
        Note.objects.filter(author=therapist, signed_at__isnull=True)
        .select_related("client")
        .only("id", "kind", "session_date", "client__reference")
        .order_by("session_date")[:10]
    )
    return {
        "today": today_list,
        "week_ahead": [a for a in appointments if a.start >= tomorrow and a.is_live],
        "zone": zone,
        "unsigned_notes": unsigned,
        "overdue_homework": overdue_for_therapist(therapist=therapist, today=today, co_treated=co_treated),
        "weeks": (weeks := _weekly_sessions(therapist, day_start)),
        "attendance": _rates(weeks),
        "notes_due": notes_due(therapist=therapist, now=now),
    }


NOTES_DUE_DAYS = 60
NOTES_DUE_SHOWN = 20


def notes_due(*, therapist: Therapist, now: datetime) -> dict:
    """The therapist's past sessions of the last NOTES_DUE_DAYS days that were held (attended, or
    booked and over but not marked) and have no note, newest first: the first NOTES_DUE_SHOWN and
    how many in all. One query, whatever the number."""
    due = (
        Appointment.objects.filter(
            therapist=therapist,
            start__gte=now - timedelta(days=NOTES_DUE_DAYS),
            end__lte=now,
            status__in=[Appointment.Status.ATTENDED, Appointment.Status.BOOKED],
        )
        .exclude(Exists(Note.objects.filter(appointment=OuterRef("pk"))))
        .order_by("-start")
    )
    fields = ("id", "start", "end", "status", "client", "client__reference")
    # The total rides on each shown row (a window over the whole filtered set, counted before the
    # limit): one statement instead of the page and a separate COUNT.
    shown = list(due.select_related("client").only(*fields).annotate(due_total=Window(Count("id")))[:NOTES_DUE_SHOWN])
    count = shown[0].due_total if shown else 0
    return {"shown": shown, "count": count, "days": NOTES_DUE_DAYS}


def _rates(weeks: list[dict]) -> dict:
    attended = sum(w["attended"] for w in weeks)
    no_show = sum(w["no_show"] for w in weeks)
    late = sum(w["late"] for w in weeks)
    marked = attended + no_show
    return {
        "attended": attended,
        "no_show": no_show,
        "late": late,
        "no_show_rate": round(100 * no_show / marked) if marked else None,
    }


def _weekly_sessions(therapist, day_start, weeks: int = 8) -> list[dict]:
    """Sessions per week for the last `weeks` weeks, with attendance and no-shows. One query.

    The rows are counted here rather than in SQL: a therapist's eight weeks are a few hundred rows
    at most (bounded by working hours), and 32 filtered counts cost more to build than to count.
    """
    monday = day_start - timedelta(days=day_start.weekday())
    first = monday - timedelta(weeks=weeks - 1)
    rows = Appointment.objects.filter(
        therapist=therapist, start__gte=first, start__lt=monday + timedelta(weeks=1)
    ).values_list("start", "status")
    mondays = [first + timedelta(weeks=i) for i in range(weeks)]  # local midnights (DST-safe)
    counts = [dict.fromkeys(("held", "attended", "no_show", "late"), 0) for _ in range(weeks)]
    for start, status in rows:
        week = counts[bisect_right(mondays, start) - 1]
        week["held"] += status in ("attended", "booked")
        week["attended"] += status == "attended"
        week["no_show"] += status == "no_show"
        week["late"] += status == "late_cancelled"
    top = max([week["held"] + week["no_show"] for week in counts] + [1])
    return [
        {**week, "monday": monday.date(), "height": round(95 * (week["held"] + week["no_show"]) / top)}
        for monday, week in zip(mondays, counts, strict=True)
    ]
