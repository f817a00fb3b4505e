"""Which messages a scheduling change puts in the outbox, in the same transaction as the change.

Booking queues a confirmation and the reminders (the effective schedule, `reminder_settings`) for each
attending member on each channel they may be reached by; moving cancels the old reminders and
queues new ones (their keys carry the start, so the old time can never be reminded); cancelling
cancels every pending message about the session and confirms the cancellation. A client's late
cancellation tells the therapist. Nothing is scheduled in Celery: the rows wait in the database.
"""

from datetime import timedelta

from django.core import signing
from django.db.models import Exists, OuterRef
from django.utils import timezone

from clients.models import Consent, Member
from clients.services import consent_is_active
from outbox.models import Notification
from outbox.services import notification_cancel_pending, notification_enqueue_many
from sessions_app.models import Appointment

REMINDER = "appointment_reminder"
BOOKED = "appointment_booked"
MOVED = "appointment_moved"
CANCELLED = "appointment_cancelled"
SERIES_BOOKED = "series_booked"
LATE_NOTICE = "late_cancellation_notice"
SERIES_CANCELLED = "series_cancelled"  # several sessions of a series cancelled at once: one message
SERIES_MOVED = "series_moved"  # several sessions of a series moved at once: one message
APPOINTMENT_KINDS = [REMINDER, BOOKED, MOVED, CANCELLED]


def member_channels(member: Member, live_consents: set[tuple[int, str]] | None = None) -> list[str]:
    """The channels a member may be sent appointment messages on: preference, address and consent.

    `live_consents` ((member id, kind) pairs) saves the consent queries when the caller has them.
    """

    def consented(kind: str) -> bool:
        if live_consents is not None:
            return (member.pk, kind) in live_consents
        return consent_is_active(member=member, kind=kind)

    channels = []
    if member.contact_by_email and member.email and consented(Consent.Kind.REMINDERS_EMAIL):
        channels.append(Notification.Channel.EMAIL)
    if member.contact_by_sms and member.phone and consented(Consent.Kind.REMINDERS_SMS):
        channels.append(Notification.Channel.SMS)
    return channels


def live_reminder_consents(member_ids) -> set[tuple[int, str]]:
    """(member id, kind) for each live reminders consent of these members, in one query."""
    kinds = [Consent.Kind.REMINDERS_EMAIL, Consent.Kind.REMINDERS_SMS]
    live = Consent.objects.filter(member__in=member_ids, revoked_at=None, referrer=None, kind__in=kinds)
    return set(live.values_list("member_id", "kind"))


def _recipients(appointment: Appointment) -> list[tuple[Member, list[str]]]:
    """Each attending member with their channels: one query (members with their live reminder
    consents as EXISTS columns) whatever the number of members."""
    live = Consent.objects.filter(member=OuterRef("pk"), revoked_at=None, referrer=None)
    kinds = (Consent.Kind.REMINDERS_EMAIL, Consent.Kind.REMINDERS_SMS)
    members = list(appointment.members.annotate(**{f"has_{kind}": Exists(live.filter(kind=kind)) for kind in kinds}))
    consents = {(member.pk, kind) for member in members for kind in kinds if getattr(member, f"has_{kind}")}
    return [(member, member_channels(member, consents)) for member in members]


def recipients(appointment: Appointment) -> list[tuple[Member, list[str]]]:
    """Who would be told about a change to this session, and on which channels (the cancel page)."""
    return _recipients(appointment)


def _rows(kinds: list[tuple[str, object, str, dict]], appointment: Appointment, recipients=None) -> list[dict]:
    """Outbox rows for (kind, send_at, key suffix, context), for every attending member and allowed channel."""
    start = appointment.start.isoformat()
    rows = []
    for member, channels in recipients if recipients is not None else _recipients(appointment):
        for kind, send_at, extra_key, context in kinds:
            rows.extend(
                {
                    "kind": kind,
                    "key": f"{kind}:{appointment.pk}:{member.pk}:{channel}:{start}{extra_key}",
                    "target": appointment,
                    "send_at": send_at,
                    "channel": channel,
                    "member": member,
                    "reference": appointment.client.reference,
                    "context": {"start": start, **context},
                }
                for channel in channels
            )
    return rows


