"""The therapist and staff calendar: week and day views, booking from the calendar, one session's
page and its actions, availability settings and the calendar feed address.

Appointments come through `sessions_app.access`, working hours and time off through
`sessions_app.availability_access`; writes are services. Times are typed in the therapist's zone
and shown in the viewer's (`ViewerTimezoneMiddleware`); every page says which zone it uses.
"""

from datetime import date, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients.selectors import has_open_alert, policy_unacknowledged
from practice.access import role_required
from practice.audit import audit_record
from practice.forms_support import apply_errors as _apply_errors
from practice.forms_support import invalid as _invalid
from practice.forms_support import refuse
from practice.models import AuditAction, User
from sessions_app import availability_access, availability_services, calendar_selectors, services, telehealth
from sessions_app.access import get_appointment_for_user, get_calendar_therapist
from sessions_app.forms import (
    AND_FOLLOWING,
    AppointmentForm,
    BookingRulesForm,
    CancelForm,
    MarkForm,
    MoveForm,
    ScheduleForm,
    TimeOffForm,
    WorkingHoursForm,
)
from sessions_app.models import Appointment
from sessions_app.panels import appointment_panels

THERAPIST = User.Role.THERAPIST
STAFF = User.Role.STAFF
CALENDAR = Appointment.Via.CALENDAR
NEW_TEMPLATE = "sessions_app/appointment_form.html"
POLICY_PENDING = _(
    "Not yet acknowledged by %(names)s: the couple's confidentiality policy (version %(version)s). "
    "Ask them to acknowledge it in the portal before the joint session."
)
DETAIL_TEMPLATE = "sessions_app/appointment_detail.html"
CANCEL_TEMPLATE = "sessions_app/appointment_cancel.html"
AVAILABILITY_TEMPLATE = "sessions_app/availability.html"


def _refused(request, template: str, context: dict, form, error: ValidationError, client=None) -> HttpResponse:
    """A service said no. A field's problem goes next to the field; a clash goes to the top. A missing
    signature offers the treating therapist the client's documents page, where it is recorded."""
    treating = client is not None and request.user.is_therapist and client.is_treated_by(request.user.therapist)
    if treating and services.is_signature_refusal(error):
        context = {**context, "sign_url": reverse("documents:client", args=[client.pk])}
    if hasattr(error, "error_dict"):
        _apply_errors(form, error)
        return _invalid(request, template, context)
    refuse(request, error)
    return render(request, template, context, status=400)


def _schedule_url(*, day: date, view: str = "day", therapist_id: int | None = None, group: int = 1) -> str:
    params = {"view": view, "date": day.isoformat()}
    if therapist_id:
        params["therapist"] = therapist_id
    if group > 1:
        params["group"] = group
    return f"{reverse('sessions_app:schedule')}?{urlencode(params)}"


# --- The week and day views -----------------------------------------------------------------------


@require_GET
@role_required(THERAPIST, STAFF)
def schedule(request: HttpRequest) -> HttpResponse:
    """The hour grid (day or week) or the month. Staff see one therapist, or everyone: the day view of
    everyone puts the therapists side by side. Everyone is ten therapists at a time, by name
    (`calendar_selectors.therapist_group`), in the day, the week and the month alike."""
    staff = request.user.is_practice_staff
    form = ScheduleForm(request.GET, staff=staff)
    chosen = form.value("therapist") if staff else None
    therapist = get_calendar_therapist(request.user, chosen.pk if chosen else None)
    today, zone = timezone.localdate(), timezone.get_current_timezone()
    # The front desk works the day: staff open on today with every therapist side by side (the week of
    # everyone, all of a practice's sessions on one grid, is a click away); a therapist opens on the week.
    default_view = "day" if staff and chosen is None else "week"
    view, day = form.value("view", default_view), form.value("date", today)
    # Staff's calendar of everyone: which ten therapists, kept from one day, week or month to the next.
    everyone = calendar_selectors.therapist_group(form.value("group", 1)) if staff and chosen is None else None
    first, last = _range(view, day)
    context = {
        "form": form,
        "staff": staff,
        "therapist": therapist,
        "view": view,
        "day": day,
        "first": first,
        "last": last,
        "legend": LEGEND,
        "everyone": everyone,
    }
    if view == "month":
        weeks = calendar_selectors.month_weeks(
            therapist=therapist, month=day, zone=zone, today=today, everyone=everyone
        )
        context.update(weeks=weeks, count=sum(d.count for w in weeks for d in w if d.in_month))
    else:
        context.update(
            _grid_context(request, therapist=therapist, view=view, first=first, last=last, zone=zone, everyone=everyone)
        )
    # The group shown (past the last, the last), kept by every link of the page.
    shown = everyone.group if everyone is not None else 1
    context.update(
        _navigation(view=view, day=day, today=today, therapist_id=chosen.pk if chosen else None, group=shown)
    )
    if everyone is not None:
        context.update(_group_navigation(everyone, view=view, day=day))
    if not staff:
        context["feed_url"] = _feed_url(request, therapist)
    return render(request, "sessions_app/schedule.html", context)


