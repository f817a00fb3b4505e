"""The practice's note templates in the app: every therapist sees them all and edits their own
(the starter SOAP, DAP, BIRP and free note are changed in the admin)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from clients import access, selectors, services
from clients.forms import NoteTemplateForm
from practice.access import role_required
from practice.forms_support import invalid as _invalid
from practice.models import User

THERAPIST = User.Role.THERAPIST


@require_GET
@role_required(THERAPIST)
def note_template_list(request: HttpRequest) -> HttpResponse:
    templates = selectors.note_template_list(active_only=False)
    context = {"templates": templates, "therapist": request.user.therapist}
    return render(request, "clients/note_template_list.html", context)


@require_http_methods(["GET", "POST"])
@role_required(THERAPIST)
def note_template_create(request: HttpRequest) -> HttpResponse:
    form = NoteTemplateForm(request.POST or None)
    context = {"form": form}
    if request.method == "GET":
        return render(request, "clients/note_template_form.html", context)
    if not form.is_valid():
        return _invalid(request, "clients/note_template_form.html", context)
    services.note_template_create(by=request.user.therapist, **form.cleaned_data)
    messages.success(request, _("Template added. It is offered when you write a note."))
    return redirect("clients:note_templates")


@require_http_methods(["GET", "POST"])
@role_required(THERAPIST)
def note_template_edit(request: HttpRequest, template_id: int) -> HttpResponse:
    template = access.get_note_template_for_user(request.user, template_id)
    form = NoteTemplateForm(request.POST or None, instance=template)
    context = {"form": form, "template": template}
    if request.method == "GET":
        return render(request, "clients/note_template_form.html", context)
    if not form.is_valid():
        return _invalid(request, "clients/note_template_form.html", context)
    services.note_template_update(template=template, by=request.user, **form.cleaned_data)
    messages.success(request, _("Template saved."))
    return redirect("clients:note_templates")
