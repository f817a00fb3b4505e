"""Writes to the ledger: charges from sessions, voids, payments and their allocation, refunds,
write-offs, who pays and a session's service. Each is one atomic, audited service.

Concurrency: every write that changes what a client owes locks the client's row first (FOR UPDATE on
PostgreSQL; SQLite's IMMEDIATE transactions hold the write lock), so balances are read and written
by one writer at a time. A session's charge is written while `sessions_app` holds the session's row
(the mark or the cancellation), and the partial unique constraint `charge_one_open_per_appointment`
refuses a second open charge whatever happens. Lock order is always session, then client.
"""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import policy, selectors
from billing.models import (
    Allocation,
    AppointmentService,
    BillingParty,
    Charge,
    Invoice,
    InvoiceCounter,
    InvoiceLine,
    Payment,
    Refund,
    Service,
    WriteOff,
)
from billing.money import ZERO, format_money, money
from clients.models import Client, Member
from practice.audit import audit_record
from practice.models import AuditAction, User
from sessions_app.models import Appointment

STATUS_CHANGED = _("The session's status changed.")
SERVICE_CHANGED = _("The session's service changed.")
NOT_POSITIVE = _("Enter an amount of more than zero.")
IN_FUTURE = _("A date in the future cannot be recorded: enter the day it happened.")
REASON_NEEDED = _("Say why, in a few words: it stays on the ledger's trail.")


def _lock_client(client_id: int) -> Client:
    return Client.objects.select_for_update().get(pk=client_id)


def _positive(amount) -> Decimal:
    amount = money(amount)
    if amount <= ZERO:
        raise ValidationError({"amount": NOT_POSITIVE})
    return amount


def _not_future(field: str, on: date) -> None:
    if on > selectors.today():
        raise ValidationError({field: IN_FUTURE})