def _grid_context(request: HttpRequest, *, therapist, view: str, first: date, last: date, zone, everyone) -> dict:
    staff = request.user.is_practice_staff
    side_by_side = staff and therapist is None and view == "day"
    grid = calendar_selectors.schedule_grid(
        therapist=therapist,
        first_day=first,
        last_day=last,
        zone=zone,
        now=timezone.now(),
        staff=staff,
        side_by_side=side_by_side,
        everyone=everyone,
    )
    # `next_url_here`: where a session dragged on this page comes back to once moved.
    return {"grid": grid, "count": grid.count, "side_by_side": side_by_side, "next_url_here": request.get_full_path()}


LEGEND = [  # the calendar's key: the class of a swatch and what it means
    ("cal-status-booked", gettext_lazy("Booked")),
    ("cal-status-attended", gettext_lazy("Attended")),
    ("cal-status-no_show", gettext_lazy("No-show")),
    ("cal-status-cancelled", gettext_lazy("Cancelled")),
    ("cal-mod-in_person", gettext_lazy("In person")),
    ("cal-mod-video", gettext_lazy("Video")),
    ("cal-mod-phone", gettext_lazy("Phone")),
]


def _range(view: str, day: date) -> tuple[date, date]:
    if view == "day":
        return day, day
    if view == "month":
        first = day.replace(day=1)
        return first, _add_months(first, 1) - timedelta(days=1)
    first = day - timedelta(days=day.weekday())
    return first, first + timedelta(days=6)


