"""Pages that compose several apps: each role's home and the therapist's dashboard."""

from allauth.account import views as allauth_views
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from clients.models import co_treated_ids
from clients.selectors import risk_alert_list
from frontdesk import selectors
from measures.selectors import dashboard_measures
from messaging.selectors import inbox_summary
from practice.access import role_required
from practice.models import User
from referrals.selectors import newest_referrals, referral_sources
from resources.selectors import workshop_list

_HOME_BY_ROLE = {
    User.Role.THERAPIST: "dashboard",
    User.Role.CLIENT: "portal:home",
    User.Role.STAFF: "sessions_app:schedule",
}


def account_email(request: HttpRequest) -> HttpResponse:
    """allauth's sign-in address page, except for clients: their address is kept as a pseudonym
    (practice.sign_in) and changed by the practice, so it never lands in clear in allauth's table."""
    if request.user.is_authenticated and request.user.role == User.Role.CLIENT:
        messages.info(
            request,
            _(
                "Your sign-in address is kept private by the practice. To change it, ask the practice: "
                "your contact details are on this page."
            ),
        )
        return redirect("portal:profile")
    return allauth_views.email(request)


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
    # The units co-treated, read once: the panels read the units led through their own indexes
    # (clients.models.CaseloadCopy) and these by id.
    co_treated = co_treated_ids(therapist)
    context = {
        "therapist": therapist,
        "risk_alerts": risk_alert_list(user=request.user),
        **selectors.dashboard(therapist=therapist, co_treated=co_treated),
        "referral_sources": referral_sources(),
        "new_referrals": newest_referrals(user=request.user),
        "workshops": list(workshop_list()[:3]),
        **dashboard_measures(therapist=therapist, now=timezone.now(), co_treated=co_treated),
        "inbox": inbox_summary(user=request.user, co_treated=co_treated),  # a count and a time, never text
        "today_date": timezone.localdate(),  # in the viewer's zone (ViewerTimezoneMiddleware)
    }
    return render(request, "frontdesk/dashboard.html", context)
