"""The resource library: therapists and admins browse, filter, create and edit resources and the
stages of programmes. Library content is the practice's teaching material, not clinical text."""

import mimetypes
import os

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from practice.access import role_required
from practice.models import User
from resources import access, selectors, services
from resources.forms import LibraryFilterForm, ResourceForm, StepFormSet
from resources.models import Resource
from resources.views._common import apply_errors, invalid

THERAPIST, STAFF = User.Role.THERAPIST, User.Role.STAFF


@require_GET
@role_required(THERAPIST, STAFF)
def library(request: HttpRequest) -> HttpResponse:
    access.require_library(request.user)
    form = LibraryFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    concern = filters.get("concern")
    resources = selectors.resource_list(
        q=filters.get("q", ""),
        kind=filters.get("kind", ""),
        suits=filters.get("suits", ""),
        concern=concern.slug if concern else "",
        include_inactive=filters.get("inactive", False),
    )
    return render(request, "resources/library.html", {"form": form, "resources": resources})


@require_GET
@role_required(THERAPIST, STAFF)
def resource_detail(request: HttpRequest, resource_id: int) -> HttpResponse:
    resource = access.get_resource_for_user(request.user, resource_id)
    context = {"resource": resource, "steps": selectors.stages_of(resource), "concerns": resource.concerns.all()}
    return render(request, "resources/resource_detail.html", context)


@require_http_methods(["GET", "POST"])
@role_required(THERAPIST, STAFF)
def resource_create(request: HttpRequest) -> HttpResponse:
    access.require_library(request.user)
    return _resource_form(request, None)


@require_http_methods(["GET", "POST"])
@role_required(THERAPIST, STAFF)
def resource_edit(request: HttpRequest, resource_id: int) -> HttpResponse:
    resource = access.get_resource_for_user(request.user, resource_id)
    return _resource_form(request, resource)


def _resource_form(request: HttpRequest, resource: Resource | None) -> HttpResponse:
    form = ResourceForm(request.POST or None, request.FILES or None, instance=resource)
    steps = StepFormSet(request.POST or None, instance=resource or Resource(), prefix="steps")
    context = {"form": form, "steps": steps, "resource": resource}
    if request.method == "GET":
        return render(request, "resources/resource_form.html", context)
    if not (form.is_valid() and steps.is_valid()):
        return invalid(request, "resources/resource_form.html", context)
    data = form.cleaned_data
    try:
        saved = services.resource_save(
            by=request.user,
            resource=resource,
            concerns=data["concerns"],
            steps=steps.rows(),
            file=form.changed_file(),
            **{name: data[name] for name in services.RESOURCE_FIELDS},
        )
    except ValidationError as error:
        apply_errors(form, error)
        return invalid(request, "resources/resource_form.html", context)
    messages.success(request, _("Resource saved."))
    return redirect("resources:resource", resource_id=saved.pk)


@require_GET
@role_required(THERAPIST, STAFF)
def resource_file(request: HttpRequest, resource_id: int) -> HttpResponse:
    return file_response(access.get_resource_for_user(request.user, resource_id))


def file_response(resource: Resource) -> FileResponse:
    """Serve an uploaded file only through an access-checked view (never from a public URL). The
    sandbox policy keeps anything in it from running as a page of this site."""
    if not resource.file:
        raise Http404
    try:
        handle = resource.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    name = os.path.basename(resource.file.name)
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(handle, filename=name, content_type=content_type)
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
