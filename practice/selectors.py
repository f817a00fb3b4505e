"""Reads for the therapist's dashboard, in a fixed number of queries whatever the practice's size."""

import zoneinfo
from datetime import datetime, time, timedelta

from django.db.models import Exists, OuterRef, Prefetch
from django.utils import timezone

from practice.models import Therapist


def dashboard(*, therapist: Therapist, now: datetime | None = None) -> dict:
    """Today's sessions in order, the week ahead, and whether each past session still needs a note."""
    from clients.models import Member, Note
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
    return {
        "today": [a for a in appointments if a.start < tomorrow],
        "week_ahead": [a for a in appointments if a.start >= tomorrow and a.is_live],
        "zone": zone,
    }


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
