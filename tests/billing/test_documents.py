"""Invoices and statements: gap-free numbers under concurrency, a void keeps its number, the PDFs
hold what they should (and nothing of another client), discreet wording, and who may download them.
(The CSV export's formula neutralising is tested in test_ledger.py.)"""

import io
import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connections
from django.urls import reverse
from pypdf import PdfReader

from billing import pdf, selectors, services
from billing.models import Invoice, Service
from tests.factories import ClientFactory, couple, portal_user_for


def text_of(data: bytes) -> str:
    """The PDF's text with its line breaks as spaces (a long name may wrap)."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def charge(unit, by, *, code="WORKSHOP", days_ago=3):
    on = selectors.today() - timedelta(days=days_ago)
    return services.charge_create(client=unit, service=Service.objects.get(code=code), on=on, by=by)


def named(unit, first, last):
    member = unit.members.order_by("position").first()
    member.first_name, member.last_name = first, last
    member.save(update_fields=["first_name", "last_name"])
    return member


RACERS = 20


@pytest.mark.django_db(transaction=True)
def test_invoice_numbers_have_no_gaps_under_concurrency(alice):
    """20 threads, each with its own database connection, issue invoices at once (for 20 clients, so
    only the counter row orders them): the numbers are exactly 1..20, none twice, none missing."""
    units = [ClientFactory(primary_therapist=alice) for _ in range(RACERS)]
    charges = [charge(unit, alice.user) for unit in units]
    barrier = threading.Barrier(RACERS)
    outcomes = [None] * RACERS

    def run(i):
        try:
            barrier.wait(timeout=30)
            outcomes[i] = services.invoice_issue(client=units[i], charges=[charges[i]], by=alice.user).number
        except Exception as exc:  # noqa: BLE001 - anything else is the failure this test looks for
            outcomes[i] = f"error: {type(exc).__name__}: {exc}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(outcomes) == list(range(1, RACERS + 1)), outcomes
    assert sorted(Invoice.objects.values_list("number", flat=True)) == list(range(1, RACERS + 1))


def test_a_voided_invoice_keeps_its_number_and_the_next_one_continues(alice, solo):
    first = services.invoice_issue(client=solo, charges=[charge(solo, alice.user)], by=alice.user)
    services.invoice_void(invoice=first, reason="Issued to the wrong address", by=alice.user)
    again = services.invoice_issue(client=solo, charges=[line.charge for line in first.lines.all()], by=alice.user)
    first.refresh_from_db()
    assert (first.status, first.label) == ("void", f"INV-{first.number:06d}")
    assert again.number == first.number + 1
    assert Invoice.objects.count() == 2


def test_a_charge_is_on_at_most_one_live_invoice_and_a_failed_issue_uses_no_number(alice, solo):
    fee = charge(solo, alice.user)
    first = services.invoice_issue(client=solo, charges=[fee], by=alice.user)
    with pytest.raises(ValidationError):
        services.invoice_issue(client=solo, charges=[fee], by=alice.user)
    second = services.invoice_issue(client=solo, charges=[charge(solo, alice.user)], by=alice.user)
    assert second.number == first.number + 1


def test_a_period_invoice_takes_the_open_charges_dated_in_it(alice, solo):
    inside, older = charge(solo, alice.user, days_ago=2), charge(solo, alice.user, days_ago=40)
    today = selectors.today()
    invoice = services.invoice_issue(client=solo, period=(today - timedelta(days=7), today), by=alice.user)
    assert [line.charge_id for line in invoice.lines.all()] == [inside.pk]
    assert older.pk in {c.pk for c in selectors.uninvoiced_charges(solo)}


def test_the_invoice_pdf_holds_number_lines_total_and_practice_and_nothing_of_another_client(alice, settings):
    settings.PRACTICE_NAME = "Harbour Specialty Practice"
    settings.PRACTICE_ADDRESS = "1 Quay Street\nPortsmouth"
    unit, other = ClientFactory(primary_therapist=alice), ClientFactory(primary_therapist=alice)
    named(unit, "Quillon", "Paymaster")
    named(other, "Zanzibar", "Othermarker")
    mine = [charge(unit, alice.user, code="90837"), charge(unit, alice.user, code="LATE-CANCEL", days_ago=1)]
    theirs = charge(other, alice.user, code="NO-SHOW")
    services.invoice_issue(client=other, charges=[theirs], by=alice.user)
    invoice = services.invoice_issue(client=unit, charges=mine, by=alice.user)
    text = text_of(pdf.invoice_pdf(invoice))
    assert invoice.label in text and "Harbour Specialty Practice" in text and "Portsmouth" in text
    assert "Quillon Paymaster" in text
    assert "Consultation, 60 minutes" in text and "Late-cancellation fee" in text
    assert "£165.00" in text  # 110 + 55
    assert "psychotherapy" not in text.lower() and "90837" not in text
    assert "Zanzibar" not in text and "Othermarker" not in text and other.reference not in text
    assert "Missed-appointment" not in text


def test_a_discreet_member_gets_the_practice_discreet_name_and_never_the_specialty(alice, solo, settings):
    settings.PRACTICE_NAME = "Harbour Sex Therapy"
    settings.PRACTICE_DISCREET_NAME = "HP Services"
    member = solo.members.get()
    member.discreet_wording = True
    member.save(update_fields=["discreet_wording"])
    invoice = services.invoice_issue(client=solo, charges=[charge(solo, alice.user, code="90834")], by=alice.user)
    text = text_of(pdf.invoice_pdf(invoice))
    assert "HP Services" in text and "Harbour" not in text and "sex" not in text.lower()
    settings.BILLING_SHOW_SPECIALTY = True
    assert "Individual psychotherapy, 45 minutes" in text_of(pdf.invoice_pdf(invoice))


def test_the_statement_closing_balance_equals_the_ledger_balance(alice, solo, staff_user):
    first, second = charge(solo, alice.user, code="90837", days_ago=40), charge(solo, alice.user, days_ago=5)
    services.payment_record(
        client=solo, amount="80.00", method="cash", received_on=selectors.today() - timedelta(days=20), by=staff_user
    )
    services.write_off_record(
        charge=second, amount="10.00", written_off_on=selectors.today(), reason="Goodwill", by=staff_user
    )
    today = selectors.today()
    statement = selectors.statement(solo, start=today - timedelta(days=30), end=today)
    assert statement.opening == first.amount  # the 40-day-old charge, before the period
    assert statement.closing == selectors.balance(solo)
    text = text_of(pdf.statement_pdf(statement, billed=selectors.billed_to(solo)))
    assert "Opening balance" in text and "£110.00" in text
    assert f"Closing balance £{selectors.balance(solo):,.2f}" in text


def test_therapist_downloads_issues_and_staff_downloads(client, alice, solo, staff_user):
    fee = charge(solo, alice.user)
    client.force_login(alice.user)
    response = client.post(reverse("billing:invoice_issue", args=[solo.pk]), {"charges": [fee.pk]})
    assert response.status_code == 302
    invoice = Invoice.objects.get()
    page = client.get(reverse("billing:ledger", args=[solo.pk])).content.decode()
    assert invoice.label in page and "Download statement" in page
    refused = client.post(reverse("billing:invoice_issue", args=[solo.pk]), {})
    assert refused.status_code == 400 and "Choose the charges to invoice" in refused.content.decode()
    client.force_login(staff_user)
    download = client.get(reverse("billing:invoice_download", args=[invoice.pk]))
    assert download["Content-Type"] == "application/pdf" and invoice.label in text_of(download.content)
    today = selectors.today()
    statement = client.get(reverse("billing:statement_download", args=[solo.pk]), {"start": today, "end": today})
    assert statement["Content-Type"] == "application/pdf"


def test_the_billing_party_downloads_in_the_portal_and_others_get_404(client, alice, charlie):
    unit = couple(alice)
    payer, partner = unit.members.order_by("position")
    services.billing_party_set(client=unit, kind="member", member=payer, by=alice.user)
    invoice = services.invoice_issue(client=unit, charges=[charge(unit, alice.user)], by=alice.user)
    stranger_unit = ClientFactory(primary_therapist=charlie)
    urls = [reverse("portal:billing_invoice", args=[invoice.pk]), reverse("portal:billing_statement")]
    today = {"start": selectors.today() - timedelta(days=30), "end": selectors.today()}

    client.force_login(portal_user_for(payer))
    assert invoice.label in client.get(reverse("portal:billing")).content.decode()
    for url in urls:
        assert client.get(url, today)["Content-Type"] == "application/pdf"

    client.force_login(portal_user_for(partner))  # the partner who does not pay
    for url in urls:
        assert client.get(url, today).status_code == 404
    client.force_login(portal_user_for(stranger_unit.members.get()))  # another client: their own account only
    assert client.get(urls[0]).status_code == 404
    assert payer.last_name not in text_of(client.get(urls[1], today).content)

    client.force_login(charlie.user)
    for url in (
        reverse("billing:invoice_download", args=[invoice.pk]),
        reverse("billing:statement_download", args=[unit.pk]),
    ):
        assert client.get(url, today).status_code == 404
