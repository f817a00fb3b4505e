"""Client booking in the portal: book, move and cancel a session within the therapist's rules.

Everything starts from the signed-in user: the member from `get_portal_member`, a session from
`get_portal_appointment` (only sessions the member attends), never an id of a person. The rules
themselves (self-booking allowed, offered modality, a free slot, the late-cancellation window) live in
`services`; these views only show the choices and turn the services' refusals into messages.

Times are shown in the MEMBER's zone (not the therapist's), and every page names that zone.
"""

import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from clients.access import get_portal_member
from clients.models import Member
from practice.access import role_required
from practice.forms_support import error_text
from practice.models import Therapist, User
from sessions_app import selectors, services
from sessions_app.access import get_portal_appointment
from sessions_app.models import Appointment, BookingRules, Modality, Room

NOT_OPEN = gettext_lazy("Online booking is not open for you yet. Please contact your therapist.")
BAD_START = gettext_lazy("That time could not be read. Please choose one of the times shown.")
# A posted time further than this from now cannot be a slot; refusing it early also keeps
# date arithmetic away from the ends of the calendar (year 1, year 9999).
_SANE = timedelta(days=3660)


# --- Week of free slots, in the member's zone -----------------------------------------------------


@dataclass(frozen=True)
class SlotChoice:
    value: str  # the ISO UTC instant posted back
    local: datetime  # the same instant in the member's zone, for display
    current: bool = False  # the session's own time (moving)
    chosen: bool = False  # the time chosen before "Choose another time" on the confirm page


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _week(raw: str | None, *, zone: zoneinfo.ZoneInfo, rules: BookingRules, default: date | None = None) -> dict:
    """The Monday to show (from `?week=`), kept between this week and the last bookable one."""
    now = timezone.now()
    first = _monday(now.astimezone(zone).date())
    last = _monday((now + timedelta(days=rules.max_days_ahead)).astimezone(zone).date())
    try:
        wanted = date.fromisoformat(raw or "")
    except ValueError:
        wanted = default or first
    monday = _monday(min(max(wanted, first), last))
    return {
        "week": monday,
        "week_end": monday + timedelta(days=6),
        "prev_week": monday - timedelta(weeks=1) if monday > first else None,
        "next_week": monday + timedelta(weeks=1) if monday < last else None,
    }


def _days(
    *, therapist: Therapist, rules: BookingRules, zone, monday: date, modality: str, moving=None, chosen=None
) -> list:
    """Free slots of the member's week (Monday to Sunday in the member's zone), grouped by local day."""
    week_start = datetime.combine(monday, time.min, tzinfo=zone)
    week_end = datetime.combine(monday + timedelta(weeks=1), time.min, tzinfo=zone)
    therapist_zone = therapist.zone  # free_slots counts days in the therapist's zone
    slots = selectors.free_slots(
        therapist=therapist,
        first_day=week_start.astimezone(therapist_zone).date(),
        last_day=(week_end - timedelta(microseconds=1)).astimezone(therapist_zone).date(),
        modality=modality,
        rules=rules,
        ignore_appointment_id=moving.pk if moving else None,
    )
    days: dict[date, list[SlotChoice]] = {}
    for slot in slots:
        if week_start <= slot.start < week_end:
            local = slot.start.astimezone(zone)
            current = moving is not None and slot.start == moving.start
            choice = SlotChoice(slot.start.isoformat(), local, current, chosen=slot.start == chosen)
            days.setdefault(local.date(), []).append(choice)
    return sorted(days.items())


@dataclass(frozen=True)
class Viewer:
    """The signed-in member, their zone, and the booking rules of the therapist concerned."""

    member: Member
    zone: zoneinfo.ZoneInfo
    rules: BookingRules

    @property
    def client(self):
        return self.member.client


def _viewer(request: HttpRequest, therapist: Therapist | None = None) -> Viewer:
    member = get_portal_member(request.user)
    rules = selectors.rules_for(therapist or member.client.primary_therapist)
    return Viewer(member=member, zone=member.zone, rules=rules)


def _modality(raw: str | None, rules: BookingRules) -> str | None:
    offered = rules.offered_modalities()
    if raw in offered:
        return raw
    if Modality.IN_PERSON in offered and len(offered) > 1 and not Room.objects.filter(active=True).exists():
        offered = [m for m in offered if m != Modality.IN_PERSON]  # no room to offer: start elsewhere
    return offered[0] if offered else None


