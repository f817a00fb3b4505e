"""What resources messages say, built at send time from the assignment or registration as it is now
(registered with the outbox from `ResourcesConfig.ready`).

A builder returns None when the message is no longer wanted: the work is done (or the member has
done everything released to them), the registration was cancelled, the workshop moved, was called
off or has begun, or the member no longer accepts email (reminders also need the member's live
consent to reminders by email, as session reminders do; being moved up from the waiting list is
news the member asked for, so it needs only an address and email accepted). Messages carry no clinical content: never a
log, a note, feedback, or which exercise or reading it is; a workshop's title only without discreet
wording. With discreet wording (`Member.discreet_wording`) no subject or text says "therapy",
"therapist" or "sex", and the practice is named by PRACTICE_DISCREET_NAME.
"""

from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils.formats import date_format

from clients.models import Consent
from clients.services import consent_is_active
from outbox.channels import Message, render_message
from outbox.models import Notification
from outbox.services import builder

ASSIGNMENT_DUE = "assignment_due"
WORKSHOP_TOMORROW = "workshop_tomorrow"
WORKSHOP_PROMOTED = "workshop_waitlist_promoted"


def _site_url() -> str:
    return settings.SITE_URL


def _practice_name(member) -> str:
    return settings.PRACTICE_DISCREET_NAME if member.discreet_wording else settings.PRACTICE_NAME


def may_email(member, *, reminder: bool) -> bool:
    """Whether `member` may be emailed: they accept email and have an address; a reminder also needs
    their live consent to reminders by email (as session reminders do)."""
    if member is None or not member.contact_by_email or not member.email:
        return False
    return not reminder or consent_is_active(member=member, kind=Consent.Kind.REMINDERS_EMAIL)


def _reachable(notification: Notification, member, *, reminder: bool = True) -> bool:
    return notification.channel == Notification.Channel.EMAIL and may_email(member, reminder=reminder)


def _render(name: str, context: dict, subject: str) -> Message:
    """Every resources message is an email to the member it is about."""
    return render_message(f"resources_{name}", context, subject=subject, to=context["member"].email)


# --- Assignment due tomorrow ----------------------------------------------------------------------


def _nothing_left_for(assignment, member) -> bool:
    """Whether the member has done everything released to them (so a reminder would only nag)."""
    from resources.models import StepProgress
    from resources.selectors import stages_of

    done = set(
        StepProgress.objects.filter(assignment=assignment, member=member, done_at__isnull=False).values_list(
            "step_id", flat=True
        )
    )
    stages = stages_of(assignment.resource)
    if not stages:
        return None in done
    return all(step.pk in done for step in stages[: assignment.released_stage])


@builder(ASSIGNMENT_DUE)
def assignment_due(notification: Notification) -> Message | None:
    from resources.models import Assignment

    assignment = Assignment.objects.select_related("resource").filter(pk=notification.target_id).first()
    member = notification.member
    if assignment is None or not _reachable(notification, member):
        return None
    if assignment.is_done or assignment.due_on is None:
        return None
    if member.client_id != assignment.client_id or assignment.member_id not in (None, member.pk):
        return None
    if _nothing_left_for(assignment, member):
        return None
    discreet = member.discreet_wording
    due = date_format(assignment.due_on, "l j F Y")
    context = {
        "member": member,
        "discreet": discreet,
        "due": due,
        "practice_name": _practice_name(member),
        "link": _site_url() + reverse("portal:assignment", args=[assignment.pk]),
    }
    subject = (
        f"A reminder from {context['practice_name']}"
        if discreet
        else f"Reminder: your between-session work is due {due}"
    )
    return _render("assignment_due", context, subject)


# --- Workshops ------------------------------------------------------------------------------------


def _live_registration(notification: Notification):
    from resources.models import Registration

    registration = Registration.objects.select_related("workshop", "member").filter(pk=notification.target_id).first()
    if registration is None or registration.status != Registration.Status.REGISTERED:
        return None
    if notification.member_id != registration.member_id:
        return None
    workshop = registration.workshop
    if not workshop.active or workshop.has_started:
        return None
    return registration


def _workshop_context(registration, headline: str) -> dict:
    member, workshop = registration.member, registration.workshop
    zone = member.zone
    start, end = workshop.starts_at.astimezone(zone), workshop.ends_at.astimezone(zone)
    return {
        "member": member,
        "discreet": member.discreet_wording,
        "headline": headline,
        "title": "" if member.discreet_wording else workshop.title,
        "when": f"{date_format(start, 'l j F Y')}, {start:%H:%M}–{end:%H:%M} ({zone.key} time)",
        "place": workshop.place,
        "video_link": workshop.video_link,
        "facilitator": workshop.facilitator,
        "practice_name": _practice_name(member),
        "link": _site_url() + reverse("portal:workshops"),
    }


@builder(WORKSHOP_TOMORROW)
def workshop_tomorrow(notification: Notification) -> Message | None:
    registration = _live_registration(notification)
    if registration is None or not _reachable(notification, registration.member):
        return None
    if abs(registration.workshop.starts_at - timedelta(days=1) - notification.send_at) > timedelta(minutes=1):
        return None  # written for another time: the workshop moved (a new reminder was queued)
    what = "event" if registration.member.discreet_wording else "workshop"
    context = _workshop_context(registration, f"A reminder: your {what} is tomorrow")
    return _render("workshop", context, f"Reminder: your {what} tomorrow")


@builder(WORKSHOP_PROMOTED)
def workshop_waitlist_promoted(notification: Notification) -> Message | None:
    registration = _live_registration(notification)
    if registration is None or not _reachable(notification, registration.member, reminder=False):
        return None
    what = "event" if registration.member.discreet_wording else "workshop"
    context = _workshop_context(registration, f"A place opened up: you are now registered for the {what}")
    return _render("workshop", context, f"You have a place at the {what}")
