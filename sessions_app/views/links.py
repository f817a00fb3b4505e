"""Confirm and cancel links in reminders: no sign-in, a signed single-purpose token instead.

GET shows what will happen (a link preview or a mail scanner must never cancel anything); POST acts.
Cancelling obeys the late-cancellation rule and says what happened.
"""

import zoneinfo
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from sessions_app import notifications, selectors, services
from sessions_app.models import Appointment, Attendance


@never_cache
@require_http_methods(["GET", "POST"])
def link(request: HttpRequest, action: str, token: str) -> HttpResponse:
    attendance = _attendance_for(token, action)
    if attendance is None:
        return render(request, "sessions_app/link_invalid.html", status=400)
    appointment = attendance.appointment
    zone = zoneinfo.ZoneInfo(attendance.member.time_zone)
    rules = selectors.rules_for(appointment.therapist)
    late = appointment.start - timezone.now() < timedelta(hours=rules.late_cancel_hours)
    context = {"appointment": appointment, "action": action, "zone": zone, "late": late, "done": False}
    if request.method == "GET":
        return render(request, "sessions_app/link.html", context)

    if action == "confirm":
        Attendance.objects.filter(pk=attendance.pk).update(confirmed_at=timezone.now())
    else:
        try:
            appointment = services.appointment_cancel(
                appointment=appointment, by=attendance.member.user, via=Appointment.Via.LINK
            )
        except ValidationError as error:
            context["error"] = " ".join(error.messages)
            return render(request, "sessions_app/link.html", context, status=409)
    context.update(done=True, appointment=appointment)
    return render(request, "sessions_app/link.html", context)


def _attendance_for(token: str, action: str) -> Attendance | None:
    if action not in notifications.LINK_SALTS:
        return None
    found = notifications.read_link_token(token, action)
    if found is None:
        return None
    appointment_id, member_id, start_epoch = found
    attendance = (
        Attendance.objects.select_related("appointment__therapist", "appointment__room", "member")
        .filter(appointment_id=appointment_id, member_id=member_id, live=True)
        .first()
    )
    if attendance is None or int(attendance.appointment.start.timestamp()) != start_epoch:
        return None  # cancelled, moved, or not this member's
    if attendance.appointment.status != Appointment.Status.BOOKED:
        return None
    return attendance