def _parse_start(raw: str | None) -> datetime | None:
    """A posted slot time: an ISO datetime with its zone, near enough to now to be a slot."""
    try:
        start = datetime.fromisoformat((raw or "").strip())
    except ValueError:
        return None
    if timezone.is_naive(start) or abs(start - timezone.now()) > _SANE:
        return None
    return start.astimezone(UTC)


def _when(start: datetime, zone: zoneinfo.ZoneInfo) -> str:
    return f"{date_format(start.astimezone(zone), 'l j F Y, H:i')} ({zone.key})"


def _week_of(start: datetime, zone: zoneinfo.ZoneInfo) -> str:
    return start.astimezone(zone).date().isoformat()


def _error_status(error: ValidationError) -> int:
    return 409 if isinstance(error, services.SlotTaken) else 400


# --- Book -----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@role_required(User.Role.CLIENT)
def book(request: HttpRequest) -> HttpResponse:
    """GET: a week of free times. POST a time: the confirm page (nothing saved). POST it again with
    `confirm`: the booking."""
    viewer = _viewer(request)
    if not viewer.client.self_booking:
        return _book_page(request, viewer, closed=True, status=200 if request.method == "GET" else 403)
    if request.method == "GET":
        chosen = _parse_start(request.GET.get("chosen"))
        return _book_page(
            request, viewer, modality=request.GET.get("modality"), week=request.GET.get("week"), chosen=chosen
        )

    start, modality = _parse_start(request.POST.get("start")), request.POST.get("modality", "")
    if start is None:
        return _book_page(request, viewer, modality=modality, error=BAD_START, status=400)
    client = viewer.client
    # A couple's member books a joint session for both; an individual for themselves.
    choice = {"client": client, "members": list(client.members.all()), "start": start, "modality": modality}
    try:
        if "confirm" not in request.POST:
            preview = services.booking_preview(therapist=client.primary_therapist, by=request.user, **choice)
            return _confirm_page(request, viewer, preview)
        appointment = services.appointment_book(
            therapist=client.primary_therapist, by=request.user, via=Appointment.Via.PORTAL, **choice
        )
    except ValidationError as error:
        week = _week_of(start, viewer.zone)
        return _book_page(request, viewer, modality=modality, week=week, error=error, status=_error_status(error))
    when = {"when": _when(appointment.start, viewer.zone)}
    messages.success(request, _("Your session is booked for %(when)s.") % when)
    return redirect("portal:home")


def _confirm_page(request, viewer: Viewer, preview: services.Preview, moving: Appointment | None = None):
    """The confirm step: therapist, time in the member's zone, place or video, the cancellation rule."""
    context = {
        "member": viewer.member,
        "zone": viewer.zone,
        "preview": preview,
        "moving": moving,
        "joint": viewer.client.is_couple if moving is None else moving.attendances.count() > 1,
        "start_value": preview.start.isoformat(),
        "week": _week_of(preview.start, viewer.zone),
    }
    return render(request, "sessions_app/booking_confirm.html", context)


def _book_page(request, viewer: Viewer, *, modality=None, week=None, error=None, closed=False, status=200, chosen=None):
    therapist = viewer.client.primary_therapist
    signature_missing = isinstance(error, ValidationError) and services.is_signature_refusal(error)
    if isinstance(error, ValidationError):
        error = error_text(error)
    context = {
        "member": viewer.member,
        "zone": viewer.zone,
        "therapist": therapist,
        "error": error,
        "closed": closed,
        "signature_missing": signature_missing,
    }
    if not closed:
        chosen, chosen_start = _modality(modality, viewer.rules), chosen
        weeks = _week(week, zone=viewer.zone, rules=viewer.rules)
        offered = [(m, Modality(m).label) for m in viewer.rules.offered_modalities()]
        context.update(weeks, modality=chosen, offered=offered)
        if chosen:
            context["days"] = _days(
                therapist=therapist,
                rules=viewer.rules,
                zone=viewer.zone,
                monday=weeks["week"],
                modality=chosen,
                chosen=chosen_start,
            )
    return render(request, "sessions_app/booking.html", context, status=status)


# --- Move -----------------------------------------------------------------------------------------


def _move_refusal(appointment: Appointment, viewer: Viewer) -> str | None:
    """Why this session cannot be moved online (the service refuses the same), or None."""
    if not viewer.client.self_booking:
        return NOT_OPEN
    return services.move_refusal(appointment=appointment, rules=viewer.rules, now=timezone.now())


