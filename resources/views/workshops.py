"""Workshops for therapists: upcoming events with their numbers, and registering the members of
units the therapist treats (or cancelling their registrations), and creating and editing workshops
(any therapist: the workshops, like the library, are the practice's, shared by every therapist)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients.access import get_client_for_user
from practice.access import role_required
from practice.forms_support import refuse
from practice.models import User
from resources import access, selectors, services
from resources.forms import RegisterClientForm, WorkshopForm
from resources.models import Registration, Workshop
from resources.views._common import apply_errors, invalid

THERAPIST = User.Role.THERAPIST


@require_GET
@role_required(THERAPIST)
def workshop_list(request: HttpRequest) -> HttpResponse:
    return render(request, "resources/workshop_list.html", {"workshops": selectors.workshop_list()})


def _page(request: HttpRequest, workshop, form=None) -> dict:
    page = selectors.workshop_page(workshop=workshop, therapist=request.user.therapist)
    only = request.GET.get("client", "").strip()
    if only.isdigit():  # from a client's page: offer that unit's members only
        unit = get_client_for_user(request.user, int(only))
        page["units"] = [u for u in page["units"] if u.pk == unit.pk]
    page["form"] = form or RegisterClientForm(units=page["units"])
    return page


@require_GET
@role_required(THERAPIST)
def workshop_detail(request: HttpRequest, workshop_id: int) -> HttpResponse:
    workshop = access.get_workshop_for_user(request.user, workshop_id)
    return render(request, "resources/workshop_detail.html", _page(request, workshop))


@require_POST
@role_required(THERAPIST)
def workshop_register(request: HttpRequest, workshop_id: int) -> HttpResponse:
    workshop = access.get_workshop_for_user(request.user, workshop_id)
    page = selectors.workshop_page(workshop=workshop, therapist=request.user.therapist)
    form = RegisterClientForm(request.POST, units=page["units"])
    if not form.is_valid():
        messages.error(request, _("Choose who to register."))
        return render(request, "resources/workshop_detail.html", {**page, "form": form}, status=400)
    for member in form.cleaned_data["members"]:
        label = f"{member.client.reference} · {member.display_name}"
        try:
            registration = services.registration_create(workshop=workshop, member=member, by=request.user)
        except ValidationError as error:
            messages.error(request, f"{label}: {' '.join(error.messages)}")
            continue
        if registration.status == Registration.Status.REGISTERED:
            messages.success(request, _("%(who)s is registered.") % {"who": label})
        else:
            messages.warning(request, _("%(who)s is on the waiting list: the workshop is full.") % {"who": label})
    return redirect("resources:workshop", workshop_id=workshop.pk)


@require_http_methods(["GET", "POST"])
@role_required(THERAPIST)
def registration_cancel(request: HttpRequest, registration_id: int) -> HttpResponse:
    """GET: what cancelling the registration does; POST: cancel it."""
    registration = access.get_registration_for_user(request.user, registration_id)
    if request.method == "GET":
        names = {"name": registration.member.display_name, "workshop": registration.workshop.title}
        context = {
            "question": _("Cancel %(name)s's place at %(workshop)s?") % names,
            "effects": [_("If anyone is waiting, the first in line gets the place.")],
            "button": _("Cancel the registration"),
            "back_url": reverse("resources:workshop", args=[registration.workshop_id]),
        }
        return render(request, "confirm_action.html", context)
    try:
        services.registration_cancel(registration=registration, by=request.user)
    except ValidationError as error:
        refuse(request, error)
    else:
        messages.success(request, _("Registration cancelled. If anyone was waiting, the first in line has the place."))
    return redirect("resources:workshop", workshop_id=registration.workshop_id)


@require_http_methods(["GET", "POST"])
@role_required(THERAPIST)
def workshop_create(request: HttpRequest) -> HttpResponse:
    return _workshop_form(request, None)


@require_http_methods(["GET", "POST"])
@role_required(THERAPIST)
def workshop_edit(request: HttpRequest, workshop_id: int) -> HttpResponse:
    workshop = access.get_workshop_for_user(request.user, workshop_id)
    return _workshop_form(request, workshop)


def _workshop_form(request: HttpRequest, workshop: Workshop | None) -> HttpResponse:
    form = WorkshopForm(request.POST or None, instance=workshop)
    context = {"form": form, "workshop": workshop}
    if request.method == "GET":
        return render(request, "resources/workshop_form.html", context)
    if not form.is_valid():
        return invalid(request, "resources/workshop_form.html", context)
    data = form.cleaned_data
    try:
        saved = services.workshop_save(
            workshop=workshop,
            by=request.user,
            concerns=data["concerns"],
            **{name: data[name] for name in services.WORKSHOP_FIELDS},
        )
    except ValidationError as error:
        apply_errors(form, error)
        return invalid(request, "resources/workshop_form.html", context)
    messages.success(request, _("Workshop added.") if workshop is None else _("Workshop saved."))
    return redirect("resources:workshop", workshop_id=saved.pk)
