"""Billing pages for therapists (their clients) and staff (every client): the day's charges, unpaid
balances with ageing, a client's ledger and its forms; and the billing party's ledger in the portal.

Objects come through `billing.access`; writes are services; a refusal goes next to its field with
the form returned as sent (400) and nothing saved.
"""

from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from billing import exports, pdf, selectors, services, superbill_selectors
from billing.access import (
    get_appointment_for_billing,
    get_charge_for_user,
    get_client_for_billing,
    get_invoice_for_user,
    get_portal_billing_member,
    get_portal_invoice,
    staff_see_diagnosis,
)
from billing.forms import (
    BillingPartyForm,
    InvoiceIssueForm,
    PaymentForm,
    RefundForm,
    ServiceForm,
    StatementForm,
    VoidForm,
    WriteOffForm,
)
from billing.money import format_money
from practice.access import role_required
from practice.audit import audit_record
from practice.downloads import as_attachment
from practice.forms_support import apply_errors, invalid, refuse
from practice.models import AuditAction, User

THERAPIST, STAFF, CLIENT = User.Role.THERAPIST, User.Role.STAFF, User.Role.CLIENT
LEDGER = "billing/ledger.html"


@require_GET
@role_required(THERAPIST, STAFF)
def overview(request: HttpRequest) -> HttpResponse:
    rows, totals = selectors.ageing(user=request.user)
    today = selectors.today()
    context = {"rows": rows, "totals": totals, "today_charges": selectors.charges_on(user=request.user, day=today)}
    return render(request, "billing/overview.html", {**context, "today": today})


@require_GET
@role_required(THERAPIST, STAFF)
def ageing_export(request: HttpRequest) -> HttpResponse:
    rows, totals = selectors.ageing(user=request.user)
    audit_record(actor=request.user, action=AuditAction.EXPORT, target=None)
    response = HttpResponse(exports.ageing_csv(rows, totals), content_type="text/csv; charset=utf-8")
    return as_attachment(response, f"ageing-{selectors.today():%Y-%m-%d}.csv")


def _ledger(request: HttpRequest, client, status: int = 200, **bound) -> HttpResponse:
    """The ledger page; `bound` holds the one form sent back with its errors (`charge_id` names the
    charge a write-off or void form was for)."""
    members = list(client.members.order_by("position"))
    context = {"client": client, "members": members, **selectors.ledger(client), **_diagnosis_context(request, members)}
    for charge in context["charges"]:
        mine = bound.get("charge_id") == charge.pk
        auto_id = f"id_charge{charge.pk}_%s"
        charge.write_off_form = (mine and bound.get("write_off_form")) or WriteOffForm(auto_id=auto_id)
        charge.void_form = (mine and bound.get("void_form")) or VoidForm(auto_id=auto_id)
        charge.form_open = mine
    context |= {
        "payment_form": bound.get("payment_form") or PaymentForm(client=client),
        "refund_form": bound.get("refund_form") or RefundForm(auto_id="id_refund_%s"),
        "party_form": bound.get("party_form") or BillingPartyForm(client=client, initial=_party_initial(client)),
        "invoice_form": bound.get("invoice_form") or InvoiceIssueForm(client=client),
        "invoice_void_form": bound.get("invoice_void_form") or VoidForm(auto_id="id_invoice_void_%s"),
        "statement_form": StatementForm(initial=_statement_initial()),
        "invoices": selectors.invoices_of(client),
    }
    if status != 200:
        return invalid(request, LEDGER, context)
    return render(request, LEDGER, context)


def _statement_initial() -> dict:
    today = selectors.today()
    return {"start": today.replace(day=1), "end": today}


def _diagnosis_context(request: HttpRequest, members) -> dict:
    """Staff see whether a diagnosis is on file (yes/no), never the code; the codes are on the
    diagnoses page, for the unit's therapists (and staff with BILLING_STAFF_SEE_DIAGNOSIS)."""
    on_file = superbill_selectors.diagnosis_on_file(members)
    can_see = request.user.is_therapist or staff_see_diagnosis(request.user)
    return {"can_see_diagnosis": can_see, "diagnosis_on_file": [(m, on_file[m.pk]) for m in members]}


def _party_initial(client) -> dict:
    party = selectors.billing_party(client)
    if party is None:
        return {}
    fields = ("kind", "member", "share_percent", "third_party_name", "third_party_address")
    return {name: getattr(party, name) for name in fields}


@require_GET
@role_required(THERAPIST, STAFF)
def ledger(request: HttpRequest, client_id: int) -> HttpResponse:
    client = get_client_for_billing(request.user, client_id)
    audit_record(actor=request.user, action=AuditAction.VIEW, target=client)
    return _ledger(request, client)


def _submit(request, client, form, key: str, write, done: str, **extra) -> HttpResponse:
    """Validate `form`, call `write(**cleaned_data)`; on a refusal, the ledger with the form as sent."""
    if form.is_valid():
        try:
            write(**form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, done)
            return redirect("billing:ledger", client_id=client.pk)
    return _ledger(request, client, status=400, **{key: form}, **extra)


@require_POST
@role_required(THERAPIST, STAFF)
def payment_record(request: HttpRequest, client_id: int) -> HttpResponse:
    client = get_client_for_billing(request.user, client_id)
    form = PaymentForm(request.POST, client=client)
    write = partial(services.payment_record, client=client, by=request.user)
    return _submit(request, client, form, "payment_form", write, _("Payment recorded."))


