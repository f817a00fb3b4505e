"""Writes for superbills and good-faith estimates (split from `billing.services` by subdomain): a
member's diagnosis list, issuing a superbill, issuing an estimate and its acknowledged receipt. Each
is atomic and audited; no audit row, log or exception carries a diagnosis code."""

import json
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import selectors
from billing.icd10 import CODES
from billing.models import GoodFaithEstimate, MemberDiagnosis, Service, Superbill
from billing.money import ZERO, money
from clients.models import Member
from practice.audit import audit_record
from practice.models import AuditAction, User

UNKNOWN_CODE = _("Choose a code from the practice's list.")
ALREADY_ON_FILE = _("That code is already on the list.")
ALREADY_REMOVED = _("That code was already taken off the list.")
PERIOD_ORDER = _("The period ends before it starts.")
NO_LINES = _("Add at least one service with a quantity.")
ALREADY_ACKNOWLEDGED = _("You already confirmed you received this estimate.")
MAX_LINES = 10


def _period(start: date, end: date) -> None:
    if end < start:
        raise ValidationError({"period_end": PERIOD_ORDER})


# --- diagnoses --------------------------------------------------------------------------------------


@transaction.atomic
def diagnosis_add(*, member: Member, code: str, by: User) -> MemberDiagnosis:
    if code not in CODES:
        raise ValidationError({"code": UNKNOWN_CODE})
    current = list(MemberDiagnosis.objects.select_for_update().filter(member=member, removed_at__isnull=True))
    if any(d.code == code for d in current):  # the code is encrypted: compared here, not in SQL
        raise ValidationError({"code": ALREADY_ON_FILE})
    last = MemberDiagnosis.objects.filter(member=member, removed_at__isnull=True).aggregate(m=Max("position"))["m"]
    diagnosis = MemberDiagnosis(member=member, code=code, position=(last or 0) + 1, added_by=by)
    diagnosis.full_clean()
    diagnosis.save()
    audit_record(actor=by, action=AuditAction.CREATE, target=diagnosis, client_id=member.client_id)
    return diagnosis


@transaction.atomic
def diagnosis_remove(*, diagnosis: MemberDiagnosis, by: User) -> MemberDiagnosis:
    diagnosis = MemberDiagnosis.objects.select_for_update().get(pk=diagnosis.pk)
    if diagnosis.removed_at is not None:
        raise ValidationError(ALREADY_REMOVED)
    diagnosis.removed_at = timezone.now()
    diagnosis.removed_by = by
    diagnosis.save(update_fields=["removed_at", "removed_by"])
    audit_record(actor=by, action=AuditAction.UPDATE, target=diagnosis, client_id=diagnosis.member.client_id)
    return diagnosis


# --- superbills -------------------------------------------------------------------------------------


@transaction.atomic
def superbill_issue(*, member: Member, period_start: date, period_end: date, by: User) -> Superbill:
    _period(period_start, period_end)
    superbill = Superbill(
        client=member.client, member=member, period_start=period_start, period_end=period_end, issued_by=by
    )
    superbill.full_clean()
    superbill.save()
    audit_record(actor=by, action=AuditAction.CREATE, target=superbill, client_id=member.client_id)
    return superbill


# --- good-faith estimates ---------------------------------------------------------------------------


@transaction.atomic
def estimate_issue(
    *, member: Member, period_start: date, period_end: date, lines: list[tuple[Service, int, object]], by: User
) -> GoodFaithEstimate:
    """`lines`: (service, quantity, unit fee or None for the client's fee today). The snapshot keeps
    code, name, quantity, unit fee and amount, so a later fee change never rewrites an estimate."""
    _period(period_start, period_end)
    today = selectors.today()
    therapist = member.client.primary_therapist
    snapshot, total = [], ZERO
    for service, quantity, unit_fee in lines[:MAX_LINES]:
        if not quantity:
            continue
        fee = (
            money(unit_fee) if unit_fee is not None else selectors.fee_for(service, therapist, member.client, on=today)
        )
        amount = money(fee * quantity)
        snapshot.append(
            {
                "code": service.code,
                "name": service.name,
                "quantity": quantity,
                "unit_fee": str(fee),
                "amount": str(amount),
            }
        )
        total += amount
    if not snapshot:
        raise ValidationError(NO_LINES)
    estimate = GoodFaithEstimate(
        client=member.client,
        member=member,
        period_start=period_start,
        period_end=period_end,
        lines_json=json.dumps(snapshot),
        total=money(total),
        issued_on=today,
        issued_by=by,
    )
    estimate.full_clean()
    estimate.save()
    audit_record(actor=by, action=AuditAction.CREATE, target=estimate, client_id=member.client_id)
    return estimate


@transaction.atomic
def estimate_acknowledge(*, estimate: GoodFaithEstimate, by: User) -> GoodFaithEstimate:
    """The member confirms, with one click in the portal, that they received the estimate."""
    estimate = GoodFaithEstimate.objects.select_for_update().get(pk=estimate.pk)
    if estimate.acknowledged_at is not None:
        raise ValidationError(ALREADY_ACKNOWLEDGED)
    estimate.acknowledged_at = timezone.now()
    estimate.acknowledged_by = by
    estimate.save(update_fields=["acknowledged_at", "acknowledged_by"])
    audit_record(actor=by, action=AuditAction.UPDATE, target=estimate, client_id=estimate.client_id)
    return estimate