@require_http_methods(["GET", "POST"])
@role_required(User.Role.CLIENT)
def session_move(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = get_portal_appointment(request.user, appointment_id)
    viewer = _viewer(request, appointment.therapist)  # the session's own therapist, not always the primary
    if request.method == "GET":
        chosen = _parse_start(request.GET.get("chosen"))
        return _move_page(request, viewer, appointment, week=request.GET.get("week"), chosen=chosen)
    if not viewer.client.self_booking:  # the service refuses it too; say it plainly before reading anything
        return _move_page(request, viewer, appointment, status=403)

    start = _parse_start(request.POST.get("start"))
    if start is None:
        return _move_page(request, viewer, appointment, error=BAD_START, status=400)
    old_start = appointment.start
    try:
        if "confirm" not in request.POST:
            preview = services.booking_preview(
                therapist=appointment.therapist,
                client=viewer.client,
                members=[],
                start=start,
                modality=appointment.modality,
                by=request.user,
                moving=appointment,
            )
            return _confirm_page(request, viewer, preview, moving=appointment)
        appointment = services.appointment_move(
            appointment=appointment, start=start, by=request.user, via=Appointment.Via.PORTAL
        )
    except ValidationError as error:
        return _move_page(
            request,
            viewer,
            appointment,
            week=_week_of(start, viewer.zone),
            error=error,
            status=_error_status(error),
        )
    moved = {"old": _when(old_start, viewer.zone), "new": _when(appointment.start, viewer.zone)}
    messages.success(request, _("Your session of %(old)s is moved to %(new)s.") % moved)
    return redirect("portal:home")


def _move_page(request, viewer: Viewer, appointment: Appointment, *, week=None, error=None, status=200, chosen=None):
    refusal = _move_refusal(appointment, viewer)
    signature_missing = isinstance(error, ValidationError) and services.is_signature_refusal(error)
    if isinstance(error, ValidationError):
        error = error_text(error)
    context = {
        "signature_missing": signature_missing,
        "member": viewer.member,
        "zone": viewer.zone,
        "appointment": appointment,
        "joint": appointment.attendances.count() > 1,
        "error": error,
        "refusal": refusal,
    }
    if refusal is None:  # the week of the session itself unless another is chosen
        own_week = appointment.start.astimezone(viewer.zone).date()
        weeks = _week(week, zone=viewer.zone, rules=viewer.rules, default=own_week)
        days = _days(
            therapist=appointment.therapist,
            rules=viewer.rules,
            zone=viewer.zone,
            monday=weeks["week"],
            modality=appointment.modality,
            moving=appointment,
            chosen=chosen,
        )
        context.update(weeks, days=days)
    return render(request, "sessions_app/session_move.html", context, status=status)


# --- Cancel ---------------------------------------------------------------------------------------


def _cancel_refusal(appointment: Appointment, viewer: Viewer) -> str | None:
    if not viewer.client.self_booking:
        return NOT_OPEN
    if appointment.status != Appointment.Status.BOOKED:
        return _("This session is not booked any more.")
    if appointment.start <= timezone.now():
        return _("A session that has started cannot be cancelled online.")
    return None


@require_http_methods(["GET", "POST"])
@role_required(User.Role.CLIENT)
def session_cancel(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = get_portal_appointment(request.user, appointment_id)
    viewer = _viewer(request, appointment.therapist)
    if request.method == "GET":
        return _cancel_page(request, viewer, appointment)
    if not viewer.client.self_booking:  # `Client.self_booking` covers booking, moving and cancelling
        return _cancel_page(request, viewer, appointment, status=403)

    try:
        appointment = services.appointment_cancel(appointment=appointment, by=request.user, via=Appointment.Via.PORTAL)
    except ValidationError as error:
        return _cancel_page(request, viewer, appointment, error=error_text(error), status=400)
    when = {"when": _when(appointment.start, viewer.zone)}
    if appointment.status == Appointment.Status.LATE_CANCELLED:
        late = _("Your session of %(when)s is cancelled late — your therapist has been told.")
        messages.warning(request, late % when)
    else:
        messages.success(request, _("Your session of %(when)s is cancelled.") % when)
    return redirect("portal:home")


def _cancel_page(request, viewer: Viewer, appointment: Appointment, *, error=None, status=200):
    hours = viewer.rules.late_cancel_hours
    context = {
        "member": viewer.member,
        "zone": viewer.zone,
        "appointment": appointment,
        "joint": appointment.attendances.count() > 1,
        "error": error,
        "refusal": _cancel_refusal(appointment, viewer),
        "late": services.is_late(start=appointment.start, rules=viewer.rules, now=timezone.now()),
        "late_cancel_hours": hours,
    }
    return render(request, "sessions_app/session_cancel.html", context, status=status)
