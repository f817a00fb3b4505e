"""Services and fees, who pays, charges, payments and their allocation, refunds and write-offs.

Money is `Decimal` to the penny in `settings.BILLING_CURRENCY` (`billing.money` states the rounding).
Ledger rows are never deleted: a charge made in error is voided with a reason (and re-issued when
something else should be charged), so the trail is kept. Nothing here is clinical text; the only
confidential fields are a third-party payer's name and address (encrypted, `BillingParty`) and the
free-text reasons (encrypted), which could say more about a person than a ledger needs to.
"""

import json
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.icd10 import CHOICES as ICD10_CHOICES
from practice.fields import EncryptedCharField, EncryptedTextField
from practice.models import TimeStampedModel

AMOUNT = {"max_digits": 10, "decimal_places": 2}
POSITIVE = [MinValueValidator(Decimal("0.01"))]
NEVER_DELETED = "Ledger rows are never deleted: void the charge with a reason instead."


def _currency() -> str:
    return settings.BILLING_CURRENCY


def validate_npi(value: str) -> None:
    """An NPI is 10 digits whose last is a Luhn check digit over "80840" and the first nine."""
    if not (len(value) == 10 and value.isdigit()):
        raise ValidationError(_("An NPI is 10 digits."))
    digits = [int(d) for d in "80840" + value[:9]]
    total = 0
    for index, digit in enumerate(reversed(digits)):
        doubled = digit * 2 if index % 2 == 0 else digit
        total += doubled - 9 if doubled > 9 else doubled
    if (10 - total % 10) % 10 != int(value[9]):
        raise ValidationError(_("That NPI's check digit is wrong: please check the number."))


class Service(models.Model):
    """What the practice charges for: a CPT code (90791, 90834...) or a practice item (a late fee)."""

    class Kind(models.TextChoices):
        CPT = "cpt", _("CPT code")
        PRACTICE = "practice", _("Practice item")

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.CPT)
    default_fee = models.DecimalField(**AMOUNT, validators=[MinValueValidator(0)])
    minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    billing_description = models.CharField(
        max_length=120,
        blank=True,
        help_text=_('What invoices and statements say, in neutral words ("Consultation, 60 minutes").'),
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Fee(TimeStampedModel):
    """A fee that overrides the service's default from `effective_from` on: for the practice (neither
    therapist nor client), one therapist, or one client (a sliding scale). `selectors.fee_for` picks
    client over therapist over practice over the default; a charge keeps its amount, so a new fee
    never rewrites the past."""

    service = models.ForeignKey(Service, models.PROTECT, related_name="fees")
    therapist = models.ForeignKey("practice.Therapist", models.PROTECT, null=True, blank=True, related_name="+")
    client = models.ForeignKey("clients.Client", models.PROTECT, null=True, blank=True, related_name="+")
    amount = models.DecimalField(**AMOUNT, validators=[MinValueValidator(0)])
    effective_from = models.DateField()

    class Meta:
        ordering = ["service_id", "-effective_from"]
        constraints = [
            models.CheckConstraint(condition=Q(therapist__isnull=True) | Q(client__isnull=True), name="fee_one_scope"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="fee_not_negative"),
        ]
        indexes = [models.Index(fields=["service", "effective_from"])]

    def __str__(self) -> str:
        return f"Fee {self.pk}"


class AppointmentService(TimeStampedModel):
    """The service a session is charged as, when the therapist chose one (else the default rule in
    `selectors.service_for_appointment`). Kept here, not on the appointment: scheduling knows
    nothing of billing."""

    appointment = models.OneToOneField("sessions_app.Appointment", models.PROTECT, related_name="+")
    service = models.ForeignKey(Service, models.PROTECT, related_name="+")
    chosen_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"Appointment service {self.pk}"


class BillingParty(TimeStampedModel):
    """Who pays for a unit: one member, both partners sharing (`share_percent` is the first
    partner's part), or a third party. Statements go to the billing party only.

    Confidential (encrypted): third_party_name, third_party_address.
    """

    class Kind(models.TextChoices):
        MEMBER = "member", _("One person")
        SPLIT = "split", _("Both partners share")
        THIRD_PARTY = "third_party", _("A third party")

    client = models.OneToOneField("clients.Client", models.PROTECT, related_name="billing_party")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.MEMBER)
    member = models.ForeignKey("clients.Member", models.PROTECT, null=True, blank=True, related_name="+")
    share_percent = models.DecimalField(
        max_digits=5, decimal_places=2, default=50, help_text=_("The first partner's share when both pay.")
    )
    third_party_name = EncryptedCharField(max_length=200, blank=True)
    third_party_address = EncryptedTextField(blank=True)

    class Meta:
        verbose_name_plural = "billing parties"
        constraints = [
            models.CheckConstraint(
                condition=Q(share_percent__gte=0) & Q(share_percent__lte=100), name="billing_share_percent"
            )
        ]

    def __str__(self) -> str:
        return f"Billing party {self.pk}"

    @property
    def second_share(self) -> Decimal:
        return Decimal(100) - self.share_percent


