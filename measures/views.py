"""The therapist's side: a unit's measures (charts, latest answers, assignments), assign, end,
administer in session, one response in full. Therapists who treat the unit only (staff: 404)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients.access import get_client_for_user, get_member_for_user
from measures import access, definitions, selectors, services
from measures.forms import AnswersForm, AssignForm
from practice.access import role_required
from practice.forms_support import apply_errors
from practice.models import User

THERAPIST = User.Role.THERAPIST


@require_GET
@role_required(THERAPIST)
def client_measures(request: HttpRequest, client_id: int) -> HttpResponse:
    client = get_client_for_user(request.user, client_id)
    return _page(request, client, AssignForm(client=client))


def _page(request, client, form, status=200) -> HttpResponse:
    context = selectors.client_measures_page(client=client)
    selectors.audit_reads(user=request.user, rows=context["responses"], client_id=client.pk)
    context.update({"client": client, "form": form})
    return render(request, "measures/client_measures.html", context, status=status)


@require_POST
@role_required(THERAPIST)
def assign(request: HttpRequest, client_id: int) -> HttpResponse:
    client = get_client_for_user(request.user, client_id)
    form = AssignForm(request.POST, client=client)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.assignment_create(
                client=client,
                by=request.user,
                instrument=data["instrument"],
                schedule=data["schedule"],
                every=data.get("every") or 1,
                member=data["member"],
            )
        except ValidationError as error:
            apply_errors(form, error)
    if form.errors:
        return _page(request, client, form, status=400)
    messages.success(request, _("Assigned. Requests go out as they fall due."))
    return redirect("measures:client", client_id=client.pk)


@require_POST
@role_required(THERAPIST)
def assignment_end(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = access.get_assignment_for_user(request.user, assignment_id)
    services.assignment_end(assignment=assignment, by=request.user)
    messages.success(request, _("No more requests will be sent for this assignment; its answers stay."))
    return redirect("measures:client", client_id=assignment.client_id)


@require_http_methods(["GET", "POST"])
@role_required(THERAPIST)
def administer(request: HttpRequest, client_id: int, member_id: int) -> HttpResponse:
    """The therapist enters a member's answers given in session."""
    member = get_member_for_user(request.user, client_id, member_id)
    slug = request.POST.get("instrument") or request.GET.get("instrument") or ""
    try:
        definition = definitions.get_definition(slug)
    except KeyError:
        context = {"member": member, "client": member.client, "available": definitions.available()}
        return render(request, "measures/administer_choose.html", context)
    form = AnswersForm(request.POST or None, definition=definition)
    if request.method == "POST" and form.is_valid():
        try:
            answers = services.clean_answers(definition, form.answers())
            response, result = services.response_administer(
                member=member, instrument=slug, by=request.user, answers=answers
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved and scored: %(total)s.") % {"total": result.total})
            return redirect("measures:response", response_id=response.pk)
    context = {"member": member, "client": member.client, "definition": definition, "form": form}
    return render(request, "measures/administer.html", context, status=400 if form.errors else 200)


@require_GET
@role_required(THERAPIST)
def response_detail(request: HttpRequest, response_id: int) -> HttpResponse:
    response = access.get_response_for_user(request.user, response_id)
    try:
        definition = definitions.get_definition(response.instrument)
    except KeyError:
        raise Http404 from None
    selectors.audit_reads(user=request.user, rows=[response], client_id=response.client_id)
    context = {
        "response": response,
        "client": response.client,
        "definition": definition,
        "score": response.score_values,
        "answers": selectors.answered(definition, response),
    }
    return render(request, "measures/response_detail.html", context)
