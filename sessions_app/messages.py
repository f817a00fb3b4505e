"""What appointment messages say. Built at send time from the session as it is now.

A builder returns None when the message is no longer wanted: the session was moved or cancelled,
the member no longer attends, withdrew the consent for that channel, or switched reminders off.
Messages carry no clinical content: date and time in the member's own zone (named), how and
where, the therapist's name, and confirm/cancel links. Discreet wording drops "therapy" and the
practice's name in favour of PRACTICE_DISCREET_NAME.
"""

import zoneinfo
from datetime import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from clients.models import Member
from outbox.channels import Message, render_message
from outbox.models import Notification
from outbox.services import builder, builder_many
from sessions_app import ics
from sessions_app import notifications as n
from sessions_app.models import Appointment, Attendance, Modality

HEADLINES = {
    n.BOOKED: ("Your {what} {when} is booked", "Booked: {what} {when}"),
    n.REMINDER: ("Reminder: your {what} {when}", "Reminder: {what} {when}"),
    n.MOVED: ("Your {what} has moved to {when}", "Moved: {what} now {when}"),
    n.CANCELLED: ("Your {what} {when} is cancelled", "Cancelled: {what} {when}"),
    n.SERIES_BOOKED: ("Your {what}s are booked", "Booked: {what}s from {when}"),
    n.SERIES_CANCELLED: ("Your {what}s from {when} are cancelled", "Cancelled: {what}s from {when}"),
    n.SERIES_MOVED: ("Your {what}s from {when} have moved", "Moved: {what}s now from {when}"),
}


def _when(appointment: Appointment, zone: zoneinfo.ZoneInfo) -> str:
    start = appointment.start.astimezone(zone)
    return f"on {date_format(start, 'l j F Y')} at {start:%H:%M} ({zone.key} time)"


def _place(appointment: Appointment) -> str:
    if appointment.modality == Modality.IN_PERSON and appointment.room:
        location = f", {appointment.room.location}" if appointment.room.location else ""
        return f"In person: {appointment.room.name}{location}"
    if appointment.modality == Modality.VIDEO:
        # The room's link (its own, or the therapist's) is never written into a message: the
        # attending members find it on their join page, in its window (sessions_app.telehealth).
        return "By video: join from your appointments page, from 15 minutes before"
    return "By phone: you will be called at the time above"


# What a message uses of a member: the other encrypted columns are not read (nor decrypted).
MESSAGE_MEMBER_FIELDS = [
    "id",
    "client_id",
    "first_name",
    "preferred_name",
    "email",
    "phone",
    "time_zone",
    "contact_by_email",
    "contact_by_sms",
    "discreet_wording",
    "reminders_enabled",
]


def _still_wanted(notification: Notification, member, appointment: Appointment, attending: bool, live_consents) -> bool:
    if member is None or notification.channel not in n.member_channels(member, live_consents):
        return False
    if notification.kind == n.CANCELLED:
        return not appointment.is_live
    if appointment.status != Appointment.Status.BOOKED:
        return False
    if notification.context.get("start") != appointment.start.isoformat():
        return False  # written for another time: the session moved
    if notification.kind == n.REMINDER and not member.reminders_enabled:
        return False
    return attending


@builder_many(n.BOOKED, n.REMINDER, n.MOVED, n.CANCELLED, n.SERIES_BOOKED)
def appointment_messages(notifications: list[Notification]) -> dict[int, Message | None]:
    """Messages about sessions, for a batch in four queries: sessions, members, who attends, consents."""
    appointments = Appointment.objects.select_related("room", "therapist", "client", "series").in_bulk(
        {int(row.target_id) for row in notifications}
    )
    members = {row.member_id for row in notifications if row.member_id}
    people = Member.objects.only(*MESSAGE_MEMBER_FIELDS).in_bulk(members)
    attending = set(
        Attendance.objects.filter(appointment__in=appointments, member__in=members, live=True).values_list(
            "appointment_id", "member_id"
        )
    )
    live_consents = n.live_reminder_consents(members)
    messages = {}
    for row in notifications:
        appointment = appointments.get(int(row.target_id))
        member = people.get(row.member_id)
        wanted = appointment is not None and _still_wanted(
            row, member, appointment, (appointment.pk, row.member_id) in attending, live_consents
        )
        messages[row.pk] = _appointment_message(row, member, appointment) if wanted else None
    return messages


