"""The ICS feed: a therapist's sessions at a secret, revocable address, for calendar apps.

No sign-in (calendar apps cannot do one): the token in the address is the credential, so the
response is never cached or indexed, and it carries reference codes only (see `sessions_app.ics`).
Each fetch is recorded as an export, so a leaked address shows up in the audit trail.
"""

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from practice.audit import audit_record
from practice.models import AuditAction
from sessions_app import calendar_selectors
from sessions_app import ics as ics_document
from sessions_app.availability_access import get_feed_for_token


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