def _add_months(day: date, months: int) -> date:
    """The first of the month `months` away (the calendar moves by whole months)."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _group_navigation(everyone, *, view: str, day: date) -> dict:
    """Staff's calendar of everyone: the links to the therapists before and after those shown, in the
    same view and period."""
    group, groups = everyone.group, everyone.groups
    return {
        "previous_group_url": _schedule_url(day=day, view=view, group=group - 1) if group > 1 else "",
        "next_group_url": _schedule_url(day=day, view=view, group=group + 1) if group < groups else "",
    }


def _navigation(*, view: str, day: date, today: date, therapist_id: int | None, group: int = 1) -> dict:
    """Links to the period before and after, today, and the other views; in staff's calendar of
    everyone every one of them keeps the therapists shown (`group`)."""
    if view == "month":
        previous, following = _add_months(day, -1), _add_months(day, 1)
    else:
        step = timedelta(days=1 if view == "day" else 7)
        previous, following = day - step, day + step
    return {
        "previous_url": _schedule_url(day=previous, view=view, therapist_id=therapist_id, group=group),
        "next_url": _schedule_url(day=following, view=view, therapist_id=therapist_id, group=group),
        "today_url": _schedule_url(day=today, view=view, therapist_id=therapist_id, group=group),
        "day_view_url": _schedule_url(day=day, view="day", therapist_id=therapist_id, group=group),
        "week_view_url": _schedule_url(day=day, view="week", therapist_id=therapist_id, group=group),
        "month_view_url": _schedule_url(day=day, view="month", therapist_id=therapist_id, group=group),
        "new_url": f"{reverse('sessions_app:appointment_new')}?{urlencode(_new_params(day, therapist_id))}",
    }


def _new_params(day: date, therapist_id: int | None) -> dict:
    return {"date": day.isoformat(), **({"therapist": therapist_id} if therapist_id else {})}


def _feed_url(request: HttpRequest, therapist) -> str:
    feed = calendar_selectors.feed_for_therapist(therapist)
    return request.build_absolute_uri(reverse("sessions_app:feed", args=[feed.token])) if feed else ""


# --- Booking from the calendar --------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@role_required(THERAPIST, STAFF)
def appointment_new(request: HttpRequest) -> HttpResponse:
    if request.method == "GET" or "refresh" in request.POST:
        # The first visit, or "update the form" after choosing a client or therapist: nothing is checked yet.
        typed = _typed(request.GET if request.method == "GET" else request.POST)
        return render(request, NEW_TEMPLATE, {"form": AppointmentForm(user=request.user, initial=typed)})

    form = AppointmentForm(request.POST, user=request.user)
    if not form.is_valid():
        return _invalid(request, NEW_TEMPLATE, {"form": form})
    data = form.cleaned_data
    length = timedelta(minutes=data["minutes"]) if data["minutes"] else form.rules.session_length
    warnings = calendar_selectors.booking_warnings(
        therapist=data["therapist"], start=data["start"], end=data["start"] + length, now=timezone.now()
    )
    if warnings and not data["confirm"]:  # nothing is saved until they tick "Book anyway"
        return render(request, NEW_TEMPLATE, {"form": form, "warnings": warnings})
    try:
        appointment, count = _book(request.user, data)
    except ValidationError as error:
        return _refused(request, NEW_TEMPLATE, {"form": form}, form, error, client=data["client"])

    described = services.describe(appointment, data["therapist"].zone)
    pending = policy_unacknowledged(data["client"], data["members"]) if len(data["members"]) > 1 else []
    if pending:
        names = ", ".join(m.display_name for m in pending)
        messages.warning(request, POLICY_PENDING % {"names": names, "version": data["client"].policy_version})
    if count == 1:
        messages.success(request, _("Booked: %(session)s.") % {"session": described})
    else:
        booked = _("%(count)s sessions booked, the first %(session)s.")
        messages.success(request, booked % {"count": count, "session": described})
    therapist_id = data["therapist"].pk if form.staff else None
    return redirect(_schedule_url(day=timezone.localtime(appointment.start).date(), therapist_id=therapist_id))


def _typed(source) -> dict:
    """What the user has chosen so far, to show again in a fresh (unchecked) form."""
    typed = {k: v for k, v in source.items() if k not in ("csrfmiddlewaretoken", "refresh", "members", "members_for")}
    if source.get("members_for") and source.get("members_for") == source.get("client"):
        typed["members"] = source.getlist("members")  # the same unit: keep who was ticked
    return typed


def _book(by: User, data: dict) -> tuple[Appointment, int]:
    common = {
        "therapist": data["therapist"],
        "client": data["client"],
        "members": list(data["members"]),
        "by": by,
        "modality": data["modality"],
        "room": data["room"],
    }
    if not data["repeat"]:
        appointment = services.appointment_book(start=data["start"], minutes=data["minutes"], via=CALENDAR, **common)
        return appointment, 1
    series = services.series_create(
        first_start=data["start"],
        frequency=data["repeat"],
        count=data["count"],
        until=data["until"],
        minutes=data["minutes"],
        **common,
    )
    appointments = list(series.appointments.order_by("start"))
    return appointments[0], len(appointments)


# --- One appointment ------------------------------------------------------------------------------


@require_GET
@role_required(THERAPIST, STAFF)
def appointment_detail(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = get_appointment_for_user(request.user, appointment_id)
    context = _detail_context(request, appointment)
    # The page names who attends: reading it is recorded like the client's contact page.
    audit_record(actor=request.user, action=AuditAction.VIEW, target=appointment)
    return render(request, DETAIL_TEMPLATE, context)


def _detail_context(
    request: HttpRequest, appointment: Appointment, move_form: MoveForm | None = None, warnings=()
) -> dict:
    zone, now = appointment.therapist.zone, timezone.now()
    local = appointment.start.astimezone(zone)
    booked = appointment.status == Appointment.Status.BOOKED
    user = request.user
    members = list(appointment.members.order_by("position"))
    attendances = list(appointment.attendances.all())
    confirmed = {a.member_id: a.confirmed_at for a in attendances if a.confirmed_at}
    initial = {"date": local.date(), "start_time": local.time()}
    series = appointment.series_id is not None
    own_or_treating = user.is_therapist and (
        appointment.therapist_id == user.therapist.pk or appointment.client.is_treated_by(user.therapist)
    )
    panels = appointment_panels()
    extra = {key: value for panel in panels for key, value in panel.context(appointment, user).items()}
    return {
        **extra,
        "panel_templates": [panel.template for panel in panels],
        "marked": appointment.status in services.MARKS,
        "appointment": appointment,
        "members": members,
        # Staff see that the session is confirmed; the treating therapists also by whom and when.
        "confirmed": bool(confirmed),
        "confirmations": [] if user.is_practice_staff else [(m, confirmed[m.pk]) for m in members if m.pk in confirmed],
        "warnings": warnings,
        "zone": zone,
        "summary": services.describe(appointment, zone),
        "booked_by": _who(appointment.booked_by),
        "cancelled_by": _who(appointment.cancelled_by) if appointment.cancelled_by_id else "",
        "treating": user.is_therapist and appointment.client.is_treated_by(user.therapist),
        "urgent": has_open_alert(appointment.client),  # that it exists: nothing of what it is about
        "move_form": move_form or MoveForm(zone=zone, series=series, initial=initial),
        "can_move": booked and appointment.start > now,
        "can_cancel": booked,
        "can_mark": appointment.is_live and appointment.start <= now,
        "started": appointment.start <= now,
        # Video: the room's link for the session's own therapist or a treating one, only while open;
        # where each member said they were when joining (licensure, place of service).
        "treating_or_own": own_or_treating,
        "room_link": telehealth.room_link(appointment)
        if own_or_treating and telehealth.is_open(appointment, now)
        else "",
        "locations": []
        if user.is_practice_staff
        else [
            (m, a.location, a.location_confirmed_at)
            for a in attendances
            for m in members
            if a.member_id == m.pk and a.location
        ],
    }


def _who(user: User) -> str:
    if user.is_therapist:
        return user.therapist.display_name
    if user.is_practice_staff:
        return _("Practice staff (%(email)s)") % {"email": user.email}
    if user.is_client:
        return _("The client, in the portal")
    return _("An administrator")


@require_POST
@role_required(THERAPIST, STAFF)
def appointment_move(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = get_appointment_for_user(request.user, appointment_id)
    form = MoveForm(request.POST, zone=appointment.therapist.zone, series=appointment.series_id is not None)
    back = _calendar_next(request)  # set when the session was dragged on the calendar
    if not form.is_valid():
        context = {**_detail_context(request, appointment, move_form=form), "next": back}
        return _invalid(request, DETAIL_TEMPLATE, context)
    data = form.cleaned_data
    end = data["start"] + appointment.duration
    warnings = calendar_selectors.booking_warnings(
        therapist=appointment.therapist, start=data["start"], end=end, now=timezone.now()
    )
    if warnings and not data["confirm"]:  # nothing is moved until they tick "Move anyway"
        context = {**_detail_context(request, appointment, form, warnings), "next": back}
        return render(request, DETAIL_TEMPLATE, context)
    try:
        moved = _move(request.user, appointment, data)
    except ValidationError as error:
        context = {**_detail_context(request, appointment, move_form=form), "next": back}
        return _refused(request, DETAIL_TEMPLATE, context, form, error, client=appointment.client)
    described = services.describe(moved[0], moved[0].therapist.zone)
    if len(moved) == 1:
        messages.success(request, _("Moved: %(session)s.") % {"session": described})
    else:
        done = _("Moved %(count)s sessions of the series, the first now %(session)s.")
        messages.success(request, done % {"count": len(moved), "session": described})
    return redirect(back or reverse("sessions_app:appointment", args=[appointment.pk]))


def _calendar_next(request: HttpRequest) -> str:
    """Where a move started on the calendar goes back to: a calendar page of this site, or nowhere."""
    back = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    return back if safe and back.startswith(reverse("sessions_app:schedule")) else ""


def _move(by: User, appointment: Appointment, data: dict) -> list[Appointment]:
    if data.get("scope") == AND_FOLLOWING:
        if data["modality"] and data["modality"] != appointment.modality:
            raise ValidationError({"modality": _("Change the kind of session one session at a time.")})
        return services.series_move_following(appointment=appointment, start=data["start"], by=by, via=CALENDAR)
    moved = services.appointment_move(
        appointment=appointment, start=data["start"], by=by, via=CALENDAR, modality=data["modality"] or None
    )
    return [moved]


@require_http_methods(["GET", "POST"])
@role_required(THERAPIST, STAFF)
def appointment_cancel(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """GET: what cancelling would do (who is told, late or not, the series); POST: do it."""
    appointment = get_appointment_for_user(request.user, appointment_id)
    data = request.POST if request.method == "POST" else None
    form = CancelForm(data, series=appointment.series_id is not None)
    if request.method == "GET" or not form.is_valid():
        context = calendar_selectors.cancel_page(appointment=appointment, now=timezone.now())
        return render(
            request, CANCEL_TEMPLATE, {**context, "form": form}, status=200 if form.is_bound is False else 400
        )
    late, following = form.cleaned_data["late"], form.cleaned_data.get("scope") == AND_FOLLOWING
    try:
        if following:
            done = services.series_cancel_following(appointment=appointment, by=request.user, late=late)
        else:
            done = [services.appointment_cancel(appointment=appointment, by=request.user, via=CALENDAR, late=late)]
    except ValidationError as error:
        refuse(request, error)
        return redirect("sessions_app:appointment", appointment_id=appointment.pk)
    if len(done) > 1:
        messages.success(request, _("Cancelled %(count)s sessions of the series.") % {"count": len(done)})
    else:
        messages.success(request, _("Cancelled (recorded as a late cancellation).") if late else _("Cancelled."))
    return redirect("sessions_app:appointment", appointment_id=appointment.pk)


@require_POST
@role_required(THERAPIST, STAFF)
def appointment_mark(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = get_appointment_for_user(request.user, appointment_id)
    form = MarkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose attended or no-show."))
        return redirect("sessions_app:appointment", appointment_id=appointment.pk)
    try:
        marked = services.appointment_mark(appointment=appointment, status=form.cleaned_data["status"], by=request.user)
    except ValidationError as error:
        refuse(request, error)
    else:
        messages.success(request, _("Marked as %(status)s.") % {"status": marked.get_status_display().lower()})
    return redirect("sessions_app:appointment", appointment_id=appointment.pk)


# --- Availability ---------------------------------------------------------------------------------


def _availability_forms(therapist, rules, data=None, bound: str = "") -> dict:
    """The page's three forms; only the one that was submitted (`bound`) gets the data."""
    return {
        "rules": BookingRulesForm(data if bound == "rules" else None, instance=rules, prefix="rules"),
        "hours": WorkingHoursForm(data if bound == "hours" else None, prefix="hours"),
        "time_off": TimeOffForm(data if bound == "time_off" else None, zone=therapist.zone, prefix="time_off"),
    }


