from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from practice import health, selectors
from practice.access import role_required
from practice.forms import OutboxFilterForm
from practice.models import User
from referrals.selectors import referral_queue, referral_sources
from resources.selectors import workshop_list

_HOME_BY_ROLE = {
    User.Role.THERAPIST: "dashboard",
    User.Role.CLIENT: "sessions_app:portal",
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
    return render(request, "practice/dashboard.html", context)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": health.database_ok(), "broker": health.broker_ok()}
    down = [name for name, ok in checks.items() if not ok]
    body = {name: ("ok" if ok else "down") for name, ok in checks.items()}
    body["status"] = "ok" if not down else f"down: {', '.join(down)}"
    return JsonResponse(body, status=503 if down else 200)


@require_GET
@role_required(User.Role.STAFF)
def outbox(request: HttpRequest) -> HttpResponse:
    """The practice's outbox: what was sent, when and to which reference; never message text."""
    form = OutboxFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = selectors.outbox_page(status=filters.get("status", ""), page=request.GET.get("page", 1))
    return render(request, "practice/outbox.html", {"form": form, "page": page})
