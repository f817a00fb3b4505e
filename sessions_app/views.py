"""The booking portal and the schedule. Placeholders until the scheduling issue lands."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from practice.access import role_required
from practice.models import User


@require_GET
@role_required(User.Role.CLIENT)
def portal(request: HttpRequest) -> HttpResponse:
    return render(request, "sessions_app/portal.html")


@require_GET
@role_required(User.Role.THERAPIST, User.Role.STAFF)
def schedule(request: HttpRequest) -> HttpResponse:
    return render(request, "sessions_app/schedule.html")
