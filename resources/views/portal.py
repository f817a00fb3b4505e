"""The client's side: my assignments (with a private log per stage) and workshops.

Every page starts from the signed-in user (`get_portal_member`); an assignment is loaded only
through `access.get_portal_assignment`, which keeps it to the member's own unit and to work for
the whole unit or for them. A partner's log is never loaded: the member's own progress comes from
`access.portal_progress`, and of the partner only "has finished this stage" (yes or no) is shown.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients.access import get_portal_member
from practice import drafts
from practice.access import role_required
from practice.audit import audit_record
from practice.forms_support import refuse
from practice.models import AuditAction, User
from resources import access, selectors, services
from resources.drafts import progress_key
from resources.forms import ProgressForm
from resources.models import Registration
from resources.views.library import file_response

CLIENT = User.Role.CLIENT


@require_GET
@role_required(CLIENT)
def assignments(request: HttpRequest) -> HttpResponse:
    member = get_portal_member(request.user)
    context = selectors.portal_assignments_page(member=member, today=timezone.localdate())
    return render(request, "resources/portal/assignments.html", context)


def _assignment_page(request, assignment, member, *, form=None, form_step=None, status=200) -> HttpResponse:
    context = selectors.portal_assignment_page(assignment=assignment, member=member)
    context.update({"error_form": form, "error_step": form_step})
    _offer_drafts(request, context, offer=form is None)
    return render(request, "resources/portal/assignment.html", context, status=status)


def _offer_drafts(request: HttpRequest, context: dict, *, offer: bool) -> None:
    """Each log form's key, and the draft it has (practice/drafts.py), put back into the form."""
    assignment = context["assignment"]
    context["whole_key"] = progress_key(assignment.pk)
    for row in context["stages"]:
        row["draft_key"] = progress_key(assignment.pk, row["step"].pk)
    keys = [context["whole_key"], *(row["draft_key"] for row in context["stages"] if row["released"])]
    found = drafts.drafts_for(user=request.user, keys=keys) if offer else {}
    context["whole_draft"] = _kept(found.get(context["whole_key"]))
    for row in context["stages"]:
        row["draft"] = _kept(found.get(row["draft_key"]))


def _kept(draft) -> dict | None:
    return None if draft is None else {"draft": draft, "log": drafts.draft_initial(draft).get("log", "")}


@require_GET
@role_required(CLIENT)
def assignment(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment, member = access.get_portal_assignment(request.user, assignment_id)
    # The page shows the therapist's note and feedback and the member's own logs.
    audit_record(actor=request.user, action=AuditAction.VIEW, target=assignment)
    return _assignment_page(request, assignment, member)


@require_GET
@role_required(CLIENT)
def assignment_open(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """Open the reading: its link, or the file the practice shares."""
    assignment, _member = access.get_portal_assignment(request.user, assignment_id)
    resource = assignment.resource
    if resource.link:
        return redirect(resource.link)
    return file_response(resource)


@require_POST
@role_required(CLIENT)
def progress(request: HttpRequest, assignment_id: int, step_id: int | None = None) -> HttpResponse:
    assignment, member, step = access.get_portal_step(request.user, assignment_id, step_id)
    form = ProgressForm(request.POST)
    if form.is_valid():
        try:
            services.progress_save(
                assignment=assignment,
                member=member,
                step=step,
                by=request.user,
                log=form.cleaned_data["log"],
                mark_done=form.cleaned_data["done"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            drafts.draft_discard(user=request.user, key=progress_key(assignment.pk, step.pk if step else None))
    if form.errors:
        messages.error(request, _("Please correct the errors below. Nothing you typed has been lost."))
        return _assignment_page(request, assignment, member, form=form, form_step=step, status=400)
    if form.cleaned_data["done"]:
        messages.success(request, _("Marked as done. Your notes are saved; only you and your therapist can read them."))
    else:
        messages.success(request, _("Saved. Only you and your therapist can read your notes."))
    return redirect("portal:assignment", assignment_id=assignment.pk)


# --- Workshops ------------------------------------------------------------------------------------


@require_GET
@role_required(CLIENT)
def workshops(request: HttpRequest) -> HttpResponse:
    member = get_portal_member(request.user)
    return render(request, "resources/portal/workshops.html", selectors.portal_workshops_page(member=member))


@require_POST
@role_required(CLIENT)
def workshop_register(request: HttpRequest, workshop_id: int) -> HttpResponse:
    workshop, member = access.get_portal_workshop(request.user, workshop_id)
    try:
        registration = services.registration_create(workshop=workshop, member=member, by=request.user)
    except ValidationError as error:
        refuse(request, error)
    else:
        if registration.status == Registration.Status.REGISTERED:
            messages.success(request, _("You are registered. We will send you a reminder the day before."))
        else:
            messages.info(
                request,
                _(
                    "The workshop is full, so you are on the waiting list. "
                    "If a place opens up, it is yours and we will tell you."
                ),
            )
    return redirect("portal:workshops")


@require_http_methods(["GET", "POST"])
@role_required(CLIENT)
def workshop_cancel(request: HttpRequest, workshop_id: int) -> HttpResponse:
    """GET: what cancelling your place does; POST: cancel it."""
    workshop, member = access.get_portal_workshop(request.user, workshop_id)
    registration = access.get_portal_registration(workshop, member)  # never by a registration id
    if registration is None:
        messages.info(request, _("You were not registered for this workshop."))
        return redirect("portal:workshops")
    if request.method == "GET":
        context = {
            "question": _("Cancel your place at %(workshop)s?") % {"workshop": workshop.title},
            "effects": [
                _("Your place goes to someone waiting, if anyone is. You can register again if places are free.")
            ],
            "button": _("Cancel my place"),
            "back_url": reverse("portal:workshops"),
            "portal": True,
        }
        return render(request, "confirm_action.html", context)
    try:
        services.registration_cancel(registration=registration, by=request.user)
    except ValidationError as error:
        refuse(request, error)
    else:
        messages.success(request, _("Cancelled. Thank you for letting us know."))
    return redirect("portal:workshops")
