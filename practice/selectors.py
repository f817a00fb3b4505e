"""Reads for the therapist's dashboard, in a fixed number of queries whatever the practice's size."""

import zoneinfo
from datetime import datetime, time, timedelta

from django.db.models import Exists, OuterRef, Prefetch
from django.utils import timezone

from practice.models import Therapist


def dashboard(*, therapist: Therapist, now: datetime | None = None) -> dict:
    """Today's sessions in order, the week ahead, and whether each past session still needs a note."""
    from clients.models import Member, Note
    from resources.selectors import overdue_for_therapist
    from sessions_app.models import Appointment

    now = now or timezone.now()
    zone = zoneinfo.ZoneInfo(therapist.time_zone)
    today = now.astimezone(zone).date()
    day_start = datetime.combine(today, time.min, tzinfo=zone)
    week_end = day_start + timedelta(days=8)
    appointments = list(
        Appointment.objects.filter(therapist=therapist, start__gte=day_start, start__lt=week_end)
        .select_related("client", "room")
        .prefetch_related(Prefetch("members", queryset=Member.objects.order_by("position")))
        .annotate(has_note=Exists(Note.objects.filter(appointment=OuterRef("pk"))))
        .order_by("start")
    )
    tomorrow = day_start + timedelta(days=1)
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
        "today": [a for a in appointments if a.start < tomorrow],
        "week_ahead": [a for a in appointments if a.start >= tomorrow and a.is_live],
        "zone": zone,
        "unsigned_notes": unsigned,
        "overdue_homework": overdue_for_therapist(therapist=therapist, today=today),
        "weeks": (weeks := _weekly_sessions(therapist, day_start)),
        "attendance": _rates(weeks),
    }


def _rates(weeks: list[dict]) -> dict:
    attended = sum(w["attended"] for w in weeks)
    no_show = sum(w["no_show"] for w in weeks)
    late = sum(w["late"] for w in weeks)
    marked = attended + no_show
    return {
        "attended": attended, "no_show": no_show, "late": late,
        "no_show_rate": round(100 * no_show / marked) if marked else None,
    }  # fmt: skip


def _weekly_sessions(therapist, day_start, weeks: int = 8) -> list[dict]:
    """Sessions per week for the last `weeks` weeks, with attendance and no-shows. One query."""
    from django.db.models import Count, Q

    from sessions_app.models import Appointment

    monday = day_start - timedelta(days=day_start.weekday())
    first = monday - timedelta(weeks=weeks - 1)
    rows = Appointment.objects.filter(therapist=therapist, start__gte=first, start__lt=monday + timedelta(weeks=1))
    counts = rows.aggregate(
        **{
            f"{name}{i}": Count(
                "pk", filter=Q(start__gte=first + timedelta(weeks=i), start__lt=first + timedelta(weeks=i + 1)) & extra
            )
            for i in range(weeks)
            for name, extra in (
                ("held", Q(status__in=["attended", "booked"])),
                ("attended", Q(status="attended")),
                ("no_show", Q(status="no_show")),
                ("late", Q(status="late_cancelled")),
            )
        }
    )
    top = max([counts[f"held{i}"] + counts[f"no_show{i}"] for i in range(weeks)] + [1])
    result = []
    for i in range(weeks):
        held, no_show = counts[f"held{i}"], counts[f"no_show{i}"]
        result.append({
            "monday": (first + timedelta(weeks=i)).date(), "held": held, "attended": counts[f"attended{i}"],
            "no_show": no_show, "late": counts[f"late{i}"], "height": round(95 * (held + no_show) / top),
        })  # fmt: skip
    return result


def outbox_page(*, status: str = "", page=1, per_page: int = 50):
    """One page of the outbox, newest due first. Two queries whatever its size."""
    from django.core.paginator import Paginator

    from practice.models import Notification

    rows = Notification.objects.only(
        "kind", "channel", "send_at", "status", "attempts", "sent_at", "last_error", "reference"
    ).order_by("-send_at", "-pk")
    if status:
        rows = rows.filter(status=status)
    return Paginator(rows, per_page).get_page(page)
