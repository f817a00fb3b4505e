"""Video sessions: each its own room, shown only to those who attend and only around the session.

The room link comes from TELEHEALTH_ROOM_PATTERN (for example a self-hosted Jitsi,
"https://meet.example.org/{room}") with a room name of 128 random bits made when the session is
booked (or moved to video). It is never written into a message, a calendar or a title: the
attending members see it on their join page, and the therapist on the session page, from
TELEHEALTH_OPENS_MINUTES (15) before the start until the end. Without a pattern, the therapist's
own link (`BookingRules.video_link`) is used as before.

Joining asks the member where they are (state or country): licensure and place of service. It
is recorded on their attendance (encrypted), audited, and shown on the therapist's session page.
"""

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from practice.audit import audit_record
from practice.models import AuditAction, User
from sessions_app.models import Appointment, Attendance, Modality


def new_room() -> str:
    return secrets.token_hex(16) if settings.TELEHEALTH_ROOM_PATTERN else ""


def room_link(appointment: Appointment) -> str:
    """The link to this session's room ('' when it has none)."""
    if appointment.modality != Modality.VIDEO:
        return ""
    if appointment.video_room and settings.TELEHEALTH_ROOM_PATTERN:
        return settings.TELEHEALTH_ROOM_PATTERN.format(room=appointment.video_room)
    return appointment.video_link


def opens_at(appointment: Appointment) -> datetime:
    return appointment.start - timedelta(minutes=settings.TELEHEALTH_OPENS_MINUTES)


def is_open(appointment: Appointment, now: datetime | None = None) -> bool:
    """Whether the room may be shown now: a booked video session, from shortly before to its end."""
    now = now or timezone.now()
    return (
        appointment.modality == Modality.VIDEO
        and appointment.status == Appointment.Status.BOOKED
        and opens_at(appointment) <= now < appointment.end
    )


@transaction.atomic
def location_confirm(*, attendance: Attendance, location: str, by: User, now=None) -> Attendance:
    """The member says where they are for this video session (state or country)."""
    location = " ".join((location or "").split())
    if not location:
        raise ValidationError({"location": _("Say where you are now: the state or country.")})
    if len(location) > 100:
        raise ValidationError({"location": _("Keep it to the state or country (100 characters at most).")})
    attendance = Attendance.objects.select_for_update().select_related("appointment").get(pk=attendance.pk)
    if not is_open(attendance.appointment, now):
        raise ValidationError(_("This session's room is not open now."))
    attendance.location = location
    attendance.location_confirmed_at = now or timezone.now()
    attendance.save(update_fields=["location", "location_confirmed_at"])
    audit_record(actor=by, action=AuditAction.UPDATE, target=attendance, client_id=attendance.appointment.client_id)
    return attendance
