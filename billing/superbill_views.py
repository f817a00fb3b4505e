"""Pages for diagnoses, superbills and good-faith estimates: the therapist's under a client's ledger,
the member's in the portal. Objects come through `billing.access`; writes are services."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billing import access
from billing import superbill_selectors as selectors
from billing import superbill_services as services
from billing.icd10 import title
from billing.superbill_forms import DiagnosisForm, EstimateForm, PeriodForm
from clients.access import get_portal_member
from practice.access import role_required
from practice.audit import audit_record
from practice.downloads import as_attachment
from practice.forms_support import apply_errors, invalid, refuse
from practice.models import AuditAction, User

THERAPIST, STAFF, CLIENT = User.Role.THERAPIST, User.Role.STAFF, User.Role.CLIENT


def _pdf(request: HttpRequest, target, body: bytes, filename: str) -> HttpResponse:
    """A download, never a page: attachment, no sniffing, sandboxed, not cached; audited as an export."""
    audit_record(actor=request.user, action=AuditAction.EXPORT, target=target)
    return as_attachment(HttpResponse(body, content_type="application/pdf"), filename)


def _save(request, form, write, done: str) -> bool:
    if form.is_valid():
        try:
            write(form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, done)
            return True
    return False


# --- the therapist's pages --------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@role_required(THERAPIST, STAFF)
def diagnoses(request: HttpRequest, client_id: int) -> HttpResponse:
    """The unit's diagnosis lists; a therapist of the unit adds codes (staff with the setting may look)."""
    client = access.get_client_for_diagnosis(request.user, client_id)
    form = DiagnosisForm(request.POST or None, client=client)
    if request.method == "POST":
        if not request.user.is_therapist:
            raise Http404
        add = lambda data: services.diagnosis_add(member=data["member"], code=data["code"], by=request.user)  # noqa: E731
        if _save(request, form, add, _("Code added.")):
            return redirect("billing:diagnoses", client_id=client.pk)
    audit_record(actor=request.user, action=AuditAction.VIEW, target=client)
    members = [
        (m, [(d, title(d.code)) for d in selectors.open_diagnoses(m)]) for m in client.members.order_by("position")
    ]
    context = {"client": client, "members": members, "form": form if request.user.is_therapist else None}
    return (invalid if form.errors else render)(request, "billing/diagnoses.html", context)


@require_POST
@role_required(THERAPIST)
def diagnosis_remove(request: HttpRequest, diagnosis_id: int) -> HttpResponse:
    diagnosis = access.get_diagnosis_for_therapist(request.user, diagnosis_id)
    try:
        services.diagnosis_remove(diagnosis=diagnosis, by=request.user)
    except ValidationError as error:
        refuse(request, error)
    else:
        messages.success(request, _("Code taken off the list."))
    return redirect("billing:diagnoses", client_id=diagnosis.member.client_id)


@require_http_methods(["GET", "POST"])
@role_required(THERAPIST, STAFF)
def superbills(request: HttpRequest, client_id: int) -> HttpResponse:
    client = access.get_client_for_diagnosis(request.user, client_id)
    form = PeriodForm(request.POST or None, client=client)
    issue = lambda data: services.superbill_issue(by=request.user, **data)  # noqa: E731
    if request.method == "POST" and _save(request, form, issue, _("Superbill issued.")):
        return redirect("billing:superbills", client_id=client.pk)
    context = {"client": client, "form": form, "superbills": selectors.superbills_for(client=client)}
    return (invalid if form.errors else render)(request, "billing/superbills.html", context)


@require_GET
@role_required(THERAPIST, STAFF)
def superbill_pdf(request: HttpRequest, superbill_id: int) -> HttpResponse:
    superbill = access.get_superbill_for_user(request.user, superbill_id)
    return _pdf(request, superbill, selectors.superbill_pdf(superbill), f"superbill-{superbill.pk}.pdf")


@require_http_methods(["GET", "POST"])
@role_required(THERAPIST, STAFF)
def estimates(request: HttpRequest, client_id: int) -> HttpResponse:
    client = access.get_client_for_billing(request.user, client_id)
    form = EstimateForm(request.POST or None, client=client)
    issue = lambda d: services.estimate_issue(  # noqa: E731
        member=d["member"],
        period_start=d["period_start"],
        period_end=d["period_end"],
        lines=d["lines"],
        by=request.user,
    )
    if request.method == "POST" and _save(request, form, issue, _("Good-faith estimate issued.")):
        return redirect("billing:estimates", client_id=client.pk)
    context = {"client": client, "form": form, "estimates": selectors.estimates_for(client=client)}
    return (invalid if form.errors else render)(request, "billing/estimates.html", context)


@require_GET
@role_required(THERAPIST, STAFF)
def estimate_pdf(request: HttpRequest, estimate_id: int) -> HttpResponse:
    estimate = access.get_estimate_for_user(request.user, estimate_id)
    return _pdf(request, estimate, selectors.estimate_pdf(estimate), f"estimate-{estimate.pk}.pdf")


# --- the portal -------------------------------------------------------------------------------------


@require_GET
@role_required(CLIENT)
def portal_documents(request: HttpRequest) -> HttpResponse:
    member = get_portal_member(request.user)
    context = {
        "superbills": selectors.superbills_for(member=member),
        "estimates": selectors.estimates_for(member=member),
    }
    return render(request, "billing/portal_documents.html", context)


@require_GET
@role_required(CLIENT)
def portal_superbill_pdf(request: HttpRequest, superbill_id: int) -> HttpResponse:
    superbill = access.get_portal_superbill(request.user, superbill_id)
    return _pdf(request, superbill, selectors.superbill_pdf(superbill), f"superbill-{superbill.pk}.pdf")


@require_GET
@role_required(CLIENT)
def portal_estimate_pdf(request: HttpRequest, estimate_id: int) -> HttpResponse:
    estimate = access.get_portal_estimate(request.user, estimate_id)
    return _pdf(request, estimate, selectors.estimate_pdf(estimate), f"estimate-{estimate.pk}.pdf")


@require_POST
@role_required(CLIENT)
def portal_estimate_acknowledge(request: HttpRequest, estimate_id: int) -> HttpResponse:
    estimate = access.get_portal_estimate(request.user, estimate_id)
    try:
        services.estimate_acknowledge(estimate=estimate, by=request.user)
    except ValidationError as error:
        refuse(request, error)
    else:
        messages.success(request, _("Thank you: your receipt of the estimate is recorded."))
    return redirect("portal:billing_documents")
