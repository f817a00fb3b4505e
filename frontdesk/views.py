"""Pages that compose several apps: each role's home and the therapist's dashboard."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from frontdesk import selectors
from practice.access import role_required
from practice.models import User
from referrals.selectors import referral_queue, referral_sources
from resources.selectors import workshop_list

_HOME_BY_ROLE = {
    User.Role.THERAPIST: "dashboard",
    User.Role.CLIENT: "portal:home",
    User.Role.STAFF: "sessions_app:schedule",
}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each role to its own home page."""
    if request.user.is_superuser and request.user.role != User.Role.THERAPIST:
        return redirect("admin:index")
    return redirect(_HOME_BY_ROLE[request.user.role])


@require_GET
@role_required(User.Role.THERAPIST)
def dashboard(request: HttpRequest) -> HttpResponse:
    therapist = request.user.therapist
    context = {
        "therapist": therapist,
        **selectors.dashboard(therapist=therapist),
        "referral_sources": referral_sources(),
        "new_referrals": list(
            referral_queue(user=request.user, status="new")
            .select_related(None)
            .select_related("referrer")
            .only("reference", "urgency", "created_at", "referrer__kind")[:5]
        ),  # what the panel shows: no encrypted column is read
        "workshops": list(workshop_list()[:3]),
    }
    return render(request, "frontdesk/dashboard.html", context)
