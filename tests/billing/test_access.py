"""Who reaches which ledger: every billing URL is in the project-wide sweep; another therapist, a
client, the partner who does not pay and a stranger get 404; staff see money and no clinical text."""

from datetime import date

import pytest
from django.urls import reverse

from billing import services
from billing.models import Payment, Service
from clients.models import IntakeResponse, Note
from tests.billing.conftest import session
from tests.factories import ClientFactory, couple, portal_user_for
from tests.test_access_sweep_all import DIAGNOSIS, ENTITLED, REGISTRY, id_routes

CLINICAL = "MARKER-CLINICAL-erectile-difficulty"


@pytest.fixture
def unit(alice):
    """A couple of Alice's with a charge, a note and an intake answer; partner A pays."""
    pair = couple(alice)
    first, second = pair.members.order_by("position")
    portal_user_for(first)
    portal_user_for(second)
    services.billing_party_set(client=pair, kind="member", member=first, by=alice.user)
    services.charge_create(client=pair, service=Service.objects.get(code="90847"), on=date.today(), by=alice.user)
    Note.objects.create(client=pair, author=alice, body=CLINICAL)
    IntakeResponse.objects.create(member=second, status="submitted", hopes=CLINICAL)
    return pair


def test_every_billing_url_with_an_id_is_in_the_access_sweep_and_staff_are_entitled():
    billing = {name for name in id_routes() if name.startswith("billing:")}
    assert billing and billing <= set(REGISTRY)
    assert billing - DIAGNOSIS <= ENTITLED["staff"]
    assert not DIAGNOSIS & ENTITLED["staff"]  # codes are clinical (tests/billing/test_superbills.py)
    assert not billing & ENTITLED.get("charlie", set())


def test_the_treating_therapist_sees_the_ledger(client, alice, unit):
    client.force_login(alice.user)
    r = client.get(reverse("billing:ledger", args=[unit.pk]))
    assert r.status_code == 200
    assert "£130.00 owed" in r.content.decode()


@pytest.mark.parametrize("name", ["billing:ledger", "billing:payment_record", "billing:refund_record"])
def test_another_therapist_gets_404(client, charlie, unit, name):
    client.force_login(charlie.user)
    assert client.get(reverse(name, args=[unit.pk])).status_code in (404, 405)
    assert client.post(reverse(name, args=[unit.pk]), {"amount": "10"}).status_code in (404, 405)
    assert not Payment.objects.exists()


def test_a_client_and_a_stranger_get_404_on_the_practice_pages(client, alice, unit):
    stranger = portal_user_for(ClientFactory(primary_therapist=alice).members.get())
    for user in (unit.members.get(position=1).user, stranger):
        client.force_login(user)
        assert client.get(reverse("billing:ledger", args=[unit.pk])).status_code == 404
        assert client.get(reverse("billing:overview")).status_code == 404


def test_staff_see_money_but_no_clinical_text(client, staff_user, unit):
    client.force_login(staff_user)
    for url in (reverse("billing:ledger", args=[unit.pk]), reverse("billing:overview")):
        body = client.get(url).content.decode()
        assert "£130.00" in body
        assert CLINICAL not in body


def test_the_billing_party_sees_the_ledger_in_the_portal_and_the_other_partner_gets_404(client, unit):
    payer, other = unit.members.order_by("position")
    client.force_login(payer.user)
    r = client.get(reverse("portal:billing"))
    assert r.status_code == 200 and "£130.00 owed" in r.content.decode()
    assert "Charges and payments" in client.get(reverse("portal:home")).content.decode()
    client.force_login(other.user)
    assert client.get(reverse("portal:billing")).status_code == 404
    assert "Charges and payments" not in client.get(reverse("portal:home")).content.decode()


def test_when_both_share_both_partners_see_it_and_a_third_party_payer_leaves_it_to_the_practice(client, alice, unit):
    services.billing_party_set(client=unit, kind="split", share_percent="60", by=alice.user)
    for member in unit.members.all():
        client.force_login(member.user)
        assert client.get(reverse("portal:billing")).status_code == 200
    services.billing_party_set(client=unit, kind="third_party", third_party_name="An employer", by=alice.user)
    assert client.get(reverse("portal:billing")).status_code == 404


