"""Payments and their allocation, refunds, write-offs, balances and ageing add up; bad input is
refused with a clear message and nothing half-saved; the CSV export is safe from formula injection."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from billing import exports, selectors, services
from billing.models import Allocation, Charge, Payment, Refund, Service, WriteOff
from billing.money import money
from clients.models import Client
from practice.models import AuditAction, AuditEvent
from tests.factories import ClientFactory

TODAY = date(2027, 3, 31)
D = Decimal


@pytest.fixture
def frozen():
    with time_machine.travel("2027-03-31 12:00Z", tick=False):
        yield TODAY


def charge(unit, by, *, on=TODAY, code="90837"):
    return services.charge_create(client=unit, service=Service.objects.get(code=code), on=on, by=by.user)


def pay(unit, by, amount, **kwargs):
    kwargs.setdefault("received_on", TODAY)
    return services.payment_record(client=unit, amount=amount, method="card", by=by.user, **kwargs)


def allocated(c):
    return sum((a.amount for a in Allocation.objects.filter(charge=c, released_at=None)), D(0))


def test_a_payment_is_applied_oldest_first(frozen, alice, solo):
    old, new = charge(solo, alice, on=TODAY - timedelta(days=40)), charge(solo, alice)
    payment = pay(solo, alice, "150")
    assert (allocated(old), allocated(new)) == (D("110.00"), D("40.00"))
    assert selectors.balance(solo) == D("70.00")
    assert AuditEvent.objects.filter(action=AuditAction.PAYMENT_RECORDED, target_id=str(payment.pk)).exists()


def test_a_payment_goes_to_the_charges_chosen_first(frozen, alice, solo):
    old, new = charge(solo, alice, on=TODAY - timedelta(days=40)), charge(solo, alice)
    pay(solo, alice, "110", charges=[new])
    assert (allocated(old), allocated(new)) == (D("0"), D("110.00"))


def test_more_than_the_balance_is_refused_unless_kept_as_credit(frozen, alice, solo):
    charge(solo, alice)
    with pytest.raises(ValidationError, match="more than the open balance"):
        pay(solo, alice, "200")
    assert not Payment.objects.exists()
    pay(solo, alice, "200", keep_as_credit=True)
    account = selectors.account(solo)
    assert (account.balance, account.credit) == (D("-90.00"), D("90.00"))


def test_credit_pays_the_next_charge(frozen, alice, solo):
    pay(solo, alice, "50", keep_as_credit=True)
    new = charge(solo, alice)
    assert allocated(new) == D("50.00")
    assert selectors.account(solo).credit == D("0.00")


def test_voiding_a_paid_charge_turns_its_payment_into_credit(frozen, alice, solo):
    paid = charge(solo, alice)
    pay(solo, alice, "110")
    services.charge_void(charge=paid, reason="Charged in error", by=alice.user)
    assert selectors.account(solo).credit == D("110.00")
    assert Allocation.objects.get().released_at is not None  # kept, marked released


def test_a_refund_comes_from_credit_and_never_more(frozen, alice, solo):
    pay(solo, alice, "30", keep_as_credit=True)
    with pytest.raises(ValidationError, match="credit on the account"):
        services.refund_record(client=solo, amount="31", method="cash", refunded_on=TODAY, reason="x", by=alice.user)
    refund = services.refund_record(
        client=solo, amount="30", method="cash", refunded_on=TODAY, reason="Moved away", by=alice.user
    )
    assert selectors.balance(solo) == D("0.00")
    assert AuditEvent.objects.filter(action=AuditAction.REFUND_RECORDED, target_id=str(refund.pk)).exists()


def test_a_write_off_is_at_most_what_is_unpaid(frozen, alice, solo):
    c = charge(solo, alice)
    pay(solo, alice, "100")
    with pytest.raises(ValidationError, match=r"Only £10\.00 of this charge is unpaid"):
        services.write_off_record(charge=c, amount="11", written_off_on=TODAY, reason="Hardship", by=alice.user)
    services.write_off_record(charge=c, amount="10", written_off_on=TODAY, reason="Hardship", by=alice.user)
    assert selectors.balance(solo) == D("0.00")
    assert AuditEvent.objects.filter(action=AuditAction.WRITE_OFF_RECORDED).count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"amount": "-5"}, "more than zero"),
        ({"amount": "0"}, "more than zero"),
        ({"amount": "12.345"}, "two decimal places"),
        ({"received_on": "2027-04-01"}, "date in the future"),
        ({"amount": "500"}, "more than the open balance"),
    ],
)
def test_bad_payments_get_a_clear_message_and_nothing_is_saved(client, frozen, alice, solo, data, message):
    charge(solo, alice)
    client.force_login(alice.user)
    sent = {"amount": "50", "method": "cash", "received_on": "2027-03-31", **data}
    r = client.post(reverse("billing:payment_record", args=[solo.pk]), sent)
    assert r.status_code == 400
    assert message in r.content.decode()
    assert not Payment.objects.exists() and not Allocation.objects.exists()


def test_a_payment_recorded_on_the_page(client, frozen, alice, solo):
    charge(solo, alice)
    client.force_login(alice.user)
    sent = {"amount": "110", "method": "bank_transfer", "received_on": "2027-03-30", "reference": "REF 7"}
    r = client.post(reverse("billing:payment_record", args=[solo.pk]), sent, follow=True)
    assert "Payment recorded." in r.content.decode()
    assert (Payment.objects.get().reference, selectors.balance(solo)) == ("REF 7", D("0.00"))


def test_ageing_buckets_per_client_and_for_the_practice(frozen, alice, staff_user, solo):
    other = ClientFactory(primary_therapist=alice)
    for days in (0, 30, 31, 60, 61, 90, 91, 400):
        charge(solo, alice, on=TODAY - timedelta(days=days), code="90834")  # 90.00 each
    charge(other, alice, on=TODAY - timedelta(days=10))
    pay(solo, alice, "100")  # pays the 400-day charge and 10.00 of the 91-day one
    rows, totals = selectors.ageing(user=staff_user)
    by_ref = {row.client.reference: row for row in rows}
    assert by_ref[solo.reference].buckets == {"0-30": D("180"), "31-60": D("180"), "61-90": D("180"), "90+": D("80")}
    assert by_ref[solo.reference].balance == D("620.00")
    assert totals == {"0-30": D("290"), "31-60": D("180"), "61-90": D("180"), "90+": D("80")}
    assert selectors.client_ageing(solo) == by_ref[solo.reference].buckets


def test_ageing_takes_a_fixed_number_of_queries(frozen, alice, staff_user, django_assert_max_num_queries):
    for _ in range(12):
        charge(ClientFactory(primary_therapist=alice), alice)
    with django_assert_max_num_queries(2):
        rows, _totals = selectors.ageing(user=staff_user)
    assert len(rows) == 12


def test_a_therapist_sees_only_their_clients_balances(frozen, alice, charlie, solo):
    charge(solo, alice)
    charge(ClientFactory(primary_therapist=charlie), charlie)
    assert [row.client for row in selectors.ageing(user=alice.user)[0]] == [solo]


# --- the property ------------------------------------------------------------------------------------

amounts = st.decimals(min_value=D("0.01"), max_value=D("500"), places=2)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("charge"), st.sampled_from(["90834", "90837", "90847", "WORKSHOP"]), st.integers(0, 200)),
        st.tuples(st.just("pay"), amounts, st.booleans()),
        st.tuples(st.just("refund"), amounts),
        st.tuples(st.just("write_off"), amounts, st.integers(0, 20)),
        st.tuples(st.just("void"), st.integers(0, 20)),
    ),
    max_size=12,
)


def _step(unit, alice, step) -> None:
    kind = step[0]
    if kind == "charge":
        charge(unit, alice, code=step[1], on=TODAY - timedelta(days=step[2]))
    elif kind == "pay":
        pay(unit, alice, step[1], keep_as_credit=step[2])
    elif kind == "refund":
        services.refund_record(client=unit, amount=step[1], method="cash", refunded_on=TODAY, reason="r", by=alice.user)
    else:
        charges = list(Charge.objects.filter(client=unit, status="open"))
        if not charges:
            return
        target = charges[step[-1] % len(charges)]
        if kind == "void":
            services.charge_void(charge=target, reason="v", by=alice.user)
        else:
            services.write_off_record(charge=target, amount=step[1], written_off_on=TODAY, reason="w", by=alice.user)


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequence=steps)
def test_the_balance_is_charges_minus_payments_minus_write_offs_plus_refunds(frozen, alice, sequence):
    with transaction.atomic():
        unit = Client.objects.get(pk=ClientFactory(primary_therapist=alice).pk)
        for step in sequence:
            try:
                with transaction.atomic():
                    _step(unit, alice, step)
            except ValidationError:
                pass  # refused (more than the balance, the credit or what is unpaid): nothing saved
        open_charges = Charge.objects.filter(client=unit, status="open")
        charged = sum((c.amount for c in open_charges), D(0))
        paid = sum((p.amount for p in Payment.objects.filter(client=unit)), D(0))
        refunded = sum((r.amount for r in Refund.objects.filter(client=unit)), D(0))
        written = sum((w.amount for w in WriteOff.objects.filter(client=unit, charge__status="open")), D(0))
        account = selectors.account(unit)
        assert account.balance == money(charged - paid - written + refunded)
        in_sql = selectors._client_sums(Client.objects.filter(pk=unit.pk)).values(
            "charged", "paid", "refunded", "written_off", "balance", "credit"
        )[0]
        assert {name: getattr(account, name) for name in in_sql} == {k: money(v) for k, v in in_sql.items()}
        outstanding = sum((c.outstanding for c in selectors.open_charges(unit)), D(0))
        assert outstanding - account.credit == account.balance
        assert account.credit >= 0 and all(c.outstanding >= 0 for c in selectors.open_charges(unit))
        assert sum(selectors.client_ageing(unit).values(), D(0)) == outstanding
        transaction.set_rollback(True)


# --- CSV --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_that_a_spreadsheet_would_run_is_made_text(start):
    assert exports.safe_cell(f"{start}HYPERLINK(1)") == f"'{start}HYPERLINK(1)"
    assert exports.safe_cell("C-ABC234") == "C-ABC234"
