"""Reads for billing: fees as of a date, a session's service, who pays, balances, ledgers and ageing.

Definitions (one home for each):
- a charge's *outstanding* part = its amount − what is allocated to it (allocations not released)
  − what is written off; a void charge has none;
- a client's *balance* = open charges − payments + refunds − write-offs (of open charges: voiding
  a charge takes its write-offs with it). Positive: the client owes; negative: in credit;
- a client's *credit* = payments − allocations not released − refunds (money received and not yet
  applied to a charge). So balance = Σ outstanding − credit, always;
- *ageing* puts each charge's outstanding part in a bucket by the days since `charged_on` (the
  date of the service): 0–30, 31–60, 61–90, 90+.
Balances and ageing are computed in SQL, in a fixed number of queries whatever the number of
clients (`tests/billing/test_ledger.py` counts them).
"""

import decimal
import functools
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import (
    Case,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Round
from django.utils import timezone

from billing.models import (
    Allocation,
    AppointmentService,
    BillingParty,
    Charge,
    Fee,
    Invoice,
    InvoiceLine,
    Payment,
    Refund,
    Service,
    WriteOff,
)
from billing.money import ZERO, money
from clients.models import Client, Member
from practice.models import Therapist, User
from sessions_app.models import Appointment

AMOUNT = DecimalField(max_digits=12, decimal_places=2)
NOTHING = Value(ZERO, output_field=AMOUNT)
BUCKETS = (("0-30", 0, 30), ("31-60", 31, 60), ("61-90", 61, 90), ("90+", 91, None))

# The starter set's codes (migration 0002) that the default rule and late fees use.
INTAKE, INDIVIDUAL_45, INDIVIDUAL_60, COUPLE_PRESENT = "90791", "90834", "90837", "90847"
LATE_CANCEL_FEE, NO_SHOW_FEE = "LATE-CANCEL", "NO-SHOW"


def today() -> date:
    return timezone.localdate()


# --- fees and services ----------------------------------------------------------------------------


def fee_for(service: Service, therapist: Therapist | None, client: Client | None, *, on: date) -> Decimal:
    """The fee for `service` on `on`: the client's own fee (a sliding scale) over the therapist's
    over the practice's over the service's default, each the latest that took effect by then."""
    scopes = Q(client__isnull=True, therapist__isnull=True)
    if therapist is not None:
        scopes |= Q(therapist=therapist, client__isnull=True)
    if client is not None:
        scopes |= Q(client=client, therapist__isnull=True)
    fees = Fee.objects.filter(scopes, service=service, effective_from__lte=on).order_by("-effective_from", "-id")
    found: dict[str, Decimal] = {}
    for fee in fees:
        scope = "client" if fee.client_id else "therapist" if fee.therapist_id else "practice"
        found.setdefault(scope, fee.amount)
    for scope in ("client", "therapist", "practice"):
        if scope in found:
            return money(found[scope])
    return money(service.default_fee)


def service_for_appointment(appointment: Appointment) -> Service:
    """The service a session is charged as: the therapist's choice, else the default rule — the
    unit's first attended session is the intake (90791); a couple seen together 90847; otherwise
    individual psychotherapy by length, 90837 from 53 minutes (the CPT threshold), else 90834."""
    chosen = AppointmentService.objects.select_related("service").filter(appointment=appointment).first()
    if chosen is not None:
        return chosen.service
    return Service.objects.get(code=default_service_code(appointment))


def default_service_code(appointment: Appointment) -> str:
    earlier = Appointment.objects.filter(
        client_id=appointment.client_id, status=Appointment.Status.ATTENDED, start__lt=appointment.start
    )
    if not earlier.exclude(pk=appointment.pk).exists():
        return INTAKE
    if appointment.client.is_couple and appointment.attendances.count() > 1:
        return COUPLE_PRESENT
    minutes = appointment.duration.total_seconds() / 60
    return INDIVIDUAL_60 if minutes >= 53 else INDIVIDUAL_45


def active_services() -> QuerySet[Service]:
    return Service.objects.filter(active=True)


# --- who pays -------------------------------------------------------------------------------------


def billing_party(client: Client) -> BillingParty | None:
    return BillingParty.objects.select_related("member").filter(client=client).first()


def payers(client: Client) -> tuple[str, Member | None]:
    """Who a new charge is billed to: (kind, member). With no party set, an individual's only member
    pays; a couple's charges are billed to the unit until the therapist or staff choose."""
    party = billing_party(client)
    if party is not None:
        return party.kind, party.member if party.kind == BillingParty.Kind.MEMBER else None
    return _default_payer(list(client.members.all()[:2]))


def _default_payer(members: list) -> tuple[str, object]:
    """With nothing chosen (`members`: up to two of the unit's members, or their ids): an individual's
    only member pays; a couple's charges are billed to the unit."""
    if len(members) == 1:
        return BillingParty.Kind.MEMBER, members[0]
    return BillingParty.Kind.SPLIT, None


def is_billing_party(member: Member) -> bool:
    """Whether this member receives the unit's statements (sees its ledger in the portal): the member
    chosen, or each member of a split chosen by the practice; with nothing chosen, an individual's only
    member (a couple's default is the unit, which no one portal shows). Two queries at most, and the
    party's member is not read: its id is enough."""
    chosen = BillingParty.objects.filter(client_id=member.client_id).values_list("kind", "member_id").first()
    if chosen is not None:
        kind, member_id = chosen
        return member_id == member.pk if kind == BillingParty.Kind.MEMBER else kind == BillingParty.Kind.SPLIT
    ids = Member.objects.filter(client_id=member.client_id).order_by("position").values_list("pk", flat=True)
    kind, payer_id = _default_payer(list(ids[:2]))
    return kind == BillingParty.Kind.MEMBER and payer_id == member.pk


# --- sums -----------------------------------------------------------------------------------------


def _sum(grouped: QuerySet):
    """A correlated SUM(amount) of `grouped` (already filtered on OuterRef and `.values(<group>)`)."""
    summed = Subquery(grouped.annotate(s=Sum("amount")).values("s")[:1], output_field=AMOUNT)
    return Coalesce(Round(summed, 2, output_field=AMOUNT), NOTHING)


def _allocated(charge_ref: str = "pk"):
    rows = Allocation.objects.filter(charge=OuterRef(charge_ref), released_at__isnull=True).order_by()
    return _sum(rows.values("charge"))


def _written_off(charge_ref: str = "pk"):
    return _sum(WriteOff.objects.filter(charge=OuterRef(charge_ref)).order_by().values("charge"))


def _pennies(expression):
    """Arithmetic on amounts, rounded to the penny in SQL: SQLite computes it in floating point
    (90.00 - 88.32 is 1.68000000000001 there); PostgreSQL's numeric is exact and unchanged by it."""
    return Round(ExpressionWrapper(expression, output_field=AMOUNT), 2, output_field=AMOUNT)


def _outstanding():
    return _pennies(F("amount") - _allocated() - _written_off())


def open_charges(client: Client) -> QuerySet[Charge]:
    """The client's open charges with `outstanding`, oldest first (the order payments are applied in)."""
    return (
        Charge.objects.filter(client=client, status=Charge.Status.OPEN)
        .annotate(outstanding=_outstanding())
        .order_by("charged_on", "id")
    )


def payments_with_used(client: Client) -> QuerySet[Payment]:
    """The client's payments, oldest first, each with `used`: what is allocated from it."""
    used = Allocation.objects.filter(payment=OuterRef("pk"), released_at__isnull=True).order_by().values("payment")
    return Payment.objects.filter(client=client).annotate(used=_sum(used)).order_by("received_on", "id")


def _client_totals(queryset: QuerySet[Client]) -> QuerySet[Client]:
    """Each client's five ledger totals, each rounded to the penny."""

    def per_client(model, **filters):
        return _sum(model.objects.filter(client=OuterRef("pk"), **filters).order_by().values("client"))

    return queryset.annotate(
        charged=per_client(Charge, status=Charge.Status.OPEN),
        paid=per_client(Payment),
        refunded=per_client(Refund),
        written_off=per_client(WriteOff, charge__status=Charge.Status.OPEN),
        allocated=_sum(
            Allocation.objects.filter(payment__client=OuterRef("pk"), released_at__isnull=True)
            .order_by()
            .values("payment__client")
        ),
    )


def _client_sums(queryset: QuerySet[Client]) -> QuerySet[Client]:
    """The totals with the balance and credit in SQL, to filter and order lists by them (each of
    the two repeats its totals' subqueries: a page about one client uses `account()`)."""
    return _client_totals(queryset).annotate(
        balance=_pennies(F("charged") - F("paid") + F("refunded") - F("written_off")),
        credit=_pennies(F("paid") - F("allocated") - F("refunded")),
    )


@dataclass(frozen=True)
class Account:
    charged: Decimal
    paid: Decimal
    refunded: Decimal
    written_off: Decimal
    balance: Decimal
    credit: Decimal

    @property
    def owed(self) -> Decimal:
        return max(self.balance, ZERO)


def account(client: Client) -> Account:
    """The client's totals in one query, the balance and credit from them (as `_client_sums` has them
    in SQL; the ledger's property test holds the two equal).

    One fixed statement of five sums, written out: the same totals through the ORM's subquery
    expressions cost 8 ms to build per call here (the client page and the portal home each make one),
    and 0.5 ms to run."""
    with connection.cursor() as cursor:
        cursor.execute(_account_sql(connection.vendor), [client.pk, Charge.Status.OPEN] * 2 + [client.pk] * 3)
        charged, written_off, paid, refunded, allocated = (_amount(value) for value in cursor.fetchone())
    return Account(
        charged=charged,
        paid=paid,
        refunded=refunded,
        written_off=written_off,
        balance=money(charged - paid + refunded - written_off),
        credit=money(paid - allocated - refunded),
    )


@functools.cache
def _account_sql(vendor: str) -> str:
    quote = connection.ops.quote_name

    def table(model) -> str:
        return quote(model._meta.db_table)

    def column(model, name: str) -> str:
        return quote(model._meta.get_field(name).column)

    def total(rows: str) -> str:
        return f"(SELECT ROUND(SUM(x.{column(Charge, 'amount')}), 2) FROM {rows})"  # nosec B608 # noqa: S608

    charge_status, charge_client = column(Charge, "status"), column(Charge, "client")
    payment_client, pk = column(Payment, "client"), quote("id")
    return "SELECT " + ", ".join(
        [
            total(f"{table(Charge)} x WHERE x.{charge_client} = %s AND x.{charge_status} = %s"),
            total(
                f"{table(WriteOff)} x JOIN {table(Charge)} c ON c.{pk} = x.{column(WriteOff, 'charge')}"
                f" WHERE x.{column(WriteOff, 'client')} = %s AND c.{charge_status} = %s"
            ),
            total(f"{table(Payment)} x WHERE x.{payment_client} = %s"),
            total(f"{table(Refund)} x WHERE x.{column(Refund, 'client')} = %s"),
            total(
                f"{table(Allocation)} x JOIN {table(Payment)} p ON p.{pk} = x.{column(Allocation, 'payment')}"
                f" WHERE p.{payment_client} = %s AND x.{column(Allocation, 'released_at')} IS NULL"
            ),
        ]
    )


_FLOATS = decimal.Context(prec=15)  # as Django reads SQLite's decimal sums (REAL there)


def _amount(value) -> Decimal:
    if value is None:
        return ZERO
    if isinstance(value, float):
        value = _FLOATS.create_decimal_from_float(value)
    return money(value)


def balance(client: Client) -> Decimal:
    return account(client).balance


# --- ageing ---------------------------------------------------------------------------------------


def _bucket_sums(on: date) -> dict:
    outstanding = _outstanding()
    sums = {}
    for name, low, high in BUCKETS:
        newest = on - timedelta(days=low)
        when = (
            Q(charged_on__lte=newest)
            if high is None
            else Q(charged_on__lte=newest, charged_on__gte=on - timedelta(days=high))
        )
        summed = Sum(Case(When(when, then=outstanding), default=NOTHING, output_field=AMOUNT))
        sums[name] = Coalesce(Round(summed, 2, output_field=AMOUNT), NOTHING)
    return sums


@dataclass
class AgeingRow:
    client: Client
    balance: Decimal
    credit: Decimal
    buckets: dict[str, Decimal] = field(default_factory=dict)


def _clients_for(user: User) -> QuerySet[Client]:
    if user.is_therapist:
        return Client.objects.treated_by(user.therapist)
    if user.is_practice_staff:
        return Client.objects.all()
    return Client.objects.none()


def ageing(*, user: User, on: date | None = None) -> tuple[list[AgeingRow], dict[str, Decimal]]:
    """Every client with money owed or in credit that `user` may see (a therapist: their clients;
    staff: all), with their balance and ageing buckets, and the practice's totals. Two queries."""
    on = on or today()
    clients = _clients_for(user)
    rows = {
        c.pk: AgeingRow(client=c, balance=money(c.balance), credit=money(c.credit))
        for c in _client_sums(clients).exclude(balance=0, credit=0).order_by("reference")
    }
    per_client = (
        Charge.objects.filter(client_id__in=clients.values("pk"), status=Charge.Status.OPEN)
        .order_by()
        .values("client_id")
        .annotate(**_bucket_sums(on))
    )
    for found in per_client:
        row = rows.get(found["client_id"])
        if row is not None:
            row.buckets = {name: money(found[name]) for name, _low, _high in BUCKETS}
    empty = {name: ZERO for name, _low, _high in BUCKETS}
    totals = dict(empty)
    for row in rows.values():
        row.buckets = row.buckets or dict(empty)
        for name in totals:
            totals[name] += row.buckets[name]
    return list(rows.values()), totals


def client_ageing(client: Client, *, on: date | None = None) -> dict[str, Decimal]:
    on = on or today()
    found = (
        Charge.objects.filter(client=client, status=Charge.Status.OPEN)
        .order_by()
        .values("client_id")
        .annotate(**_bucket_sums(on))
        .order_by("client_id")
        .first()
    )
    return {name: money(found[name]) if found else ZERO for name, _low, _high in BUCKETS}


# --- pages ----------------------------------------------------------------------------------------


def ledger(client: Client) -> dict:
    """Everything on a client's ledger page, in a fixed number of queries."""
    charges = list(
        Charge.objects.filter(client=client)
        .select_related("service", "replaces", "member", "appointment")
        .annotate(
            paid=_allocated(),
            written=_written_off(),
        )
        .order_by("charged_on", "id")
    )
    for charge in charges:
        charge.outstanding = (
            ZERO if charge.status == Charge.Status.VOID else charge.amount - charge.paid - charge.written
        )
    return {
        "charges": charges,
        "payments": list(Payment.objects.filter(client=client).select_related("payer").order_by("received_on", "id")),
        "refunds": list(Refund.objects.filter(client=client).order_by("refunded_on", "id")),
        "write_offs": list(WriteOff.objects.filter(client=client).select_related("charge").order_by("id")),
        "account": account(client),
        "ageing": client_ageing(client),
        "party": billing_party(client),
    }


def charges_on(*, user: User, day: date) -> list[Charge]:
    """The charges made on `day` (in the practice's zone) for clients `user` may see: to review."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    return list(
        Charge.objects.filter(client__in=_clients_for(user), created_at__gte=start, created_at__lt=start + timedelta(1))
        .select_related("client", "service", "therapist")
        .order_by("created_at", "id")
    )


def appointment_panel(appointment: Appointment) -> dict:
    """For the session page: the service it is (or will be) charged as and its open charge."""
    chosen = AppointmentService.objects.filter(appointment=appointment).select_related("service").first()
    charge = Charge.objects.filter(appointment=appointment, status=Charge.Status.OPEN).select_related("service").first()
    return {
        "billing_service": chosen.service
        if chosen
        else Service.objects.filter(code=default_service_code(appointment)).first(),
        "billing_service_chosen": chosen is not None,
        "billing_charge": charge,
        "billing_services": list(active_services()),
    }


# --- invoices and statements ----------------------------------------------------------------------


def describe(service: Service) -> str:
    """What a document says a service was: its neutral billing description ("Consultation, 60
    minutes"), never the specialty, unless the practice sets `BILLING_SHOW_SPECIALTY` (then its name)."""
    if settings.BILLING_SHOW_SPECIALTY:
        return service.name
    if service.billing_description:
        return service.billing_description
    return f"Consultation, {service.minutes} minutes" if service.minutes else "Professional services"


def billed_to(client: Client) -> dict:
    """Who the invoice is to, as a snapshot: name, address, and whether it is printed discreetly
    (the paying member asked for discreet wording; for a shared or third-party bill, either member)."""
    kind, member = payers(client)
    members = list(client.members.order_by("position"))
    if kind == BillingParty.Kind.MEMBER and member is not None:
        return {
            "billed_to": kind,
            "member": member,
            "billed_name": member.full_name,
            "billed_address": member.address,
            "discreet": member.discreet_wording,
        }
    discreet = any(m.discreet_wording for m in members)
    if kind == BillingParty.Kind.THIRD_PARTY:
        party = billing_party(client)
        return {
            "billed_to": kind,
            "member": None,
            "billed_name": party.third_party_name,
            "billed_address": party.third_party_address,
            "discreet": discreet,
        }
    return {
        "billed_to": kind,
        "member": None,
        "billed_name": " and ".join(m.full_name for m in members),
        "billed_address": next((m.address for m in members if m.address), ""),
        "discreet": discreet,
    }


def uninvoiced_charges(client: Client) -> QuerySet[Charge]:
    """The client's open charges that are on no live invoice, oldest first."""
    on_invoice = InvoiceLine.objects.filter(charge=OuterRef("pk"), live=True)
    return (
        Charge.objects.filter(client=client, status=Charge.Status.OPEN)
        .exclude(Exists(on_invoice))
        .select_related("service")
        .order_by("charged_on", "id")
    )


def invoices_of(client: Client) -> list[Invoice]:
    return list(Invoice.objects.filter(client=client).order_by("-number"))


def invoice_lines(invoice: Invoice) -> list[InvoiceLine]:
    return list(invoice.lines.order_by("charged_on", "id"))


@dataclass
class StatementRow:
    on: date
    kind: str
    description: str
    amount: Decimal  # what it adds to the balance: a charge or a refund +, a payment or a write-off -
    balance: Decimal = ZERO


@dataclass
class Statement:
    client: Client
    start: date
    end: date
    opening: Decimal
    rows: list[StatementRow]
    charges: Decimal
    payments: Decimal
    refunds: Decimal
    write_offs: Decimal

    @property
    def closing(self) -> Decimal:
        return money(self.opening + self.charges - self.payments + self.refunds - self.write_offs)


def statement(client: Client, *, start: date, end: date) -> Statement:
    """A statement of account from the ledger (nothing stored): the balance before `start`, each
    charge, payment, refund and write-off dated in [start, end], and the closing balance. The same
    definitions as `account()` (open charges; write-offs of open charges), so a statement to today
    closes on the ledger's balance. Four queries."""
    entries: list[StatementRow] = []
    opening = ZERO
    sources = (
        (
            Charge.objects.filter(client=client, status=Charge.Status.OPEN, charged_on__lte=end).select_related(
                "service"
            ),
            "charged_on",
            1,
            "charge",
            lambda c: describe(c.service),
        ),
        (Payment.objects.filter(client=client, received_on__lte=end), "received_on", -1, "payment", _paid_words),
        (Refund.objects.filter(client=client, refunded_on__lte=end), "refunded_on", 1, "refund", lambda r: "Refund"),
        (
            WriteOff.objects.filter(client=client, charge__status=Charge.Status.OPEN, written_off_on__lte=end),
            "written_off_on",
            -1,
            "write_off",
            lambda w: "Amount written off",
        ),
    )
    sums = {"charge": ZERO, "payment": ZERO, "refund": ZERO, "write_off": ZERO}
    for rows, date_field, sign, kind, words in sources:
        for row in rows:
            on = getattr(row, date_field)
            if on < start:
                opening += sign * row.amount
                continue
            sums[kind] += row.amount
            entries.append(StatementRow(on=on, kind=kind, description=words(row), amount=sign * money(row.amount)))
    order = {"charge": 0, "payment": 1, "write_off": 2, "refund": 3}
    entries.sort(key=lambda e: (e.on, order[e.kind]))
    running = money(opening)
    for entry in entries:
        running = money(running + entry.amount)
        entry.balance = running
    return Statement(
        client=client,
        start=start,
        end=end,
        opening=money(opening),
        rows=entries,
        charges=money(sums["charge"]),
        payments=money(sums["payment"]),
        refunds=money(sums["refund"]),
        write_offs=money(sums["write_off"]),
    )


def _paid_words(payment: Payment) -> str:
    return f"Payment received, {payment.get_method_display().lower()}"