class NeverDeletedQuerySet(models.QuerySet):
    def delete(self):
        raise PermissionError(NEVER_DELETED)


class LedgerRow(models.Model):
    """What every ledger row shares: it is never deleted, and it says who recorded it and when."""

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    currency = models.CharField(max_length=3, default=_currency)

    objects = NeverDeletedQuerySet.as_manager()

    class Meta:
        abstract = True

    def delete(self, *args, **kwargs):
        raise PermissionError(NEVER_DELETED)


class Charge(LedgerRow):
    """What a client owes for one service: made when a session is marked attended (or a late fee),
    exactly once (the partial unique constraint allows one open charge per appointment), or by hand.
    `member` is who was billed at the time (null when both partners share or a third party pays).
    Confidential (encrypted): void_reason."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        VOID = "void", _("Void")

    client = models.ForeignKey("clients.Client", models.PROTECT, related_name="charges")
    member = models.ForeignKey("clients.Member", models.PROTECT, null=True, blank=True, related_name="+")
    billed_to = models.CharField(max_length=12, choices=BillingParty.Kind.choices, default=BillingParty.Kind.MEMBER)
    appointment = models.ForeignKey(
        "sessions_app.Appointment", models.PROTECT, null=True, blank=True, related_name="charges"
    )
    service = models.ForeignKey(Service, models.PROTECT, related_name="charges")
    therapist = models.ForeignKey("practice.Therapist", models.PROTECT, null=True, blank=True, related_name="+")
    amount = models.DecimalField(**AMOUNT, validators=POSITIVE)
    charged_on = models.DateField(help_text=_("The date of the service: ageing counts from it."))
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    void_reason = EncryptedTextField(blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    replaces = models.OneToOneField("self", models.PROTECT, null=True, blank=True, related_name="replaced_by")

    class Meta:
        ordering = ["charged_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment"], condition=Q(status="open"), name="charge_one_open_per_appointment"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="charge_amount_positive"),
        ]
        indexes = [models.Index(fields=["client", "status", "charged_on"]), models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"Charge {self.pk}"


class Payment(LedgerRow):
    """Money received. `payer` is the member who paid (null for a third party)."""

    class Method(models.TextChoices):
        CASH = "cash", _("Cash")
        CHEQUE = "cheque", _("Cheque")
        BANK_TRANSFER = "bank_transfer", _("Bank transfer")
        CARD = "card", _("Card (recorded)")
        INSURANCE = "insurance", _("Insurance reimbursement")

    client = models.ForeignKey("clients.Client", models.PROTECT, related_name="payments")
    payer = models.ForeignKey("clients.Member", models.PROTECT, null=True, blank=True, related_name="+")
    amount = models.DecimalField(**AMOUNT, validators=POSITIVE)
    method = models.CharField(max_length=16, choices=Method.choices)
    received_on = models.DateField()
    reference = models.CharField(max_length=40, blank=True, help_text=_("A cheque number or a bank reference."))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")

    class Meta:
        ordering = ["received_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive")]
        indexes = [models.Index(fields=["client", "received_on"])]

    def __str__(self) -> str:
        return f"Payment {self.pk}"


class Allocation(LedgerRow):
    """Part of a payment applied to a charge. Released (kept, not deleted) when the charge is voided,
    and the money goes back to the client's credit."""

    payment = models.ForeignKey(Payment, models.PROTECT, related_name="allocations")
    charge = models.ForeignKey(Charge, models.PROTECT, related_name="allocations")
    amount = models.DecimalField(**AMOUNT, validators=POSITIVE)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_amount_positive")]

    def __str__(self) -> str:
        return f"Allocation {self.pk}"


