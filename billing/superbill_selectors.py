"""Reads for superbills and good-faith estimates: a member's diagnosis list, a superbill's lines and
the PDFs (rendered by `practice.pdf.render_pdf`, the one PDF helper, which fetches nothing).

A superbill line is one open CPT charge of the member's unit, dated in the period, for a session the
member attended (or billed to the member): the date, the CPT code, the place of service (11 in the
office; a telehealth session `BILLING_TELEHEALTH_PLACE_OF_SERVICE`, 10 the patient's home by default,
or 02 elsewhere), the modifier (95 for a video session, 93 for audio only), the ICD-10 codes on the
member's list on that date, the fee and what has been paid against it.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import Q

from billing import selectors
from billing.icd10 import title
from billing.models import Charge, GoodFaithEstimate, MemberDiagnosis, Service, Superbill, TherapistBillingProfile
from billing.money import ZERO, format_money, money
from clients.models import Member
from practice.models import Therapist
from practice.pdf import render_pdf
from sessions_app.models import Modality

OFFICE = "11"
MODIFIERS = {Modality.VIDEO: "95", Modality.PHONE: "93"}


def open_diagnoses(member: Member) -> list[MemberDiagnosis]:
    return list(MemberDiagnosis.objects.filter(member=member, removed_at__isnull=True).order_by("position", "id"))


def diagnosis_on_file(members) -> dict[int, bool]:
    """For staff: whether each member has a code on file (yes/no), without reading any code."""
    ids = [m.pk for m in members]
    found = set(
        MemberDiagnosis.objects.filter(member_id__in=ids, removed_at__isnull=True).values_list("member_id", flat=True)
    )
    return {pk: pk in found for pk in ids}


def place_of_service(modality: str | None) -> tuple[str, str]:
    """(place of service, modifier) for a session's modality; a charge without a session: the office."""
    if modality in MODIFIERS:
        return settings.BILLING_TELEHEALTH_PLACE_OF_SERVICE, MODIFIERS[modality]
    return OFFICE, ""


@dataclass(frozen=True)
class SuperbillLine:
    on: date
    code: str
    service: str
    place: str
    modifier: str
    diagnoses: list[str]
    fee: Decimal
    paid: Decimal


def superbill_lines(member: Member, start: date, end: date) -> list[SuperbillLine]:
    attended = Q(appointment__attendances__member=member) | Q(appointment__isnull=True, member=member)
    charges = (
        Charge.objects.filter(
            attended,
            client_id=member.client_id,
            status=Charge.Status.OPEN,
            service__kind=Service.Kind.CPT,
            charged_on__gte=start,
            charged_on__lte=end,
        )
        .select_related("service", "appointment")
        .annotate(paid=selectors._allocated())
        .order_by("charged_on", "id")
        .distinct()
    )
    history = list(MemberDiagnosis.objects.filter(member=member).order_by("position", "id"))
    lines = []
    for charge in charges:
        place, modifier = place_of_service(charge.appointment.modality if charge.appointment else None)
        codes = [d.code for d in history if d.on_file_on(charge.charged_on)]
        lines.append(
            SuperbillLine(
                on=charge.charged_on,
                code=charge.service.code,
                service=charge.service.name,
                place=place,
                modifier=modifier,
                diagnoses=codes,
                fee=money(charge.amount),
                paid=money(charge.paid),
            )
        )
    return lines


def provider(therapist: Therapist | None) -> dict:
    """The therapist's and the practice's details for a document (the profile's, else the practice's)."""
    profile = TherapistBillingProfile.objects.filter(therapist=therapist).first() if therapist else None
    return {
        "practice_name": settings.PRACTICE_NAME,
        "practice_address": settings.PRACTICE_ADDRESS,
        "therapist": therapist,
        "npi": (profile and profile.npi) or settings.PRACTICE_NPI,
        "tax_id": (profile and profile.tax_id) or settings.PRACTICE_TAX_ID,
        "address": (profile and profile.address) or settings.PRACTICE_ADDRESS,
    }


def superbill_context(superbill: Superbill) -> dict:
    member = superbill.member
    lines = superbill_lines(member, superbill.period_start, superbill.period_end)
    used = sorted({code for line in lines for code in line.diagnoses})
    return {
        "superbill": superbill,
        "member": member,
        "lines": lines,
        "diagnoses": [(code, title(code)) for code in used],
        "total_fee": format_money(sum((line.fee for line in lines), ZERO)),
        "total_paid": format_money(sum((line.paid for line in lines), ZERO)),
        **provider(member.client.primary_therapist),
    }


def superbill_pdf(superbill: Superbill) -> bytes:
    return render_pdf("billing/superbill_pdf.html", superbill_context(superbill))


def estimate_pdf(estimate: GoodFaithEstimate) -> bytes:
    lines = [
        {**line, "unit_fee": format_money(line["unit_fee"]), "amount": format_money(line["amount"])}
        for line in estimate.lines
    ]
    context = {
        "estimate": estimate,
        "member": estimate.member,
        "lines": lines,
        "total": format_money(estimate.total),
        **provider(estimate.client.primary_therapist),
    }
    return render_pdf("billing/estimate_pdf.html", context)


def superbills_for(*, client=None, member: Member | None = None):
    rows = Superbill.objects.select_related("member").order_by("-period_end", "-id")
    return rows.filter(member=member) if member is not None else rows.filter(client=client)


def estimates_for(*, client=None, member: Member | None = None):
    rows = GoodFaithEstimate.objects.select_related("member").order_by("-issued_on", "-id")
    return rows.filter(member=member) if member is not None else rows.filter(client=client)
