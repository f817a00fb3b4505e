"""Who may load which appointment. Not entitled and missing look the same: 404.

- therapists: their own appointments, and those of units they treat (co-therapists);
- staff: any appointment (scheduling is their work; appointments hold no clinical text);
- clients: only sessions they attend, through the portal. A partner's individual session is not theirs.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404

from clients.access import get_portal_member
from practice.models import Therapist, User
from sessions_app.models import Appointment

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
