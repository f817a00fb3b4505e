"""Confirm and cancel links in reminders: no sign-in, a signed single-purpose token instead.

GET shows what will happen (a link preview or a mail scanner must never cancel anything); POST acts.
Cancelling obeys the late-cancellation rule and says what happened.
"""

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from practice.forms_support import error_text
from sessions_app import selectors, services
from sessions_app.access import get_attendance_for_link
from sessions_app.models import Appointment


@never_cache
@require_http_methods(["GET", "POST"])
def link(request: HttpRequest, action: str, token: str) -> HttpResponse:
    attendance = get_attendance_for_link(token, action)
    if attendance is None:
        return render(request, "sessions_app/link_invalid.html", status=400)
    appointment = attendance.appointment
    zone = attendance.member.zone
    rules = selectors.rules_for(appointment.therapist)
    late = services.is_late(start=appointment.start, rules=rules, now=timezone.now())
    context = {"appointment": appointment, "action": action, "zone": zone, "late": late, "done": False}
    if request.method == "GET":
        return render(request, "sessions_app/link.html", context)

    if action == "confirm":
        services.attendance_confirm(attendance=attendance, by=attendance.member.user)
    else:
        try:
            appointment = services.appointment_cancel(
                appointment=appointment, by=attendance.member.user, via=Appointment.Via.LINK
            )
        except ValidationError as error:
            context["error"] = error_text(error)
            return render(request, "sessions_app/link.html", context, status=409)
    context.update(done=True, appointment=appointment)
    return render(request, "sessions_app/link.html", context)