class Refund(LedgerRow):
    """Money given back from the client's credit. Confidential (encrypted): reason."""

    client = models.ForeignKey("clients.Client", models.PROTECT, related_name="refunds")
    amount = models.DecimalField(**AMOUNT, validators=POSITIVE)
    refunded_on = models.DateField()
    method = models.CharField(max_length=16, choices=Payment.Method.choices)
    reason = EncryptedTextField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive")]

    def __str__(self) -> str:
        return f"Refund {self.pk}"


class WriteOff(LedgerRow):
    """Part of a charge the practice will not collect. Confidential (encrypted): reason."""

    charge = models.ForeignKey(Charge, models.PROTECT, related_name="write_offs")
    client = models.ForeignKey("clients.Client", models.PROTECT, related_name="write_offs")
    amount = models.DecimalField(**AMOUNT, validators=POSITIVE)
    written_off_on = models.DateField()
    reason = EncryptedTextField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="write_off_amount_positive")]
        verbose_name = "write-off"
        verbose_name_plural = "write-offs"

    def __str__(self) -> str:
        return f"Write-off {self.pk}"


class InvoiceCounter(models.Model):
    """The practice's one invoice counter row (pk 1). An invoice takes `last_number + 1` while holding
    this row FOR UPDATE, inside the transaction that saves the invoice: a number is used only if the
    invoice is saved, and two invoices never share one, so the numbers have no gaps. Never MAX()+1."""

    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return "Invoice counter"


