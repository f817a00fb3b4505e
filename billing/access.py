"""Who may load which ledger. The only road to billing objects from a URL; every refusal is 404.

- a therapist: the ledgers of the units they treat (primary or co-therapist);
- staff: every unit's ledger (money is their work), never clinical text: billing pages hold none;
- a client: only their own unit's ledger in the portal, and only while they are its billing party
  (the other partner of a couple who does not pay sees nothing of it);
- anyone else, or a guessed id: 404.

Diagnoses and superbills are clinical (ICD-10 codes): the unit's therapists, and staff only when the
practice grants billing-with-diagnosis (`BILLING_STAFF_SEE_DIAGNOSIS`); in the portal, a member's
own superbills only (the other partner gets 404). Good-faith estimates hold services and fees, no
diagnosis: the unit's therapists and staff, and in the portal the member they were given to.
"""

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404

from billing import selectors
from billing.models import Charge, GoodFaithEstimate, Invoice, MemberDiagnosis, Superbill
from clients.access import get_client_for_user, get_portal_member
from clients.models import Client, Member
from practice.models import User
from sessions_app.access import get_appointment_for_user
from sessions_app.models import Appointment


def get_client_for_billing(user: User, client_id: int) -> Client:
    """The unit if `user` may see its money: its therapists, and staff (`clinical=False`)."""
    return get_client_for_user(user, client_id, clinical=False)


def get_charge_for_user(user: User, charge_id: int) -> Charge:
    charge = get_object_or_404(Charge.objects.select_related("client", "service"), pk=charge_id)
    get_client_for_billing(user, charge.client_id)
    return charge


def get_appointment_for_billing(user: User, appointment_id: int) -> Appointment:
    """A session whose service may be chosen: the session's therapists and staff."""
    return get_appointment_for_user(user, appointment_id)


def get_portal_billing_member(user: User) -> Member:
    """The signed-in client, if they are their unit's billing party."""
    member = get_portal_member(user)

    if selectors.is_billing_party(member):
        return member

    raise Http404


def get_invoice_for_user(user: User, invoice_id: int) -> Invoice:
    """An invoice of a unit whose money `user` may see (its therapists, staff)."""
    invoice = get_object_or_404(Invoice.objects.select_related("client"), pk=invoice_id)
    get_client_for_billing(user, invoice.client_id)
    return invoice


def get_portal_invoice(user: User, invoice_id: int) -> Invoice:
    """An invoice of the signed-in client's unit, if they are its billing party."""
    member = get_portal_billing_member(user)
    return get_object_or_404(Invoice.objects.select_related("client"), pk=invoice_id, client_id=member.client_id)


def staff_see_diagnosis(user: User) -> bool:
    return user.is_practice_staff and settings.BILLING_STAFF_SEE_DIAGNOSIS


def get_client_for_diagnosis(user: User, client_id: int) -> Client:
    """The unit if `user` may see its diagnosis codes: its therapists, staff only with the setting."""
    client = get_client_for_user(user, client_id, clinical=False)

    if user.is_therapist:  # get_client_for_user let a therapist through only for their own units
        return client
    if staff_see_diagnosis(user):
        return client

    raise Http404


def get_member_for_diagnosis(user: User, client_id: int, member_id: int) -> Member:
    client = get_client_for_diagnosis(user, client_id)
    return get_object_or_404(Member.objects.select_related("client"), pk=member_id, client=client)


def get_diagnosis_for_therapist(user: User, diagnosis_id: int) -> MemberDiagnosis:
    """A code on a list, to take off: the unit's therapists only (staff never choose codes)."""
    diagnosis = get_object_or_404(MemberDiagnosis.objects.select_related("member__client"), pk=diagnosis_id)
    get_client_for_user(user, diagnosis.member.client_id)
    return diagnosis


def get_superbill_for_user(user: User, superbill_id: int) -> Superbill:
    superbill = get_object_or_404(Superbill.objects.select_related("member__client"), pk=superbill_id)
    get_client_for_diagnosis(user, superbill.client_id)
    return superbill


def get_estimate_for_user(user: User, estimate_id: int) -> GoodFaithEstimate:
    estimate = get_object_or_404(GoodFaithEstimate.objects.select_related("member__client"), pk=estimate_id)
    get_client_for_billing(user, estimate.client_id)
    return estimate


def get_portal_superbill(user: User, superbill_id: int) -> Superbill:
    """The signed-in member's own superbill; another member's (the other partner's too) is 404."""
    member = get_portal_member(user)
    return get_object_or_404(Superbill.objects.select_related("member__client"), pk=superbill_id, member=member)


def get_portal_estimate(user: User, estimate_id: int) -> GoodFaithEstimate:
    member = get_portal_member(user)
    return get_object_or_404(GoodFaithEstimate.objects.select_related("member__client"), pk=estimate_id, member=member)