@require_http_methods(["GET", "POST"])
@role_required(THERAPIST)
def availability_settings(request: HttpRequest) -> HttpResponse:
    therapist = request.user.therapist
    page = calendar_selectors.availability_page(therapist=therapist, now=timezone.now())
    kind = request.POST.get("form", "") if request.method == "POST" else ""
    forms = _availability_forms(therapist, page["rules"], request.POST, bound=kind)
    context = {**page, "forms": forms, "zone": therapist.zone}
    if request.method == "GET":
        return render(request, AVAILABILITY_TEMPLATE, context)
    if kind not in forms:
        messages.error(request, _("Nothing was saved: that form is not known here."))
        return render(request, AVAILABILITY_TEMPLATE, context, status=400)
    form = forms[kind]
    if not form.is_valid():
        return _invalid(request, AVAILABILITY_TEMPLATE, context)
    try:
        done = _save_availability(kind, form, therapist=therapist, by=request.user)
    except ValidationError as error:
        return _refused(request, AVAILABILITY_TEMPLATE, context, form, error)
    messages.success(request, done)
    return redirect("sessions_app:availability")


def _save_availability(kind: str, form, *, therapist, by: User) -> str:
    data = form.cleaned_data
    if kind == "rules":
        availability_services.booking_rules_update(rules=form.instance, by=by, **data)
        return _("Booking rules saved.")
    if kind == "hours":
        block = availability_services.working_hours_add(
            therapist=therapist, by=by, weekday=data["weekday"], start=data["start"], end=data["end"]
        )
        return _("Working hours added: %(block)s.") % {"block": block}
    time_off = availability_services.time_off_add(
        therapist=therapist, by=by, start=data["start"], end=data["end"], label=data["label"]
    )
    clashes = calendar_selectors.booked_during(therapist=therapist, start=time_off.start, end=time_off.end)
    if clashes:
        clash_text = ngettext(
            "Time off added. %(count)s booked session falls in it: move or cancel it.",
            "Time off added. %(count)s booked sessions fall in it: move or cancel them.",
            clashes,
        )
        return clash_text % {"count": clashes}
    return _("Time off added.")


