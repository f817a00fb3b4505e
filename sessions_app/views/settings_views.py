"""Reminder schedules in the product: the practice's (admins), a therapist's own, a member's.

GET shows the schedule in force and the form; POST saves it and re-plans the queued reminders of
the upcoming sessions it touches (`reminder_settings.reminder_schedule_set`, one transaction).
Bad input re-shows the form with what was typed and a message next to the field (400).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from clients.access import get_member_for_user
from practice.forms_support import apply_errors
from sessions_app import reminder_settings as rs
from sessions_app.forms import ReminderScheduleForm
from sessions_app.models import ReminderSchedule

TEMPLATE = "sessions_app/reminder_settings.html"


def _is_admin(user) -> bool:
    return user.is_superuser or user.is_staff


def _initial(row: ReminderSchedule | None, fallback: rs.Effective) -> dict:
    if row is None:
        return {"mode": fallback.mode, "hours": ", ".join(str(h) for h in fallback.hours), "inherit": True}
    return {"mode": row.mode, "hours": ", ".join(str(h) for h in row.hours), "inherit": False}


@login_required
@require_http_methods(["GET", "POST"])
def reminder_settings(request: HttpRequest) -> HttpResponse:
    """Admins edit the practice's schedule; a therapist (admin or not) their own override."""
    user = request.user
    if not _is_admin(user) and not user.is_therapist:
        raise Http404
    practice_row = ReminderSchedule.objects.filter(scope=ReminderSchedule.Scope.PRACTICE).first()
    practice_effective = rs._from_row(practice_row) if practice_row else rs._default()
    own_row = ReminderSchedule.objects.filter(therapist=user.therapist).first() if user.is_therapist else None
    which = request.POST.get("level", "")
    forms = {
        "practice": ReminderScheduleForm(
            request.POST if which == "practice" else None,
            prefix="practice",
            initial=_initial(practice_row, rs._default()),
            inheritable=False,
        )
        if _is_admin(user)
        else None,
        "therapist": ReminderScheduleForm(
            request.POST if which == "therapist" else None,
            prefix="therapist",
            initial=_initial(own_row, practice_effective),
        )
        if user.is_therapist
        else None,
    }
    if request.method == "POST":
        form = forms.get(which)
        if form is None:
            raise Http404
        if form.is_valid() and _save(form, request, therapist=user.therapist if which == "therapist" else None):
            messages.success(request, _("Reminder schedule saved. Upcoming reminders were planned again."))
            return redirect("sessions_app:reminder_settings")
        return render(request, TEMPLATE, {"forms": forms, "practice": practice_effective}, status=400)
    return render(request, TEMPLATE, {"forms": forms, "practice": practice_effective})


def _save(form: ReminderScheduleForm, request: HttpRequest, *, therapist=None, member=None) -> bool:
    data = form.cleaned_data
    try:
        if data.get("inherit"):
            rs.reminder_schedule_clear(by=request.user, therapist=therapist, member=member)
        else:
            rs.reminder_schedule_set(
                by=request.user, mode=data["mode"], hours=data["hours"], therapist=therapist, member=member
            )
    except ValidationError as error:
        apply_errors(form, error)
        return False
    return True


@login_required
@require_http_methods(["GET", "POST"])
def member_reminders(request: HttpRequest, client_id: int, member_id: int) -> HttpResponse:
    """A member's own schedule, set by a treating therapist (or inherited from the therapist's)."""
    if not request.user.is_therapist:
        raise Http404  # staff see contact details only; the schedule is part of the care plan's page
    member = get_member_for_user(request.user, client_id, member_id)
    therapist = member.client.primary_therapist
    row = ReminderSchedule.objects.filter(member=member).first()
    above = rs.effective(
        dict(rs.schedules_for(therapist_ids=[therapist.pk], member_ids=[]).items()),
        therapist_id=therapist.pk,
        member_id=member.pk,
    )
    form = ReminderScheduleForm(request.POST or None, prefix="member", initial=_initial(row, above))
    context = {
        "member": member,
        "form": form,
        "above": above,
        "effective": rs.effective_for(member=member, therapist=therapist),
    }
    if request.method == "POST":
        if form.is_valid() and _save(form, request, member=member):
            messages.success(request, _("Reminder schedule saved. Upcoming reminders were planned again."))
            return redirect("clients:detail", client_id=member.client_id)
        return render(request, "sessions_app/member_reminders.html", context, status=400)
    return render(request, "sessions_app/member_reminders.html", context)
