"""Who may load which ledger. The only road to billing objects from a URL; every refusal is 404.

- a therapist: the ledgers of the units they treat (primary or co-therapist);
- staff: every unit's ledger (money is their work), never clinical text: billing pages hold none;
- a client: only their own unit's ledger in the portal, and only while they are its billing party
  (the other partner of a couple who does not pay sees nothing of it);
- anyone else, or a guessed id: 404.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404

from billing import selectors
from billing.models import Charge, Invoice
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
