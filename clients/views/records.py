"""The therapist's client record, and the contact details staff may see.

Every object comes through `clients.access`; every read of clinical content is audited.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients import access, selectors, services
from clients.drafts import ADDENDUM, NOTE, NOTE_NEW
from clients.forms import AddendumForm, ClientFilterForm, ClientForm, ConsentForm, GoalForm, MemberForm, NoteForm
from clients.models import Client, Concern, Consent
from clients.panels import OVERVIEW, TAB_NAMES
from practice import drafts
from practice.access import role_required
from practice.audit import audit_record
from practice.forms_support import apply_errors as _apply_errors
from practice.forms_support import id_param, refuse
from practice.forms_support import invalid as _invalid
from practice.models import AuditAction, User

THERAPIST = User.Role.THERAPIST
STAFF = User.Role.STAFF
CLIENTS_PER_PAGE = 50


# --- Lists and the client page --------------------------------------------------------------------


@require_GET
@role_required(THERAPIST, STAFF)
def client_list(request: HttpRequest) -> HttpResponse:
    form = ClientFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    concern = filters.get("concern")
    is_staff = request.user.is_practice_staff
    page = selectors.client_list_page(
        number=request.GET.get("page"),
        per_page=CLIENTS_PER_PAGE,
        therapist=None if is_staff else request.user.therapist,
        staff=is_staff,
        q=filters.get("q", ""),
        status=filters.get("status", ""),
        concern=concern.slug if concern else "",
    )
    return render(request, "clients/client_list.html", {"form": form, "page": page, "staff_view": is_staff})


@require_http_methods(["GET", "POST"])
@role_required(THERAPIST)
def client_create(request: HttpRequest) -> HttpResponse:
    therapist = request.user.therapist
    form = ClientForm(request.POST or None)
    member_forms = [MemberForm(request.POST or None, prefix=f"m{i}") for i in (1, 2)]
    context = {"form": form, "member_forms": member_forms}
    if request.method == "GET":
        return render(request, "clients/client_form.html", context)

    needed = member_forms if form.data.get("kind") == Client.Kind.COUPLE else member_forms[:1]
    if not all([form.is_valid()] + [f.is_valid() for f in needed]):
        return _invalid(request, "clients/client_form.html", context)
    data = form.cleaned_data
    try:
        client = services.client_create(
            by=request.user,
            primary_therapist=therapist,
            members=[f.cleaned_data for f in needed],
            concerns=data["concerns"],
            co_therapists=data["co_therapists"],
            kind=data["kind"],
            status=data["status"],
            confidentiality_policy=data["confidentiality_policy"],
            self_booking=data["self_booking"],
        )
    except ValidationError as error:
        _apply_errors(form, error)
        return _invalid(request, "clients/client_form.html", context)
    messages.success(request, _("Client %(ref)s created.") % {"ref": client.reference})
    return redirect("clients:detail", client_id=client.pk)


@require_GET
@role_required(THERAPIST)
def client_detail(request: HttpRequest, client_id: int) -> HttpResponse:
    client = access.get_client_for_user(request.user, client_id)
    tab = request.GET.get("tab", OVERVIEW)
    tab = tab if tab in TAB_NAMES else OVERVIEW  # an unknown tab opens the overview
    context = selectors.client_page(client=client, therapist=request.user.therapist, tab=tab)
    audit_record(actor=request.user, action=AuditAction.VIEW, target=client)
    return render(request, "clients/client_detail.html", context)


@require_GET
@role_required(THERAPIST, STAFF)
def client_contact(request: HttpRequest, client_id: int) -> HttpResponse:
    """Contact and scheduling details: what staff may see, and nothing clinical."""
    client = access.get_client_for_user(request.user, client_id, clinical=False)
    members = list(client.members.order_by("position"))
    audit_record(actor=request.user, action=AuditAction.VIEW, target=client)
    context = {"client": client, "members": members, "urgent": selectors.has_open_alert(client)}
    return render(request, "clients/client_contact.html", context)


@require_http_methods(["GET", "POST"])
@role_required(THERAPIST)
def client_edit(request: HttpRequest, client_id: int) -> HttpResponse:
    client = access.get_client_for_user(request.user, client_id)
    form = ClientForm(request.POST or None, instance=client, editing=True)
    context = {"form": form, "client": client}
    if request.method == "GET":
        return render(request, "clients/client_edit.html", context)
    if not form.is_valid():
        return _invalid(request, "clients/client_edit.html", context)
    data = form.cleaned_data
    try:
        services.client_update(
            client=client,
            by=request.user,
            concerns=data["concerns"],
            co_therapists=data["co_therapists"],
            status=data["status"],
            confidentiality_policy=data["confidentiality_policy"],
            self_booking=data["self_booking"],
        )
    except ValidationError as error:
        _apply_errors(form, error)
        return _invalid(request, "clients/client_edit.html", context)
    messages.success(request, _("Saved."))
    return redirect("clients:detail", client_id=client.pk)


# --- Members --------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@role_required(THERAPIST)
def member_edit(request: HttpRequest, client_id: int, member_id: int) -> HttpResponse:
    member = access.get_member_for_user(request.user, client_id, member_id)
    form = MemberForm(request.POST or None, instance=member)
    context = {"form": form, "member": member, "client": member.client}
    if request.method == "GET":
        return render(request, "clients/member_form.html", context)
    if not form.is_valid():
        return _invalid(request, "clients/member_form.html", context)
    services.member_update(member=member, by=request.user, **form.cleaned_data)
    messages.success(request, _("Saved."))
    return redirect("clients:detail", client_id=client_id)


@require_POST
@role_required(THERAPIST)
def member_invite(request: HttpRequest, client_id: int, member_id: int) -> HttpResponse:
    member = access.get_member_for_user(request.user, client_id, member_id)
    try:
        services.member_invite(member=member, by=request.user, base_url=request.build_absolute_uri("/"))
    except ValidationError as error:
        refuse(request, error)
    else:
        messages.success(request, _("Invitation sent to %(name)s.") % {"name": member.display_name})
    return redirect("clients:detail", client_id=client_id)


# --- Intake ---------------------------------------------------------------------------------------


@require_GET
@role_required(THERAPIST)
def intake_detail(request: HttpRequest, client_id: int, member_id: int) -> HttpResponse:
    intake = access.get_intake_for_user(request.user, client_id, member_id)
    audit_record(actor=request.user, action=AuditAction.VIEW, target=intake, client_id=client_id)
    context = {
        "intake": intake,
        "member": intake.member,
        "client": intake.member.client,
        "concerns": Concern.objects.filter(slug__in=intake.concern_slugs),
    }
    return render(request, "clients/intake_detail.html", context)


@require_POST
@role_required(THERAPIST)
def intake_reviewed(request: HttpRequest, client_id: int, member_id: int) -> HttpResponse:
    intake = access.get_intake_for_user(request.user, client_id, member_id)
    try:
        services.intake_mark_reviewed(intake=intake, by=request.user)
    except ValidationError as error:
        refuse(request, error)
    return redirect("clients:detail", client_id=client_id)


# --- Goals ----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@role_required(THERAPIST)
def goal_create(request: HttpRequest, client_id: int) -> HttpResponse:
    client = access.get_client_for_user(request.user, client_id)
    form = GoalForm(request.POST or None)
    context = {"form": form, "client": client}
    if request.method == "GET":
        return render(request, "clients/goal_form.html", context)
    if not form.is_valid():
        return _invalid(request, "clients/goal_form.html", context)
    services.goal_create(client=client, by=request.user, **form.cleaned_data)
    messages.success(request, _("Goal added."))
    return redirect("clients:detail", client_id=client.pk)


@require_http_methods(["GET", "POST"])
@role_required(THERAPIST)
def goal_edit(request: HttpRequest, goal_id: int) -> HttpResponse:
    goal = access.get_goal_for_user(request.user, goal_id)
    form = GoalForm(request.POST or None, instance=goal)
    context = {"form": form, "client": goal.client, "goal": goal}
    if request.method == "GET":
        audit_record(actor=request.user, action=AuditAction.VIEW, target=goal)
        return render(request, "clients/goal_form.html", context)
    if not form.is_valid():
        return _invalid(request, "clients/goal_form.html", context)
    services.goal_update(goal=goal, by=request.user, **form.cleaned_data)
    messages.success(request, _("Goal saved."))
    return redirect("clients:detail", client_id=goal.client_id)


# --- Notes ----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@role_required(THERAPIST)
def note_create(request: HttpRequest, client_id: int) -> HttpResponse:
    client = access.get_client_for_user(request.user, client_id)
    key = drafts.draft_key(NOTE_NEW, client.pk)
    draft, kept = drafts.draft_page(user=request.user, key=key) if request.method == "GET" else (None, {})
    initial = {**_note_initial(request, client), **_template_initial(request), **kept}
    form = NoteForm(request.POST or None, client=client, initial=initial)
    context = {"form": form, "client": client, "draft": draft, "draft_key": key}
    context["note_templates"] = selectors.note_template_list()
    context["chosen_template"] = getattr(initial.get("template"), "pk", initial.get("template"))
    if request.method == "GET":
        return render(request, "clients/note_form.html", context)
    if not form.is_valid():
        return _invalid(request, "clients/note_form.html", context)
    try:
        note = services.note_create(client=client, author=request.user.therapist, **form.cleaned_data)
    except ValidationError as error:
        _apply_errors(form, error)
        return _invalid(request, "clients/note_form.html", context)
    drafts.draft_discard(user=request.user, key=key)
    messages.success(request, _("Note saved as a draft. Sign it when it is final."))
    return redirect("clients:note", note_id=note.pk)


def _note_initial(request: HttpRequest, client: Client) -> dict:
    """`?appointment=<id>` (from the calendar or dashboard) ties the new note to that session."""
    appointment_id = id_param(request, "appointment")
    appointment = client.appointments.filter(pk=appointment_id).first() if appointment_id else None
    if appointment is None:
        return {}
    return {"appointment": appointment, "session_date": localtime(appointment.start).date()}


def _template_initial(request: HttpRequest) -> dict:
    """`?template=<id>` (the chooser above a new note, without a script) starts the text from it."""
    template_id = id_param(request, "template")
    template = selectors.note_template_active(template_id) if template_id else None
    if template is None:
        return {}
    return {"template": template, "body": template.body}


@require_GET
@role_required(THERAPIST)
def note_detail(request: HttpRequest, note_id: int) -> HttpResponse:
    note = access.get_note_for_user(request.user, note_id)
    audit_record(actor=request.user, action=AuditAction.VIEW, target=note)
    addenda = note.addenda.select_related("author")
    key = drafts.draft_key(ADDENDUM, note.pk)
    draft, kept = drafts.draft_page(user=request.user, key=key) if note.is_signed else (None, {})
    context = {"note": note, "client": note.client, "addenda": addenda, "addendum_form": AddendumForm(initial=kept)}
    context.update(draft=draft, draft_key=key)
    return render(request, "clients/note_detail.html", context)


@require_http_methods(["GET", "POST"])
@role_required(THERAPIST)
def note_edit(request: HttpRequest, note_id: int) -> HttpResponse:
    note = access.get_note_for_user(request.user, note_id)
    if note.is_signed:
        messages.error(request, services.NOTE_LOCKED)
        return redirect("clients:note", note_id=note.pk)
    key = drafts.draft_key(NOTE, note.pk)
    draft, kept = drafts.draft_page(user=request.user, key=key) if request.method == "GET" else (None, {})
    form = NoteForm(request.POST or None, instance=note, client=note.client, initial=kept)
    context = {"form": form, "client": note.client, "note": note, "draft": draft, "draft_key": key}
    if request.method == "GET":
        audit_record(actor=request.user, action=AuditAction.VIEW, target=note)
        return render(request, "clients/note_form.html", context)
    if not form.is_valid():
        return _invalid(request, "clients/note_form.html", context)
    try:
        services.note_update(note=note, by=request.user, **form.cleaned_data)
    except ValidationError as error:
        _apply_errors(form, error)
        return _invalid(request, "clients/note_form.html", context)
    drafts.draft_discard(user=request.user, key=key)
    messages.success(request, _("Note saved."))
    return redirect("clients:note", note_id=note.pk)


@require_POST
@role_required(THERAPIST)
def note_sign(request: HttpRequest, note_id: int) -> HttpResponse:
    note = access.get_note_for_user(request.user, note_id)
    try:
        services.note_sign(note=note, by=request.user)
    except ValidationError as error:
        refuse(request, error)
    else:
        messages.success(request, _("Note signed and locked."))
    return redirect("clients:note", note_id=note.pk)


@require_POST
@role_required(THERAPIST)
def addendum_add(request: HttpRequest, note_id: int) -> HttpResponse:
    note = access.get_note_for_user(request.user, note_id)
    form = AddendumForm(request.POST)
    if form.is_valid():
        try:
            services.addendum_add(note=note, by=request.user, body=form.cleaned_data["body"])
        except ValidationError as error:
            _apply_errors(form, error)
    key = drafts.draft_key(ADDENDUM, note.pk)
    if form.errors:
        context = {"note": note, "client": note.client, "addenda": note.addenda.all(), "addendum_form": form}
        context["draft_key"] = key
        return _invalid(request, "clients/note_detail.html", context)
    drafts.draft_discard(user=request.user, key=key)
    messages.success(request, _("Addendum added."))
    return redirect("clients:note", note_id=note.pk)


# --- Consents -------------------------------------------------------------------------------------


MOVED_TO_DOCUMENTS = gettext_lazy(
    "Consent to treatment, to video sessions and to releasing information is a signed document now: "
    "ask for a signature or record a signed paper copy under the client's signed documents."
)


def _consent_form(data, client: Client) -> ConsentForm:
    """Only the kinds still recorded here (reminders, the couple's export): treatment, telehealth and
    releases are signed documents, so the referrer (which only a release names) is not asked for."""
    form = ConsentForm(data, client=client)
    kind = form.fields["kind"]
    kind.choices = [(k.value, k.label) for k in Consent.THERAPIST_KINDS]
    kind.error_messages["invalid_choice"] = MOVED_TO_DOCUMENTS
    del form.fields["referrer"]
    return form


@require_http_methods(["GET", "POST"])
@role_required(THERAPIST)
def consent_create(request: HttpRequest, client_id: int) -> HttpResponse:
    client = access.get_client_for_user(request.user, client_id)
    form = _consent_form(request.POST or None, client)
    context = {"form": form, "client": client}
    if request.method == "GET":
        return render(request, "clients/consent_form.html", context)
    if not form.is_valid():
        return _invalid(request, "clients/consent_form.html", context)
    try:
        services.consent_grant(by=request.user, **form.cleaned_data)
    except ValidationError as error:
        _apply_errors(form, error)
        return _invalid(request, "clients/consent_form.html", context)
    messages.success(request, _("Consent recorded."))
    return redirect("clients:detail", client_id=client.pk)


@require_http_methods(["GET", "POST"])
@role_required(THERAPIST)
def consent_revoke(request: HttpRequest, consent_id: int) -> HttpResponse:
    """GET: what withdrawing the consent does; POST: withdraw it."""
    consent = access.get_consent_for_user(request.user, consent_id)
    if consent.is_document_kind:  # its signature is withdrawn, and takes this record with it
        messages.info(request, _("Withdraw this consent from the signed documents: it is kept there now."))
        return redirect("clients:detail", client_id=consent.client_id)
    if request.method == "GET":
        context = {"consent": consent, "client": consent.client, "effects": selectors.consent_withdraw_effects(consent)}
        return render(request, "clients/consent_revoke.html", context)
    try:
        services.consent_revoke(consent=consent, by=request.user)
    except ValidationError as error:
        refuse(request, error)
    else:
        messages.success(request, _("Consent withdrawn. It takes effect at once."))
    return redirect("clients:detail", client_id=consent.client_id)
