"""The ICS feed: a therapist's sessions at a secret, revocable address, for calendar apps.

No sign-in (calendar apps cannot do one): the token in the address is the credential, so the
response is never cached or indexed, and it carries reference codes only (see `sessions_app.ics`).
Each fetch is recorded as an export, so a leaked address shows up in the audit trail.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from clients.access import get_portal_member
from practice.audit import audit_record
from practice.models import AuditAction
from sessions_app import calendar_selectors, services
from sessions_app import ics as ics_document
from sessions_app.availability_access import get_feed_for_token, get_member_feed_for_token


@require_GET
def ics(request: HttpRequest, token: str) -> HttpResponse:
    feed = get_feed_for_token(token)
    now = timezone.now()
    appointments = calendar_selectors.feed_appointments(therapist=feed.therapist, now=now)
    body = ics_document.feed_document(feed=feed, appointments=appointments, now=now)
    audit_record(actor=None, action=AuditAction.EXPORT, target=feed)

    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    response["Content-Disposition"] = 'inline; filename="sessions.ics"'
    return response


@require_GET
def member_ics(request: HttpRequest, token: str) -> HttpResponse:
    """A member's own sessions (titles neutral as they chose); each fetch is an audited export."""
    feed = get_member_feed_for_token(token)
    now = timezone.now()
    appointments = calendar_selectors.member_feed_appointments(member=feed.member, now=now)
    body = ics_document.member_feed_document(member=feed.member, appointments=appointments, now=now)
    audit_record(actor=None, action=AuditAction.EXPORT, target=feed, client_id=feed.member.client_id)

    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    response["Content-Disposition"] = 'inline; filename="appointments.ics"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def portal_calendar(request: HttpRequest) -> HttpResponse:
    """The member's feed address in the portal, with "Give it a new address" (POST)."""
    member = get_portal_member(request.user)
    reset = request.method == "POST"
    feed = services.member_calendar_feed(member=member, by=request.user, reset=reset)
    if reset:
        messages.success(request, _("Your calendar has a new address. The old one no longer works."))
        return redirect("portal:calendar")
    url = settings.SITE_URL + reverse("sessions_app:member_feed", args=[feed.token])
    return render(request, "sessions_app/portal_calendar.html", {"feed_url": url})