def _appointment_message(notification: Notification, member: Member, appointment: Appointment) -> Message:
    zone = member.zone
    discreet = member.discreet_wording
    what = "appointment" if discreet else "therapy session"
    when = _when(appointment, zone)
    subject_template, sms_template = HEADLINES[notification.kind]
    links = {}
    if appointment.is_live and notification.kind != n.CANCELLED:
        links = {
            action: settings.SITE_URL
            + reverse(
                "sessions_app:link", args=[action, n.link_token(appointment=appointment, member=member, action=action)]
            )
            for action in ("confirm", "cancel")
        }
    series_dates, invited = [], [appointment]
    if notification.kind == n.SERIES_BOOKED and appointment.series_id:
        invited = list(appointment.series.appointments.filter(status="booked").order_by("start"))
        series_dates = [_when(a, zone) for a in invited]
    was = ""
    if notification.kind == n.MOVED and notification.context.get("from"):
        was = _when_at(datetime.fromisoformat(notification.context["from"]), zone)
    practice_name = settings.PRACTICE_DISCREET_NAME if discreet else settings.PRACTICE_NAME
    attachments = ()
    if notification.kind != n.REMINDER and notification.channel == Notification.Channel.EMAIL:
        attachments = (_invitation(invited, member, practice_name, cancel=notification.kind == n.CANCELLED),)
    context = {
        "member": member,
        "kind": notification.kind,
        "headline": subject_template.format(what=what, when=when),
        "when": when,
        "was": was,
        "invitation": bool(attachments),
        "place": _place(appointment),
        "therapist": appointment.therapist.display_name,
        "practice_name": settings.PRACTICE_DISCREET_NAME if discreet else settings.PRACTICE_NAME,
        "links": links,
        "series_dates": series_dates,
        "dates_heading": "All sessions",
        "discreet": discreet,
    }
    context["practice_name"] = practice_name
    short_when = _short(appointment.start, zone)
    sms = sms_template.format(what="appointment" if discreet else "session", when=short_when)
    if was:
        before = _short(datetime.fromisoformat(notification.context["from"]), zone)
        sms = f"Moved: {'appointment' if discreet else 'session'} of {before} now {short_when}"
    if links:
        sms += f". Reply C to confirm or X to cancel, or: {links['cancel']}"
    return render_message(
        "appointment",
        context,
        subject=subject_template.format(what=what, when=when),
        sms=sms,
        to=member.address_for(notification.channel),
        attachments=attachments,
    )


def _when_at(start: datetime, zone: zoneinfo.ZoneInfo) -> str:
    local = start.astimezone(zone)
    return f"on {date_format(local, 'l j F Y')} at {local:%H:%M} ({zone.key} time)"


def _short(start: datetime, zone: zoneinfo.ZoneInfo) -> str:
    local = start.astimezone(zone)
    return f"{date_format(local, 'D j M')} {local:%H:%M} {zone.key}"


def _invitation(appointments: list[Appointment], member: Member, organizer_name: str, *, cancel: bool) -> tuple:
    """The calendar invitation attached to an email (iTIP REQUEST or CANCEL, `sessions_app.ics`)."""
    body = ics.invitation(
        appointments=appointments,
        member=member,
        discreet=member.discreet_wording,
        organizer_name=organizer_name,
        now=timezone.now(),
        cancel=cancel,
    )
    method = "CANCEL" if cancel else "REQUEST"
    return ("invite.ics", body.decode(), f"text/calendar; charset=utf-8; method={method}")


