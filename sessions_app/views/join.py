"""Joining a video session from the portal: the telehealth consent, the room's window, and where the
member is (state or country) before the room's link is shown. See `sessions_app.telehealth`."""

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from clients.access import get_portal_member
from documents.gates import missing_signatures
from practice.access import role_required
from practice.audit import audit_record
from practice.forms_support import apply_errors
from practice.models import AuditAction, User
from sessions_app import telehealth
from sessions_app.access import get_portal_appointment
from sessions_app.models import Modality

TEMPLATE = "sessions_app/session_join.html"


class LocationForm(forms.Form):
    location = forms.CharField(
        label="Where are you now? (state or country)",
        max_length=100,
        help_text=(
            "Your therapist may only see you where they are allowed to practise; it is recorded with this session."
        ),
    )


@require_http_methods(["GET", "POST"])
@role_required(User.Role.CLIENT)
def session_join(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = get_portal_appointment(request.user, appointment_id)
    member = get_portal_member(request.user)
    attendance = appointment.attendances.filter(member=member, live=True).first()
    if attendance is None or appointment.modality != Modality.VIDEO:
        raise Http404
    zone, now = member.zone, timezone.now()
    context = {"appointment": appointment, "zone": zone, "opens_at": telehealth.opens_at(appointment), "link": ""}
    missing = missing_signatures(client=appointment.client, members=[member], purpose="video")
    if missing:
        return render(request, TEMPLATE, {**context, "missing": [m.text for m in missing]}, status=403)
    if not telehealth.is_open(appointment, now):
        return render(request, TEMPLATE, {**context, "closed": True})
    form = LocationForm(request.POST or None, initial={"location": attendance.location})
    context["form"] = form
    if request.method == "POST" and form.is_valid():
        try:
            telehealth.location_confirm(attendance=attendance, location=form.cleaned_data["location"], by=request.user)
        except ValidationError as error:
            apply_errors(form, error)
            return render(request, TEMPLATE, context, status=400)
        audit_record(actor=request.user, action=AuditAction.VIEW, target=appointment, client_id=appointment.client_id)
        return render(request, TEMPLATE, {**context, "link": telehealth.room_link(appointment)})
    return render(request, TEMPLATE, context, status=400 if request.method == "POST" else 200)
