"""Replies to our texts (Twilio's inbound webhook): C confirms, X cancels, STOP and START switch
texts off and on (recorded as the member's SMS-reminders consent), anything else gets a short help.

A reply is matched to the text it answers by the sender's number: its keyed digest against the
receipts of texts we sent (`outbox.SmsReceipt`), newest first. C and X act on the session that text
was about, only while it is still booked at the time the text gave (the same rules as the links in
reminders: a cancellation inside the late window is recorded as late). One row per MessageSid
(`SmsReply`, unique): a webhook Twilio retries does nothing the second time. Nothing of the text
is stored or logged; replies name no practice and no kind of care.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format

from clients.models import Consent, Member
from clients.services import consent_grant, consent_revoke
from outbox.channels import phone_digest
from outbox.models import SmsReceipt
from sessions_app import notifications as n
from sessions_app import services
from sessions_app.models import Appointment, Attendance, SmsReply

# Twilio's own opt-out and opt-in words (its Advanced Opt-Out answers them at the carrier too).
STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "END", "QUIT", "REVOKE", "OPTOUT"}
START_WORDS = {"START", "UNSTOP", "YES", "OPTIN"}
CONFIRM_WORDS = {"C", "CONFIRM"}
CANCEL_WORDS = {"X"}
HELP = "Reply C to confirm or X to cancel the appointment in our last text. Reply STOP to stop texts."
CHANGED = "That appointment has changed since our last text. Please see your latest message."


@dataclass(frozen=True)
class Outcome:
    action: str
    reply: str  # what we text back ("" for nothing)


def _when(appointment: Appointment, member: Member) -> str:
    local = appointment.start.astimezone(member.zone)
    return f"{date_format(local, 'D j M')} {local:%H:%M} {member.zone.key}"


def _receipts(sender: str):
    digest = phone_digest(sender)
    return SmsReceipt.objects.filter(address_digest=digest, notification__member__isnull=False).select_related(
        "notification"
    )


def sms_reply_handle(*, message_sid: str, sender: str, body: str, now=None) -> Outcome | None:
    """Act on one inbound text. None when this MessageSid was handled before (nothing is done again)."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            reply = SmsReply.objects.create(message_sid=message_sid[:64], action=SmsReply.Action.HELP)
            outcome, member, appointment = _act(sender=sender, word=" ".join(body.split()).upper(), now=now)
            reply.action, reply.member, reply.appointment = outcome.action, member, appointment
            reply.save(update_fields=["action", "member", "appointment"])
    except IntegrityError:
        return None  # the same message again (Twilio retried the webhook)
    return outcome


def _act(*, sender: str, word: str, now) -> tuple[Outcome, Member | None, Appointment | None]:
    receipts = list(_receipts(sender)[:50])
    if not receipts:
        return Outcome(SmsReply.Action.UNKNOWN_SENDER, ""), None, None
    members = Member.objects.select_related("user", "client__primary_therapist__user").in_bulk(
        {r.notification.member_id for r in receipts}
    )
    latest = receipts[0].notification
    member = members[latest.member_id]
    if word in STOP_WORDS:
        for each in members.values():
            _sms_consent(each, give=False)
        return Outcome(SmsReply.Action.STOPPED, ""), member, None  # Twilio itself confirms a STOP
    if word in START_WORDS:
        for each in members.values():
            _sms_consent(each, give=True)
        return Outcome(SmsReply.Action.STARTED, "Texts are on again. Reply STOP to stop them."), member, None
    if word not in CONFIRM_WORDS | CANCEL_WORDS:
        return Outcome(SmsReply.Action.HELP, HELP), member, None
    texted = next((r.notification for r in receipts if r.notification.kind in n.APPOINTMENT_KINDS), None)
    attendance = _attendance(texted, now) if texted else None
    if attendance is None:
        return Outcome(SmsReply.Action.HELP, CHANGED), member, None
    appointment, member = attendance.appointment, attendance.member
    if word in CONFIRM_WORDS:
        services.attendance_confirm(attendance=attendance, by=member.user, now=now, via="sms")
        return (
            Outcome(SmsReply.Action.CONFIRMED, f"Thank you: {_when(appointment, member)} is confirmed."),
            member,
            appointment,
        )
    try:
        cancelled = services.appointment_cancel(
            appointment=appointment, by=member.user, via=Appointment.Via.SMS, now=now
        )
    except ValidationError:
        return Outcome(SmsReply.Action.REFUSED, CHANGED), member, appointment
    text = f"Your appointment {_when(appointment, member)} is cancelled."
    if cancelled.status == Appointment.Status.LATE_CANCELLED:
        text += " It was inside the agreed notice, so it is recorded as a late cancellation."
    return Outcome(SmsReply.Action.CANCELLED, text), member, appointment


def _attendance(texted, now) -> Attendance | None:
    """The member's live attendance of the session the text was about, if still booked at the time it gave."""
    attendance = (
        Attendance.objects.select_related("appointment", "member", "member__user")
        .filter(appointment_id=texted.target_id, member_id=texted.member_id, live=True)
        .first()
    )
    if attendance is None or attendance.appointment.status != Appointment.Status.BOOKED:
        return None
    if texted.context.get("start") != attendance.appointment.start.isoformat() or attendance.appointment.start <= now:
        return None
    return attendance


def _sms_consent(member: Member, *, give: bool) -> None:
    """Recorded as the member's own change (source "sms"); for a member without a portal account the
    record names the unit's primary therapist as who recorded it, as a consent given on paper does."""
    by = member.user or member.client.primary_therapist.user
    live = Consent.objects.filter(
        member=member, kind=Consent.Kind.REMINDERS_SMS, referrer=None, revoked_at=None
    ).first()
    if give and live is None:
        consent_grant(member=member, kind=Consent.Kind.REMINDERS_SMS, by=by, source=Consent.Source.SMS)
    if not give and live is not None:
        consent_revoke(consent=live, by=by)