class Invoice(LedgerRow):
    """A numbered invoice for some of a client's charges (one session, chosen charges, or a period).
    Never deleted: a mistaken invoice is voided with a reason and keeps its number; its charges may
    go on a new invoice. Who pays is a snapshot as issued. Confidential (encrypted): billed_name,
    billed_address, void_reason."""

    class Status(models.TextChoices):
        ISSUED = "issued", _("Issued")
        VOID = "void", _("Void")

    number = models.PositiveIntegerField(unique=True)
    client = models.ForeignKey("clients.Client", models.PROTECT, related_name="invoices")
    issued_on = models.DateField()
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    billed_to = models.CharField(max_length=12, choices=BillingParty.Kind.choices)
    member = models.ForeignKey("clients.Member", models.PROTECT, null=True, blank=True, related_name="+")
    billed_name = EncryptedCharField(max_length=300, blank=True)
    billed_address = EncryptedTextField(blank=True)
    discreet = models.BooleanField(default=False, help_text=_("Printed under the practice's discreet name."))
    total = models.DecimalField(**AMOUNT)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ISSUED)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    void_reason = EncryptedTextField(blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-number"]
        indexes = [models.Index(fields=["client", "issued_on"])]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"INV-{self.number:06d}"


class InvoiceLine(models.Model):
    """One charge on an invoice, as it stood when issued. `live` is False once the invoice is void: a
    charge is on at most one live invoice (`invoice_line_one_live_per_charge`)."""

    invoice = models.ForeignKey(Invoice, models.PROTECT, related_name="lines")
    charge = models.ForeignKey(Charge, models.PROTECT, related_name="invoice_lines")
    charged_on = models.DateField()
    description = models.CharField(max_length=200, help_text=_("The neutral billing description, as issued."))
    amount = models.DecimalField(**AMOUNT)
    live = models.BooleanField(default=True)

    objects = NeverDeletedQuerySet.as_manager()

    class Meta:
        ordering = ["charged_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["charge"], condition=Q(live=True), name="invoice_line_one_live_per_charge")
        ]

    def __str__(self) -> str:
        return f"Invoice line {self.pk}"

    def delete(self, *args, **kwargs):
        raise PermissionError(NEVER_DELETED)


# --- superbills and good-faith estimates ------------------------------------------------------------


class MemberDiagnosis(models.Model):
    """One ICD-10 code on a member's diagnosis list, chosen by a therapist from `billing.icd10`.
    Removed, not deleted: a superbill for an earlier period shows the codes on file at the time.
    `position` orders the list (the lowest open one is the primary diagnosis).

    Confidential (encrypted): code. Clinical: only the unit's therapists, the member, and staff with
    `BILLING_STAFF_SEE_DIAGNOSIS` see it (billing/access.py)."""

    member = models.ForeignKey("clients.Member", models.PROTECT, related_name="diagnoses")
    code = EncryptedCharField(max_length=10, choices=ICD10_CHOICES)
    position = models.PositiveSmallIntegerField(default=1)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["member_id", "position", "id"]
        verbose_name_plural = "member diagnoses"
        constraints = [
            models.UniqueConstraint(
                fields=["member", "position"], condition=Q(removed_at__isnull=True), name="diagnosis_one_per_position"
            )
        ]

    def __str__(self) -> str:
        return f"Diagnosis {self.pk}"  # never the code

    def on_file_on(self, day) -> bool:
        """Whether this code was on the member's list on `day` (a date in the practice's zone)."""
        added = timezone.localdate(self.added_at)
        removed = timezone.localdate(self.removed_at) if self.removed_at else None
        return added <= day and (removed is None or removed > day)


class TherapistBillingProfile(TimeStampedModel):
    """What a claim needs of a therapist beyond `practice.Therapist` (which holds credentials and the
    licence number): the NPI, a tax id and the address printed on superbills. Kept here so the ground
    floor knows nothing of billing. Confidential (encrypted): tax_id (it may be a personal number)."""

    therapist = models.OneToOneField("practice.Therapist", models.PROTECT, related_name="billing_profile")
    npi = models.CharField(
        "NPI",
        max_length=10,
        blank=True,
        validators=[validate_npi],
        help_text=_("The 10-digit National Provider Identifier."),
    )
    tax_id = EncryptedCharField(_("tax id"), max_length=20, blank=True, help_text=_("EIN or other tax identifier."))
    address = models.TextField(blank=True, help_text=_("Printed on superbills; the practice's address when empty."))

    def __str__(self) -> str:
        return f"Billing profile {self.pk}"


class Superbill(models.Model):
    """A superbill issued to one member for a period. Its lines (sessions, codes, fees, payments, the
    diagnoses on file at each date) are read when it is downloaded, so a later payment shows."""

    client = models.ForeignKey("clients.Client", models.PROTECT, related_name="superbills")
    member = models.ForeignKey("clients.Member", models.PROTECT, related_name="superbills")
    period_start = models.DateField()
    period_end = models.DateField()
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-period_end", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")), name="superbill_period_order")
        ]

    def __str__(self) -> str:
        return f"Superbill {self.pk}"


class GoodFaithEstimate(models.Model):
    """A good-faith estimate (US No Surprises Act) for a self-pay client: the expected services and
    fees for a period. Immutable once issued; the PDF is rendered from the snapshot kept here.

    Confidential (encrypted): lines (the JSON snapshot: code, name, quantity, unit fee, amount)."""

    client = models.ForeignKey("clients.Client", models.PROTECT, related_name="estimates")
    member = models.ForeignKey("clients.Member", models.PROTECT, related_name="estimates")
    period_start = models.DateField()
    period_end = models.DateField()
    lines_json = EncryptedTextField()
    total = models.DecimalField(**AMOUNT, validators=[MinValueValidator(0)])
    currency = models.CharField(max_length=3, default=_currency)
    issued_on = models.DateField()
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")), name="estimate_period_order"),
            models.CheckConstraint(condition=Q(total__gte=0), name="estimate_total_not_negative"),
        ]

    def __str__(self) -> str:
        return f"Estimate {self.pk}"

    @property
    def lines(self) -> list[dict]:
        return json.loads(self.lines_json)
