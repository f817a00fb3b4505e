"""Assignments on a client, for the treating therapists: give a resource (with suggestions from
the unit's concerns), follow adherence, read a member's log (audited), give feedback, release the
next stage. Everything is reached through `clients.access` / `resources.access`; staff get 404."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients.access import get_client_for_user
from practice.access import role_required
from practice.audit import audit_record
from practice.forms_support import id_param, refuse
from practice.models import AuditAction, User
from resources import access, selectors, services
from resources.forms import AssignmentEditForm, AssignmentForm, FeedbackForm
from resources.models import Resource
from resources.views._common import apply_errors, invalid

THERAPIST = User.Role.THERAPIST


@require_GET
@role_required(THERAPIST)
def client_assignments(request: HttpRequest, client_id: int) -> HttpResponse:
    client = get_client_for_user(request.user, client_id)
    context = selectors.client_assignments_page(client=client, today=timezone.localdate())
    context["suggestions"] = selectors.suggestions_for(client)
    context["workshops"] = selectors.workshop_suggestions_for(client)
    audit_record(actor=request.user, action=AuditAction.VIEW, target=client)
    return render(request, "resources/client_assignments.html", context)


@require_http_methods(["GET", "POST"])
@role_required(THERAPIST)
def assignment_create(request: HttpRequest, client_id: int) -> HttpResponse:
    client = get_client_for_user(request.user, client_id)
    resource_id = id_param(request, "resource")
    initial = {"resource": Resource.objects.filter(pk=resource_id).first() if resource_id else None}
    form = AssignmentForm(request.POST or None, client=client, initial=initial)
    context = {"form": form, "client": client, "suggestions": selectors.suggestions_for(client)}
    if request.method == "GET":
        return render(request, "resources/assignment_form.html", context)
    if not form.is_valid():
        return invalid(request, "resources/assignment_form.html", context)
    try:
        assignment = services.assignment_create(client=client, by=request.user, **form.cleaned_data)
    except ValidationError as error:
        apply_errors(form, error)
        return invalid(request, "resources/assignment_form.html", context)
    messages.success(request, _("Assigned: %(title)s.") % {"title": assignment.resource.title})
    return redirect("resources:client_assignments", client_id=client.pk)


@require_GET
@role_required(THERAPIST)
def assignment_detail(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = access.get_assignment_for_user(request.user, assignment_id)
    context = selectors.assignment_page(assignment=assignment)
    context["feedback_form"] = FeedbackForm(members=context["members"])
    audit_record(actor=request.user, action=AuditAction.VIEW, target=assignment)  # note and feedback
    return render(request, "resources/assignment_detail.html", context)


@require_http_methods(["GET", "POST"])
@role_required(THERAPIST)
def assignment_edit(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = access.get_assignment_for_user(request.user, assignment_id)
    initial = {"due_on": assignment.due_on, "note": assignment.note}
    form = AssignmentEditForm(request.POST or None, initial=initial)
    context = {"form": form, "assignment": assignment, "client": assignment.client}
    if request.method == "GET":
        audit_record(actor=request.user, action=AuditAction.VIEW, target=assignment)
        return render(request, "resources/assignment_edit.html", context)
    if not form.is_valid():
        return invalid(request, "resources/assignment_edit.html", context)
    try:
        services.assignment_update(assignment=assignment, by=request.user, **form.cleaned_data)
    except ValidationError as error:
        apply_errors(form, error)
        return invalid(request, "resources/assignment_edit.html", context)
    messages.success(request, _("Saved."))
    return redirect("resources:assignment", assignment_id=assignment.pk)


@require_POST
@role_required(THERAPIST)
def assignment_release(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = access.get_assignment_for_user(request.user, assignment_id)
    try:
        assignment = services.stage_release(assignment=assignment, by=request.user)
    except ValidationError as error:
        refuse(request, error)
    else:
        messages.success(request, _("Stage %(n)s released.") % {"n": assignment.released_stage})
    return redirect("resources:assignment", assignment_id=assignment.pk)


@require_POST
@role_required(THERAPIST)
def assignment_feedback(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = access.get_assignment_for_user(request.user, assignment_id)
    form = FeedbackForm(request.POST, members=selectors.members_for(assignment))
    if form.is_valid():
        try:
            services.feedback_add(assignment=assignment, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
    if form.errors:
        context = {**selectors.assignment_page(assignment=assignment), "feedback_form": form}
        return invalid(request, "resources/assignment_detail.html", context)
    messages.success(request, _("Feedback saved. The client sees it in the portal."))
    return redirect("resources:assignment", assignment_id=assignment.pk)


@require_GET
@role_required(THERAPIST)
def member_log(request: HttpRequest, assignment_id: int, member_id: int) -> HttpResponse:
    """One member's private log on an assignment. Every row shown is an audited read."""
    assignment, member = access.get_assignment_member_for_user(request.user, assignment_id, member_id)
    rows = selectors.member_log(assignment=assignment, member=member)
    for row in rows:
        if row["progress"] is not None:
            audit_record(
                actor=request.user, action=AuditAction.VIEW, target=row["progress"], client_id=assignment.client_id
            )
    audit_record(actor=request.user, action=AuditAction.VIEW, target=member, client_id=assignment.client_id)
    context = {"assignment": assignment, "member": member, "client": assignment.client, "rows": rows}
    return render(request, "resources/member_log.html", context)