def _ask_first(request: HttpRequest, question: str, effects: list[str], button: str, back_url: str) -> HttpResponse:
    """The confirm page of a destructive action: what will happen, and the POST that does it."""
    context = {"question": question, "effects": effects, "button": button, "back_url": back_url}
    return render(request, "confirm_action.html", context)


@require_http_methods(["GET", "POST"])
@role_required(THERAPIST)
def working_hours_delete(request: HttpRequest, block_id: int) -> HttpResponse:
    block = availability_access.get_working_hours_for_user(request.user, block_id)
    if request.method == "GET":
        effects = [_("Clients can no longer book these hours online. Sessions already booked stay booked.")]
        question = _("Remove your working hours %(block)s?") % {"block": block}
        return _ask_first(request, question, effects, _("Remove them"), reverse("sessions_app:availability"))
    availability_services.working_hours_delete(block=block, by=request.user)
    messages.success(request, _("Working hours removed."))
    return redirect("sessions_app:availability")


@require_http_methods(["GET", "POST"])
@role_required(THERAPIST)
def time_off_delete(request: HttpRequest, time_off_id: int) -> HttpResponse:
    time_off = availability_access.get_time_off_for_user(request.user, time_off_id)
    if request.method == "GET":
        start = timezone.localtime(time_off.start)
        question = _("Remove your time off from %(start)s?") % {"start": f"{start:%d %b %Y %H:%M}"}
        effects = [_("Clients may book online during it again, within your working hours.")]
        return _ask_first(request, question, effects, _("Remove it"), reverse("sessions_app:availability"))
    availability_services.time_off_delete(time_off=time_off, by=request.user)
    messages.success(request, _("Time off removed."))
    return redirect("sessions_app:availability")


@require_http_methods(["GET", "POST"])
@role_required(THERAPIST)
def feed_reset(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        effects = [_("Calendar apps subscribed to the old address stop receiving your sessions at once.")]
        question = _("Give your calendar feed a new address?")
        return _ask_first(request, question, effects, _("New address"), reverse("sessions_app:schedule"))
    services.calendar_feed_reset(therapist=request.user.therapist, by=request.user)
    messages.success(request, _("Your calendar has a new address. Any address you used before no longer works."))
    return redirect("sessions_app:schedule")