@require_POST
@role_required(THERAPIST, STAFF)
def refund_record(request: HttpRequest, client_id: int) -> HttpResponse:
    client = get_client_for_billing(request.user, client_id)
    form = RefundForm(request.POST, auto_id="id_refund_%s")
    write = partial(services.refund_record, client=client, by=request.user)
    return _submit(request, client, form, "refund_form", write, _("Refund recorded."))


@require_POST
@role_required(THERAPIST, STAFF)
def party_set(request: HttpRequest, client_id: int) -> HttpResponse:
    client = get_client_for_billing(request.user, client_id)
    form = BillingPartyForm(request.POST, client=client)
    write = partial(services.billing_party_set, client=client, by=request.user)
    return _submit(request, client, form, "party_form", write, _("Who pays is saved."))


@require_POST
@role_required(THERAPIST, STAFF)
def write_off_record(request: HttpRequest, charge_id: int) -> HttpResponse:
    charge = get_charge_for_user(request.user, charge_id)
    form = WriteOffForm(request.POST, auto_id=f"id_charge{charge.pk}_%s")
    write = partial(services.write_off_record, charge=charge, by=request.user)
    return _submit(request, charge.client, form, "write_off_form", write, _("Written off."), charge_id=charge.pk)


@require_POST
@role_required(THERAPIST, STAFF)
def charge_void(request: HttpRequest, charge_id: int) -> HttpResponse:
    charge = get_charge_for_user(request.user, charge_id)
    form = VoidForm(request.POST, auto_id=f"id_charge{charge.pk}_%s")
    write = partial(services.charge_void, charge=charge, by=request.user)
    return _submit(request, charge.client, form, "void_form", write, _("Charge voided."), charge_id=charge.pk)


@require_POST
@role_required(THERAPIST, STAFF)
def appointment_service(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = get_appointment_for_billing(request.user, appointment_id)
    form = ServiceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a service from the list."))
        return redirect("sessions_app:appointment", appointment_id=appointment.pk)
    try:
        services.appointment_service_set(appointment=appointment, service=form.cleaned_data["service"], by=request.user)
    except ValidationError as error:
        refuse(request, error)
    else:
        messages.success(request, _("Charged as %(code)s.") % {"code": form.cleaned_data["service"].code})
    return redirect("sessions_app:appointment", appointment_id=appointment.pk)


# --- portal ---------------------------------------------------------------------------------------


@require_GET
@role_required(CLIENT)
def portal_ledger(request: HttpRequest) -> HttpResponse:
    member = get_portal_billing_member(request.user)
    context = selectors.ledger(member.client)
    audit_record(actor=request.user, action=AuditAction.VIEW, target=member.client)
    owed = format_money(context["account"].owed)
    extra = {"member": member, "owed": owed, "invoices": selectors.invoices_of(member.client)}
    extra["statement_form"] = StatementForm(initial=_statement_initial())
    return render(request, "billing/portal_ledger.html", {**context, **extra})


# --- invoices and statements ----------------------------------------------------------------------


def _pdf(data: bytes, filename: str) -> HttpResponse:
    return as_attachment(HttpResponse(data, content_type="application/pdf"), filename)


@require_POST
@role_required(THERAPIST, STAFF)
def invoice_issue(request: HttpRequest, client_id: int) -> HttpResponse:
    client = get_client_for_billing(request.user, client_id)
    form = InvoiceIssueForm(request.POST, client=client)
    write = partial(services.invoice_issue, client=client, by=request.user)
    return _submit(request, client, form, "invoice_form", write, _("Invoice issued."))


@require_POST
@role_required(THERAPIST, STAFF)
def invoice_void(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = get_invoice_for_user(request.user, invoice_id)
    form = VoidForm(request.POST, auto_id=f"id_invoice{invoice.pk}_%s")
    write = partial(services.invoice_void, invoice=invoice, by=request.user)
    return _submit(request, invoice.client, form, "invoice_void_form", write, _("Invoice voided."))


@require_GET
@role_required(THERAPIST, STAFF)
def invoice_download(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = get_invoice_for_user(request.user, invoice_id)
    audit_record(actor=request.user, action=AuditAction.EXPORT, target=invoice)
    return _pdf(pdf.invoice_pdf(invoice), f"{invoice.label}.pdf")


def _statement(request: HttpRequest, client) -> HttpResponse | None:
    """The statement PDF for the period asked, or None (with a message) when the dates are wrong."""
    form = StatementForm(request.GET)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return None
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    statement = selectors.statement(client, start=start, end=end)
    audit_record(actor=request.user, action=AuditAction.EXPORT, target=client)
    data = pdf.statement_pdf(statement, billed=selectors.billed_to(client))
    return _pdf(data, f"statement-{client.reference}-{start:%Y-%m-%d}-{end:%Y-%m-%d}.pdf")


@require_GET
@role_required(THERAPIST, STAFF)
def statement_download(request: HttpRequest, client_id: int) -> HttpResponse:
    client = get_client_for_billing(request.user, client_id)
    return _statement(request, client) or redirect("billing:ledger", client_id=client.pk)


@require_GET
@role_required(CLIENT)
def portal_invoice_download(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = get_portal_invoice(request.user, invoice_id)
    audit_record(actor=request.user, action=AuditAction.EXPORT, target=invoice)
    return _pdf(pdf.invoice_pdf(invoice), f"{invoice.label}.pdf")


@require_GET
@role_required(CLIENT)
def portal_statement_download(request: HttpRequest) -> HttpResponse:
    member = get_portal_billing_member(request.user)
    return _statement(request, member.client) or redirect("portal:billing")