def test_with_nobody_chosen_an_individual_pays_and_a_couples_charges_reach_neither_portal(client, alice):
    individual = ClientFactory(primary_therapist=alice).members.get()
    client.force_login(portal_user_for(individual))
    assert client.get(reverse("portal:billing")).status_code == 200
    assert "Charges and payments" in client.get(reverse("portal:home")).content.decode()
    for member in couple(alice).members.all():
        client.force_login(portal_user_for(member))
        assert client.get(reverse("portal:billing")).status_code == 404
        assert "Charges and payments" not in client.get(reverse("portal:home")).content.decode()


def test_a_stranger_gets_404_in_the_portal(client, alice):
    client.force_login(portal_user_for(couple(alice).members.get(position=2)))
    assert client.get(reverse("portal:billing")).status_code == 404
    client.logout()
    assert client.get(reverse("portal:billing")).status_code == 302  # to sign in


def test_the_session_page_shows_the_service_and_the_client_page_the_balance(client, alice, unit):
    appointment = session(alice, unit)
    client.force_login(alice.user)
    page = client.get(reverse("sessions_app:appointment", args=[appointment.pk])).content.decode()
    assert "Charged as 90791" in page
    detail = client.get(reverse("clients:detail", args=[unit.pk])).content.decode()
    assert "£130.00 owed" in detail and reverse("billing:ledger", args=[unit.pk]) in detail
    assert reverse("billing:overview") in detail  # the navigation's Billing link


def test_who_pays_is_chosen_on_the_ledger_and_bad_input_is_refused(client, alice, unit):
    client.force_login(alice.user)
    url = reverse("billing:party_set", args=[unit.pk])
    r = client.post(url, {"kind": "third_party", "third_party_name": ""})
    assert r.status_code == 400 and "Name the third party" in r.content.decode()
    r = client.post(url, {"kind": "split", "share_percent": "70"}, follow=True)
    assert "both partners (70% and 30%)" in r.content.decode()


def test_the_right_of_access_export_holds_the_ledger_for_the_billing_party_only(alice):
    from clients.export import client_record_export

    pair = couple(alice)
    payer, other = pair.members.order_by("position")
    services.billing_party_set(client=pair, kind="member", member=payer, by=alice.user)
    fee = Service.objects.get(code="WORKSHOP")
    charge = services.charge_create(client=pair, service=fee, on=date.today(), by=alice.user)
    services.payment_record(client=pair, amount=charge.amount, method="card", received_on=date.today(), by=alice.user)

    def export(member):
        return client_record_export(client=pair, therapist=alice, include_psychotherapy=False, member=member)

    ledger = export(payer)["billing"]
    assert [c["amount"] for c in ledger["charges"]] == [str(charge.amount)]
    assert [(p["amount"], p["method"]) for p in ledger["payments"]] == [(str(charge.amount), "card")]
    assert "billing" not in export(other)  # the account is the billing party's, not the partner's
    assert export(None)["billing"]["charges"]  # the whole unit's record has it


def test_money_events_are_audited_with_their_ids_and_amounts(alice):
    from decimal import Decimal

    from practice.models import AuditEvent

    unit = ClientFactory(primary_therapist=alice)
    charge = services.charge_create(
        client=unit, service=Service.objects.get(code="WORKSHOP"), on=date.today(), by=alice.user
    )
    payment = services.payment_record(
        client=unit, amount=Decimal("20.00"), method="cash", received_on=date.today(), by=alice.user
    )
    rows = {(e.action, e.target_id): e.amount for e in AuditEvent.objects.filter(client_id=unit.pk)}
    assert rows[("charge_created", str(charge.pk))] == charge.amount
    assert rows[("payment_recorded", str(payment.pk))] == Decimal("20.00")