def _reason(reason: str, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({field: REASON_NEEDED})
    return reason


# --- charges from sessions ------------------------------------------------------------------------


def on_appointment_status_changed(sender, *, appointment: Appointment, previous: str, by: User | None, **kwargs):
    """`sessions_app.signals.appointment_status_changed`, connected in `BillingConfig.ready()`.

    A booked session has no charge (charges come from marks and late cancellations), so cancelling
    one in time costs no query at all, and a late cancellation only the policy gate's."""
    if previous == Appointment.Status.BOOKED and appointment.status == Appointment.Status.CANCELLED:
        return
    charge_sync(appointment=appointment, by=by, reason=STATUS_CHANGED, had_charge=previous != Appointment.Status.BOOKED)


def _wanted_service(appointment: Appointment, member: Member | None) -> Service | None:
    """What the session's status charges: attended its service; a late cancellation or a no-show
    the practice's fee only where the financial policy allows (`billing.policy`); otherwise nothing."""
    status = appointment.status
    if status == Appointment.Status.ATTENDED:
        return selectors.service_for_appointment(appointment)
    fee_codes = {
        Appointment.Status.LATE_CANCELLED: selectors.LATE_CANCEL_FEE,
        Appointment.Status.NO_SHOW: selectors.NO_SHOW_FEE,
    }
    if status in fee_codes and policy.late_fee_allowed(appointment.client, member):
        return Service.objects.get(code=fee_codes[status])
    return None


@transaction.atomic
def charge_sync(*, appointment: Appointment, by: User | None, reason: str, had_charge: bool = True) -> Charge | None:
    """Make the session's open charge match its status and service: nothing to do, a new charge,
    or the open one voided (with `reason`) and, when something is still charged, re-issued
    (`replaces`). The caller holds the session's row. `had_charge=False`: it was booked until now,
    so it has no charge to look for."""
    billed_to, member = selectors.payers(appointment.client)
    wanted = _wanted_service(appointment, member)
    current = None
    if had_charge:
        current = Charge.objects.select_for_update().filter(appointment=appointment, status=Charge.Status.OPEN).first()
    if current is None and wanted is None:
        return None
    if current is not None and wanted is not None and current.service_id == wanted.pk:
        return current
    client = _lock_client(appointment.client_id)
    if current is not None:
        _void(current, by=by, reason=reason)
    charge = None
    if wanted is not None:
        charged_on = appointment.start.astimezone(appointment.therapist.zone).date()
        charge = _charge_create(
            client=client,
            service=wanted,
            member=member,
            billed_to=billed_to,
            appointment=appointment,
            on=charged_on,
            by=by,
            replaces=current,
        )
    _apply_credit(client)
    return charge


def _charge_create(*, client, service, member, billed_to, appointment, on, by, replaces=None) -> Charge | None:
    therapist = appointment.therapist if appointment else None
    amount = selectors.fee_for(service, therapist, client, on=on)
    if amount <= ZERO:
        return None  # a free service (a fee of 0: pro bono) leaves nothing to charge
    charge = Charge(
        client=client,
        member=member,
        billed_to=billed_to,
        appointment=appointment,
        service=service,
        therapist=therapist,
        amount=amount,
        charged_on=on,
        created_by=by if by is not None and by.is_authenticated else None,
        replaces=replaces,
    )
    charge.save()
    audit_record(actor=by, action=AuditAction.CHARGE_CREATED, target=charge, amount=charge.amount)
    return charge


def _void(charge: Charge, *, by: User | None, reason: str) -> None:
    now = timezone.now()
    charge.status = Charge.Status.VOID
    charge.void_reason, charge.voided_at = reason, now
    charge.voided_by = by if by is not None and by.is_authenticated else None
    charge.save(update_fields=["status", "void_reason", "voided_at", "voided_by"])
    # The money that paid it goes back to the client's credit (the rows are kept, marked released).
    Allocation.objects.filter(charge=charge, released_at__isnull=True).update(released_at=now)
    audit_record(actor=by, action=AuditAction.CHARGE_VOIDED, target=charge, amount=charge.amount)


@transaction.atomic
def charge_create(*, client: Client, service: Service, on: date, by: User) -> Charge:
    """Charge by hand for something that is not a session (a workshop fee), at its fee on `on`."""
    _not_future("on", on)
    client = _lock_client(client.pk)
    billed_to, member = selectors.payers(client)
    charge = _charge_create(
        client=client, service=service, member=member, billed_to=billed_to, appointment=None, on=on, by=by
    )
    if charge is None:
        raise ValidationError({"service": _("This service costs nothing: there is nothing to charge.")})
    _apply_credit(client)
    return charge


@transaction.atomic
def charge_void(*, charge: Charge, reason: str, by: User) -> Charge:
    """Void an open charge by hand (charged in error, or waived). Its payments become credit."""
    reason = _reason(reason)
    client = _lock_client(charge.client_id)
    charge = Charge.objects.select_for_update().get(pk=charge.pk)
    if charge.status != Charge.Status.OPEN:
        raise ValidationError(_("This charge is already void."))
    _void(charge, by=by, reason=reason)
    _apply_credit(client)
    return charge


@transaction.atomic
def appointment_service_set(*, appointment: Appointment, service: Service, by: User) -> AppointmentService:
    """The therapist chooses what a session is charged as; an open charge for another service is
    voided and re-issued at the new service's fee."""
    appointment = Appointment.objects.select_for_update().select_related("client", "therapist").get(pk=appointment.pk)
    if not service.active:
        raise ValidationError({"service": _("This service is no longer offered.")})
    chosen, _created = AppointmentService.objects.update_or_create(
        appointment=appointment, defaults={"service": service, "chosen_by": by}
    )
    audit_record(actor=by, action=AuditAction.UPDATE, target=chosen, client_id=appointment.client_id)
    if appointment.status == Appointment.Status.ATTENDED:
        charge_sync(appointment=appointment, by=by, reason=SERVICE_CHANGED)
    return chosen


# --- allocation -----------------------------------------------------------------------------------


def _allocate(payment: Payment, charge, amount: Decimal) -> None:
    Allocation.objects.create(payment=payment, charge_id=charge.pk, amount=amount)


def _apply_credit(client: Client, first: list[Charge] | None = None) -> None:
    """Apply the client's credit to open charges: the `first` ones chosen, then oldest first.
    Money comes from the oldest payments with something left. The caller holds the client's row."""
    credit = selectors.account(client).credit
    if credit <= ZERO:
        return
    chosen = {c.pk for c in first or ()}
    charges = sorted(selectors.open_charges(client), key=lambda c: (c.pk not in chosen, c.charged_on, c.pk))
    payments = [[p, p.amount - p.used] for p in selectors.payments_with_used(client)]
    for charge in charges:
        owed = charge.outstanding
        for entry in payments:
            if credit <= ZERO or owed <= ZERO:
                break
            take = min(entry[1], owed, credit)
            if take > ZERO:
                _allocate(entry[0], charge, take)
                entry[1] -= take
                owed -= take
                credit -= take


# --- payments, refunds, write-offs ----------------------------------------------------------------


@transaction.atomic
def payment_record(
    *,
    client: Client,
    amount,
    method: str,
    received_on: date,
    by: User,
    payer: Member | None = None,
    reference: str = "",
    keep_as_credit: bool = False,
    charges: list[Charge] | tuple = (),
) -> Payment:
    """Record money received and apply it: to the `charges` chosen first, then oldest first. More
    than the open balance is refused unless the rest is explicitly kept as credit."""
    amount = _positive(amount)
    _not_future("received_on", received_on)
    if payer is not None and payer.client_id != client.pk:
        raise ValidationError({"payer": _("Choose a member of this client.")})
    client = _lock_client(client.pk)
    owed = selectors.account(client).owed
    if amount > owed and not keep_as_credit:
        raise ValidationError(
            {
                "amount": _(
                    "This payment (%(amount)s) is more than the open balance (%(owed)s). Tick "
                    '"Keep the rest as credit" to record it anyway.'
                )
                % {"amount": format_money(amount), "owed": format_money(owed)}
            }
        )
    payment = Payment(
        client=client,
        payer=payer,
        amount=amount,
        method=method,
        received_on=received_on,
        reference=reference.strip(),
        recorded_by=by,
    )
    payment.full_clean()
    payment.save()
    audit_record(actor=by, action=AuditAction.PAYMENT_RECORDED, target=payment, amount=payment.amount)
    _apply_credit(client, first=[c for c in charges if c.client_id == client.pk])
    return payment


@transaction.atomic
def refund_record(*, client: Client, amount, method: str, refunded_on: date, reason: str, by: User) -> Refund:
    """Give money back from the client's credit; never more than the credit."""
    amount = _positive(amount)
    _not_future("refunded_on", refunded_on)
    reason = _reason(reason)
    client = _lock_client(client.pk)
    credit = selectors.account(client).credit
    if amount > credit:
        raise ValidationError(
            {
                "amount": _("A refund comes from the credit on the account (%(credit)s); this one is more.")
                % {"credit": format_money(max(credit, ZERO))}
            }
        )
    refund = Refund(client=client, amount=amount, method=method, refunded_on=refunded_on, reason=reason, recorded_by=by)
    refund.full_clean()
    refund.save()
    audit_record(actor=by, action=AuditAction.REFUND_RECORDED, target=refund, amount=refund.amount)
    return refund


@transaction.atomic
def write_off_record(*, charge: Charge, amount, written_off_on: date, reason: str, by: User) -> WriteOff:
    """Stop collecting part (or all) of what is left of a charge."""
    amount = _positive(amount)
    _not_future("written_off_on", written_off_on)
    reason = _reason(reason)
    _lock_client(charge.client_id)
    charge = selectors.open_charges(charge.client).filter(pk=charge.pk).first()
    if charge is None:
        raise ValidationError(_("This charge is void: there is nothing to write off."))
    if amount > charge.outstanding:
        raise ValidationError(
            {"amount": _("Only %(left)s of this charge is unpaid.") % {"left": format_money(charge.outstanding)}}
        )
    write_off = WriteOff(
        charge=charge,
        client_id=charge.client_id,
        amount=amount,
        written_off_on=written_off_on,
        reason=reason,
        recorded_by=by,
    )
    write_off.full_clean()
    write_off.save()
    audit_record(actor=by, action=AuditAction.WRITE_OFF_RECORDED, target=write_off, amount=write_off.amount)
    return write_off


# --- who pays -------------------------------------------------------------------------------------


@transaction.atomic
def billing_party_set(
    *,
    client: Client,
    kind: str,
    by: User,
    member: Member | None = None,
    share_percent=Decimal("50"),
    third_party_name: str = "",
    third_party_address: str = "",
) -> BillingParty:
    """Choose who pays for the unit (and so who receives statements). Later charges are billed to them."""
    client = _lock_client(client.pk)
    if kind == BillingParty.Kind.MEMBER and (member is None or member.client_id != client.pk):
        raise ValidationError({"member": _("Choose who pays: a member of this client.")})
    if kind == BillingParty.Kind.SPLIT and not client.is_couple:
        raise ValidationError({"kind": _("Only a couple can share the bill.")})
    if kind == BillingParty.Kind.THIRD_PARTY and not third_party_name.strip():
        raise ValidationError({"third_party_name": _("Name the third party who pays.")})
    share = money(share_percent)
    if not ZERO <= share <= Decimal(100):
        raise ValidationError({"share_percent": _("A share is between 0 and 100 per cent.")})
    party, _created = BillingParty.objects.update_or_create(
        client=client,
        defaults={
            "kind": kind,
            "member": member if kind == BillingParty.Kind.MEMBER else None,
            "share_percent": share if kind == BillingParty.Kind.SPLIT else Decimal(50),
            "third_party_name": third_party_name.strip() if kind == BillingParty.Kind.THIRD_PARTY else "",
            "third_party_address": third_party_address.strip() if kind == BillingParty.Kind.THIRD_PARTY else "",
        },
    )
    audit_record(actor=by, action=AuditAction.UPDATE, target=party)
    return party


# --- invoices -------------------------------------------------------------------------------------

NOTHING_TO_INVOICE = _("There is nothing to invoice: choose open charges that are not on an invoice yet.")


def _next_invoice_number() -> int:
    """Take the next number from the counter row, held FOR UPDATE until the caller's transaction
    ends: a rolled-back invoice gives its number back, so numbers have no gaps and never repeat."""
    InvoiceCounter.objects.get_or_create(pk=1)
    counter = InvoiceCounter.objects.select_for_update().get(pk=1)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


@transaction.atomic
def invoice_issue(
    *,
    client: Client,
    by: User,
    charges: list[Charge] | tuple = (),
    period: tuple[date, date] | None = None,
    on: date | None = None,
) -> Invoice:
    """Invoice the chosen open `charges` of `client`, or every open charge dated in `period` (start,
    end), that is on no live invoice yet. Its number comes from the practice's counter in this
    transaction (`_next_invoice_number`). Lock order: client, then the counter."""
    on = on or selectors.today()
    _not_future("issued_on", on)
    if period is not None and period[0] > period[1]:
        raise ValidationError({"period_end": _("The period ends before it starts.")})
    client = _lock_client(client.pk)
    candidates = selectors.uninvoiced_charges(client)
    if period is not None:
        candidates = candidates.filter(charged_on__gte=period[0], charged_on__lte=period[1])
    else:
        candidates = candidates.filter(pk__in=[c.pk for c in charges])
    chosen = list(candidates)
    if not chosen:
        raise ValidationError(NOTHING_TO_INVOICE)
    invoice = Invoice(
        number=_next_invoice_number(),
        client=client,
        issued_on=on,
        period_start=period[0] if period else min(c.charged_on for c in chosen),
        period_end=period[1] if period else max(c.charged_on for c in chosen),
        total=money(sum((c.amount for c in chosen), ZERO)),
        issued_by=by,
        **selectors.billed_to(client),
    )
    invoice.save()
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            charge=charge,
            charged_on=charge.charged_on,
            description=selectors.describe(charge.service)[:200],
            amount=charge.amount,
        )
        for charge in chosen
    )
    audit_record(actor=by, action=AuditAction.CREATE, target=invoice, amount=invoice.total)
    return invoice


@transaction.atomic
def invoice_void(*, invoice: Invoice, reason: str, by: User) -> Invoice:
    """Void an invoice issued in error. It keeps its number (the next invoice takes the next one) and
    its lines; its charges may go on a new invoice."""
    reason = _reason(reason)
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status == Invoice.Status.VOID:
        raise ValidationError(_("This invoice is already void."))
    invoice.status = Invoice.Status.VOID
    invoice.void_reason, invoice.voided_at, invoice.voided_by = reason, timezone.now(), by
    invoice.save(update_fields=["status", "void_reason", "voided_at", "voided_by"])
    InvoiceLine.objects.filter(invoice=invoice).update(live=False)
    audit_record(actor=by, action=AuditAction.UPDATE, target=invoice)
    return invoice
