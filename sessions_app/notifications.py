"""Which messages a scheduling change puts in the outbox, in the same transaction as the change.

Booking queues a confirmation and the reminders (settings.REMINDER_HOURS before the start) for each
attending member on each channel they may be reached by; moving cancels the old reminders and
queues new ones (their keys carry the start, so the old time can never be reminded); cancelling
cancels every pending message about the session and confirms the cancellation. A client's late
cancellation tells the therapist. Nothing is scheduled in Celery: the rows wait in the database.
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.utils import timezone

from clients.models import Consent, Member
from clients.services import consent_is_active
from practice.models import Notification
from practice.outbox import notification_cancel_pending, notification_enqueue
from sessions_app.models import Appointment

REMINDER = "appointment_reminder"
BOOKED = "appointment_booked"
MOVED = "appointment_moved"
CANCELLED = "appointment_cancelled"
SERIES_BOOKED = "series_booked"
LATE_NOTICE = "late_cancellation_notice"
APPOINTMENT_KINDS = [REMINDER, BOOKED, MOVED, CANCELLED]


def member_channels(member: Member) -> list[str]:
    """The channels a member may be sent appointment messages on: preference, address and consent."""
    channels = []
    if member.contact_by_email and member.email and consent_is_active(member=member, kind=Consent.Kind.REMINDERS_EMAIL):
        channels.append(Notification.Channel.EMAIL)
    if member.contact_by_sms and member.phone and consent_is_active(member=member, kind=Consent.Kind.REMINDERS_SMS):
        channels.append(Notification.Channel.SMS)
    return channels


def _queue(kind: str, appointment: Appointment, *, send_at=None, extra_key: str = "", **context) -> None:
    now = timezone.now()
    for member in appointment.members.all():
        if kind == REMINDER and not member.reminders_enabled:
            continue
        for channel in member_channels(member):
            notification_enqueue(
                kind=kind,
                key=f"{kind}:{appointment.pk}:{member.pk}:{channel}:{appointment.start.isoformat()}{extra_key}",
                target=appointment, send_at=send_at or now, channel=channel, member=member,
                reference=appointment.client.reference, context={"start": appointment.start.isoformat(), **context},
            )  # fmt: skip


def _queue_reminders(appointment: Appointment) -> None:
    now = timezone.now()
    for hours in settings.REMINDER_HOURS:
        send_at = appointment.start - timedelta(hours=hours)
        if send_at > now:
            _queue(REMINDER, appointment, send_at=send_at, extra_key=f":{hours}h", hours=hours)


def on_booked(appointment: Appointment, *, confirm: bool = True) -> None:
    if appointment.start <= timezone.now():
        return  # a session entered after the fact: nothing to tell or remind
    if confirm:
        _queue(BOOKED, appointment)
    _queue_reminders(appointment)


def on_series_booked(series, first: Appointment) -> None:
    """One message for the whole series (to the first session's attendees), not one per session."""
    _queue(SERIES_BOOKED, first, extra_key=f":series{series.pk}")


def on_moved(appointment: Appointment) -> None:
    notification_cancel_pending(target=appointment, kinds=[REMINDER, BOOKED, MOVED])
    _queue(MOVED, appointment)
    _queue_reminders(appointment)


def on_cancelled(appointment: Appointment, *, late_by_client: bool) -> None:
    notification_cancel_pending(target=appointment)
    _queue(CANCELLED, appointment)
    if late_by_client:
        notification_enqueue(
            kind=LATE_NOTICE, key=f"{LATE_NOTICE}:{appointment.pk}", target=appointment,
            user=appointment.therapist.user, reference=appointment.client.reference,
        )  # fmt: skip


# --- Confirm and cancel links ---------------------------------------------------------------------
# Signed, single-purpose (a salt per action), bound to the session's current start (a moved session
# invalidates old links) and expiring when the session starts.

LINK_SALTS = {"confirm": "sessions.link.confirm", "cancel": "sessions.link.cancel"}


def link_token(*, appointment: Appointment, member: Member, action: str) -> str:
    payload = {"a": appointment.pk, "m": member.pk, "s": int(appointment.start.timestamp())}
    return signing.dumps(payload, salt=LINK_SALTS[action])


def read_link_token(token: str, action: str) -> tuple[int, int, int] | None:
    """(appointment id, member id, start epoch), or None for a bad, foreign or expired token."""
    try:
        payload = signing.loads(token, salt=LINK_SALTS[action], max_age=timedelta(days=400))
    except (signing.BadSignature, KeyError):
        return None
    if payload["s"] < timezone.now().timestamp():
        return None  # the session has started: the link has expired
    return payload["a"], payload["m"], payload["s"]
