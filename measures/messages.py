"""The questionnaire request, built at send time from the request as it is now (registered with the
outbox from `MeasuresConfig.ready`).

Discreet by design for everyone: "You have a short questionnaire before your session", never the
instrument's name, a score or a question (a subject shows on a locked phone). With discreet wording
(`Member.discreet_wording`) nothing says "therapy" or "sex" and the practice is named by
PRACTICE_DISCREET_NAME. None (not wanted) when the request is no longer open, its session was
cancelled or has begun, or the member cannot be emailed (a request is a reminder: it needs the
member's live consent to reminders by email, as session reminders do).
"""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from clients.models import Consent
from clients.services import consent_is_active
from measures.schedule import REQUEST
from outbox.channels import Message, render_message
from outbox.models import Notification
from outbox.services import builder
from sessions_app.models import Appointment

SUBJECT = "You have a short questionnaire before your session"
SUBJECT_NO_SESSION = "You have a short questionnaire"


def _wanted(request, member) -> bool:
    from measures.models import MeasureRequest

    if request is None or request.status != MeasureRequest.Status.OPEN or request.member_id != member.pk:
        return False
    session = request.appointment
    if session is not None and (session.status != Appointment.Status.BOOKED or session.start <= timezone.now()):
        return False
    if not member.contact_by_email or not member.email:
        return False
    return consent_is_active(member=member, kind=Consent.Kind.REMINDERS_EMAIL)


@builder(REQUEST)
def measure_request(notification: Notification) -> Message | None:
    from measures.models import MeasureRequest

    request = MeasureRequest.objects.select_related("appointment").filter(pk=notification.target_id).first()
    member = notification.member
    if notification.channel != Notification.Channel.EMAIL or member is None or not _wanted(request, member):
        return None
    context = {
        "member": member,
        "discreet": member.discreet_wording,
        "before_session": request.appointment_id is not None,
        "practice_name": settings.PRACTICE_DISCREET_NAME if member.discreet_wording else settings.PRACTICE_NAME,
        "link": settings.SITE_URL + reverse("portal:measure", args=[request.pk]),
    }
    subject = SUBJECT if request.appointment_id else SUBJECT_NO_SESSION
    return render_message("measures_request", context, subject=subject, to=member.email)