def reminder_rows(appointment: Appointment, recipients=None) -> list[dict]:
    """The reminders this session should have now: for each attending member, the effective
    schedule's hours (`sessions_app.reminder_settings`) on the channels both the schedule and the
    member allow, still ahead. One query for the schedules, one for the members (unless given)."""
    from sessions_app.reminder_settings import effective, schedules_for

    recipients = recipients if recipients is not None else _recipients(appointment)
    schedules = schedules_for(therapist_ids=[appointment.therapist_id], member_ids=[m.pk for m, _c in recipients])
    now = timezone.now()
    rows = []
    for member, channels in recipients:
        if not member.reminders_enabled:
            continue
        plan = effective(schedules, therapist_id=appointment.therapist_id, member_id=member.pk)
        allowed = [channel for channel in channels if channel in plan.channels]
        reminders = [
            (REMINDER, appointment.start - timedelta(hours=hours), f":{hours}h", {"hours": hours})
            for hours in plan.hours
            if appointment.start - timedelta(hours=hours) > now
        ]
        rows.extend(_rows(reminders, appointment, [(member, allowed)]))
    return rows


def _queue(kinds: list[tuple[str, object, str, dict]], appointment: Appointment) -> None:
    notification_enqueue_many(_rows(kinds, appointment))


def _queue_with_reminders(kinds: list[tuple[str, object, str, dict]], appointment: Appointment) -> None:
    recipients = _recipients(appointment)
    notification_enqueue_many(_rows(kinds, appointment, recipients) + reminder_rows(appointment, recipients))


def on_booked(appointment: Appointment, *, confirm: bool = True) -> None:
    if appointment.start <= timezone.now():
        return  # a session entered after the fact: nothing to tell or remind
    confirmation = [(BOOKED, timezone.now(), "", {})] if confirm else []
    _queue_with_reminders(confirmation, appointment)


def on_series_booked(series, first: Appointment) -> None:
    """One message for the whole series (to the first session's attendees), not one per session."""
    _queue([(SERIES_BOOKED, timezone.now(), f":series{series.pk}", {})], first)


def on_moved(appointment: Appointment, *, tell: bool = True, previous_start=None) -> None:
    """Renew the reminders and (unless `tell` is off: a series moved at once) tell the attendees."""
    notification_cancel_pending(target=appointment, kinds=[REMINDER, BOOKED, MOVED])
    moved_from = {"from": previous_start.isoformat()} if previous_start else {}
    told = [(MOVED, timezone.now(), "", moved_from)] if tell else []
    _queue_with_reminders(told, appointment)


def on_series_changed(kind: str, appointments: list[Appointment]) -> None:
    """One message per attending member and channel for several sessions of a series changed at once
    (`SERIES_CANCELLED` or `SERIES_MOVED`), about the first of them, listing them all."""
    first = appointments[0]
    ids = [a.pk for a in appointments]
    stamp = f":{kind}:{len(ids)}:{int(timezone.now().timestamp())}"
    _queue([(kind, timezone.now(), stamp, {"appointments": ids})], first)


def on_cancelled(appointment: Appointment, *, late_by_client: bool, tell: bool = True) -> None:
    """Cancel what is pending, tell the attendees (unless `tell` is off: a series cancelled at once)
    and, after a client's late cancellation, the therapist: one insert for all of it."""
    notification_cancel_pending(target=appointment)
    rows = _rows([(CANCELLED, timezone.now(), "", {})], appointment) if tell else []
    if late_by_client:
        rows.append(
            {
                "kind": LATE_NOTICE,
                "key": f"{LATE_NOTICE}:{appointment.pk}",
                "target": appointment,
                "user": appointment.therapist.user,
                "reference": appointment.client.reference,
            }
        )
    notification_enqueue_many(rows)


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
