"""Who may load which appointment. Not entitled and missing look the same: 404.

- therapists: their own appointments, and those of units they treat (co-therapists);
- staff: any appointment (scheduling is their work; appointments hold no clinical text);
- clients: only sessions they attend, through the portal. A partner's individual session is not theirs.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404

from clients.access import get_portal_member
from practice.models import Therapist, User
from sessions_app import notifications
from sessions_app.models import Appointment, Attendance

_RELATED = ("client", "therapist", "room", "series")


def get_appointment_for_user(user: User, appointment_id: int) -> Appointment:
    appointment = get_object_or_404(Appointment.objects.select_related(*_RELATED), pk=appointment_id)

    if user.is_therapist and appointment.therapist_id == user.therapist.pk:
        return appointment
    if user.is_therapist and appointment.client.is_treated_by(user.therapist):
        return appointment
    if user.is_practice_staff:
        return appointment

    raise Http404


def get_portal_appointment(user: User, appointment_id: int) -> Appointment:
    member = get_portal_member(user)
    return get_object_or_404(
        Appointment.objects.select_related(*_RELATED), pk=appointment_id, attendances__member=member
    )


def get_calendar_therapist(user: User, therapist_id: int | None) -> Therapist | None:
    """Whose calendar to show: a therapist sees their own; staff choose one, or everyone (None)."""
    if user.is_therapist:
        return user.therapist
    if user.is_practice_staff:
        return get_object_or_404(Therapist, pk=therapist_id) if therapist_id else None
    raise Http404


def get_attendance_for_link(token: str, action: str) -> Attendance | None:
    """The live attendance a reminder's confirm or cancel link is for, or None when the token is
    bad, expired, for another action, or the session was cancelled or moved since it was sent.
    (None, not 404: the link page explains that the link no longer works.)"""
    if action not in notifications.LINK_SALTS:
        return None
    found = notifications.read_link_token(token, action)
    if found is None:
        return None
    appointment_id, member_id, start_epoch = found
    attendance = (
        Attendance.objects.select_related("appointment__therapist", "appointment__room", "member")
        .filter(appointment_id=appointment_id, member_id=member_id, live=True)
        .first()
    )
    if attendance is None or int(attendance.appointment.start.timestamp()) != start_epoch:
        return None  # cancelled, moved, or not this member's
    if attendance.appointment.status != Appointment.Status.BOOKED:
        return None
    return attendance