@builder(n.LATE_NOTICE)
def late_cancellation_notice(notification: Notification) -> Message | None:
    appointment = Appointment.objects.select_related("therapist", "client").filter(pk=notification.target_id).first()
    if appointment is None or appointment.status != Appointment.Status.LATE_CANCELLED:
        return None
    zone = appointment.therapist.zone
    start = appointment.start.astimezone(zone)
    when = f"{date_format(start, 'l j F Y')} at {start:%H:%M} ({zone.key})"
    text = (
        f"The client {appointment.client.reference} cancelled the session of {when} "
        f"less than the agreed notice before it. It is recorded as a late cancellation.\n\n"
        f"{settings.SITE_URL}{reverse('sessions_app:appointment', args=[appointment.pk])}\n"
    )
    return Message(subject=f"Late cancellation: {appointment.client.reference}", text=text)


@builder_many(n.SERIES_CANCELLED, n.SERIES_MOVED)
def series_change_messages(notifications: list[Notification]) -> dict[int, Message | None]:
    """One message for several sessions of a series cancelled or moved at once, listing each of them
    as it is now. Not wanted any more when none of them is still cancelled (or still booked at the
    times it was written for: moved again, a newer message says so)."""
    ids = {int(pk) for row in notifications for pk in row.context.get("appointments", [])}
    appointments = Appointment.objects.select_related("room", "therapist", "client").in_bulk(ids)
    people = Member.objects.only(*MESSAGE_MEMBER_FIELDS).in_bulk({row.member_id for row in notifications})
    live_consents = n.live_reminder_consents(list(people))
    messages = {}
    for row in notifications:
        member = people.get(row.member_id)
        listed = [appointments[int(pk)] for pk in row.context.get("appointments", []) if int(pk) in appointments]
        messages[row.pk] = _series_change_message(row, member, listed, live_consents)
    return messages


def _series_change_message(row: Notification, member, listed: list[Appointment], live_consents) -> Message | None:
    if member is None or row.channel not in n.member_channels(member, live_consents):
        return None
    if row.kind == n.SERIES_CANCELLED:
        concerned = [a for a in listed if not a.is_live]
    else:
        concerned = [a for a in listed if a.status == Appointment.Status.BOOKED]
        if not concerned or row.context.get("start") != concerned[0].start.isoformat():
            return None
    if not concerned:
        return None
    zone, discreet = member.zone, member.discreet_wording
    what = "appointment" if discreet else "therapy session"
    first = concerned[0]
    when = _when(first, zone)
    subject_template, sms_template = HEADLINES[row.kind]
    context = {
        "member": member,
        "kind": "appointment_cancelled" if row.kind == n.SERIES_CANCELLED else row.kind,
        "headline": subject_template.format(what=what, when=when),
        "when": when,
        "place": _place(first),
        "therapist": first.therapist.display_name,
        "practice_name": settings.PRACTICE_DISCREET_NAME if discreet else settings.PRACTICE_NAME,
        "links": {},
        "series_dates": [_when(a, zone) for a in concerned],
        "dates_heading": "Cancelled" if row.kind == n.SERIES_CANCELLED else "The new times",
        "discreet": discreet,
        "invitation": row.channel == Notification.Channel.EMAIL,
    }
    local = first.start.astimezone(zone)
    short_when = f"{date_format(local, 'D j M')} {local:%H:%M} {zone.key}"
    sms = sms_template.format(what="appointment" if discreet else "session", when=short_when)
    sms += f" ({len(concerned)} in all)"
    attachments = ()
    if row.channel == Notification.Channel.EMAIL:
        cancel = row.kind == n.SERIES_CANCELLED
        attachments = (_invitation(concerned, member, context["practice_name"], cancel=cancel),)
    return render_message(
        "appointment",
        context,
        subject=subject_template.format(what=what, when=when),
        sms=sms,
        to=member.address_for(row.channel),
        attachments=attachments,
    )
