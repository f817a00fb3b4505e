"""Invoices and statements: gap-free numbers under concurrency, a void keeps its number, the PDFs
hold what they should (and nothing of another client), discreet wording, and who may download them.
The ageing CSV neutralises spreadsheet formulas.

Superbills and good-faith estimates (further down): what the PDF holds (CPT, place of service,
modifier, ICD-10, NPI, the client's name and birth date, fee and paid) and nothing of another client; who may download
it (the member, the unit's therapists; staff only with BILLING_STAFF_SEE_DIAGNOSIS; the other partner
404); diagnosis codes are ciphertext in the database; an estimate's receipt is recorded and audited.
"""

import csv
import io
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from billing import exports, pdf, selectors, services
from billing import superbill_services as superbills
from billing.models import GoodFaithEstimate, Invoice, MemberDiagnosis, Service, TherapistBillingProfile, validate_npi
from practice.models import AuditAction, AuditEvent
from sessions_app import services as sessions
from sessions_app.models import Appointment
from tests.billing.conftest import session
from tests.factories import ClientFactory, couple, portal_user_for
from tests.racing import at_once


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
    outcomes = at_once(
        lambda i: services.invoice_issue(client=units[i], charges=[charges[i]], by=alice.user).number, RACERS
    )
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
    # Nothing says "sex" (the unit's random reference left out: its letters could spell it).
    assert "HP Services" in text and "Harbour" not in text
    assert "sex" not in text.lower().replace(solo.reference.lower(), "")
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


def test_the_ageing_csv_neutralises_formulas(client, alice, staff_user, solo):
    charge(solo, alice.user)
    type(solo).objects.filter(pk=solo.pk).update(reference="=SUM(A1)")
    client.force_login(staff_user)
    r = client.get(reverse("billing:ageing_export"))
    assert r["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode())))
    assert rows[1][0] == "'=SUM(A1)" and rows[-1][0] == "practice"
    assert not any(cell.startswith(exports.FORMULA_STARTS) for row in rows for cell in row)


# === Superbills and good-faith estimates ===========================================================


NPI = "1234567893"  # a valid NPI (the check digit the CMS example uses)
OTHER = "ZQXOTHERCLIENT"


def pdf_text(response) -> str:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)  # one line, single spaces


@pytest.fixture
def unit(alice):
    """Alice's couple: partner A (Robin Ashdown, born 1984) was seen by video, in the office, and
    by phone, has F52.4 and Z63.0 on file and paid for one session; partner B has a portal account."""
    alice.credentials, alice.licence_number = "PhD, LMFT", "LMFT-98765"
    alice.save(update_fields=["credentials", "licence_number"])
    TherapistBillingProfile.objects.create(therapist=alice, npi=NPI, tax_id="12-3456789", address="1 Harbour Row")
    pair = couple(alice)
    first, second = pair.members.order_by("position")
    first.first_name, first.last_name, first.date_of_birth = "Robin", "Ashdown", date(1984, 5, 17)
    first.save()
    portal_user_for(first)
    portal_user_for(second)
    services.billing_party_set(client=pair, kind="member", member=first, by=alice.user)
    superbills.diagnosis_add(member=first, code="F52.4", by=alice.user)
    superbills.diagnosis_add(member=first, code="Z63.0", by=alice.user)
    MemberDiagnosis.objects.filter(member=first).update(added_at=timezone.now() - timedelta(days=30))  # since intake
    for days_ago, modality in ((20, "video"), (10, "in_person"), (5, "phone")):
        appointment = session(alice, pair, days_ago=days_ago, members=[first])
        sessions.appointment_mark(appointment=appointment, status="attended", by=alice.user)
        Appointment.objects.filter(pk=appointment.pk).update(modality=modality)
    services.payment_record(
        client=pair, amount=100, method="card", received_on=timezone.localdate(), keep_as_credit=False, by=alice.user
    )
    return pair


@pytest.fixture
def other(charlie):
    """Charlie's client, seen on the same days, with a code and a name that must never show."""
    unit = ClientFactory(primary_therapist=charlie)
    member = unit.members.get()
    member.first_name, member.last_name = OTHER, OTHER
    member.save()
    superbills.diagnosis_add(member=member, code="F65.2", by=charlie.user)
    appointment = session(charlie, unit, days_ago=10)
    sessions.appointment_mark(appointment=appointment, status="attended", by=charlie.user)
    return unit


def issue(unit, alice, member=None):
    member = member or unit.members.order_by("position").first()
    today = timezone.localdate()
    return superbills.superbill_issue(
        member=member, period_start=today - timedelta(days=30), period_end=today, by=alice.user
    )


def test_the_superbill_pdf_holds_what_an_insurer_needs_and_nothing_of_another_client(client, alice, unit, other):
    superbill = issue(unit, alice)
    client.force_login(alice.user)
    text = pdf_text(client.get(reverse("billing:superbill_pdf", args=[superbill.pk])))

    assert "Robin Ashdown" in text and "17 May 1984" in text
    assert NPI in text and "12-3456789" in text and "LMFT-98765" in text and "PhD, LMFT" in text
    assert "90791" in text and "90837" in text  # the intake, then individual sessions (the charges' codes)
    # date, CPT, service, place of service, modifier, ICD-10, fee, paid: one row per session
    assert "(intake) 10 95 F52.4, Z63.0 £150.00 £100.00" in text  # video: patient's home, modifier 95
    assert "60 minutes 11 – F52.4, Z63.0 £110.00 £0.00" in text  # the office
    assert "60 minutes 10 93 F52.4, Z63.0 £110.00 £0.00" in text  # audio only: modifier 93
    assert "F52.4" in text and "Z63.0" in text
    assert "£100.00" in text  # paid against the first session
    assert OTHER not in text and "F65.2" not in text
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT, target_id=str(superbill.pk)).exists()


def test_the_practice_may_set_place_of_service_02_for_telehealth(client, alice, unit, settings):
    settings.BILLING_TELEHEALTH_PLACE_OF_SERVICE = "02"
    client.force_login(alice.user)
    text = pdf_text(client.get(reverse("billing:superbill_pdf", args=[issue(unit, alice).pk])))
    assert "(intake) 02 95 " in text and " 10 95 " not in text


def test_a_superbill_shows_the_codes_on_file_on_each_date(client, alice, unit):
    first = unit.members.order_by("position").first()
    removed = MemberDiagnosis.objects.get(member=first, position=2)
    superbills.diagnosis_remove(diagnosis=removed, by=alice.user)
    MemberDiagnosis.objects.filter(pk=removed.pk).update(removed_at=timezone.now() - timedelta(days=15))
    client.force_login(alice.user)
    text = pdf_text(client.get(reverse("billing:superbill_pdf", args=[issue(unit, alice).pk])))
    assert "(intake) 10 95 F52.4, Z63.0 £150.00" in text  # both on file for the first session (20 days ago)
    assert "60 minutes 11 – F52.4 £110.00" in text  # Z63.0 was taken off before the later ones
    assert "60 minutes 10 93 F52.4 £110.00" in text


def test_the_member_downloads_their_own_superbill_and_the_other_partner_gets_404(client, alice, unit):
    first, second = unit.members.order_by("position")
    superbill = issue(unit, alice)
    client.force_login(first.user)
    page = client.get(reverse("portal:billing_documents"))
    assert reverse("portal:superbill_pdf", args=[superbill.pk]) in page.content.decode()
    assert "Robin Ashdown" in pdf_text(client.get(reverse("portal:superbill_pdf", args=[superbill.pk])))

    client.force_login(second.user)
    assert client.get(reverse("portal:superbill_pdf", args=[superbill.pk])).status_code == 404
    assert (
        reverse("portal:superbill_pdf", args=[superbill.pk])
        not in client.get(reverse("portal:billing_documents")).content.decode()
    )


def test_staff_see_diagnosis_on_file_but_never_the_code(client, alice, staff_user, unit):
    superbill = issue(unit, alice)
    client.force_login(staff_user)
    ledger = client.get(reverse("billing:ledger", args=[unit.pk])).content.decode()
    assert "Diagnosis on file: Robin yes" in ledger
    assert "F52.4" not in ledger and "Z63.0" not in ledger
    assert reverse("billing:diagnoses", args=[unit.pk]) not in ledger
    for url in (
        reverse("billing:diagnoses", args=[unit.pk]),
        reverse("billing:superbills", args=[unit.pk]),
        reverse("billing:superbill_pdf", args=[superbill.pk]),
    ):
        assert client.get(url).status_code == 404, url


def test_staff_with_billing_with_diagnosis_see_codes_but_cannot_choose_them(client, alice, staff_user, unit, settings):
    settings.BILLING_STAFF_SEE_DIAGNOSIS = True
    superbill = issue(unit, alice)
    client.force_login(staff_user)
    assert "F52.4" in client.get(reverse("billing:diagnoses", args=[unit.pk])).content.decode()
    assert "F52.4" in pdf_text(client.get(reverse("billing:superbill_pdf", args=[superbill.pk])))
    first = unit.members.order_by("position").first()
    r = client.post(reverse("billing:diagnoses", args=[unit.pk]), {"member": first.pk, "code": "F41.1"})
    assert r.status_code == 404
    assert MemberDiagnosis.objects.filter(member=first, removed_at__isnull=True).count() == 2


def test_another_therapist_gets_404(client, alice, charlie, unit):
    superbill = issue(unit, alice)
    client.force_login(charlie.user)
    assert client.get(reverse("billing:superbill_pdf", args=[superbill.pk])).status_code == 404
    assert client.get(reverse("billing:diagnoses", args=[unit.pk])).status_code == 404


def test_the_therapist_chooses_codes_from_the_table_and_bad_input_is_refused(client, alice, unit):
    second = unit.members.order_by("position").last()
    client.force_login(alice.user)
    url = reverse("billing:diagnoses", args=[unit.pk])
    assert client.post(url, {"member": second.pk, "code": "F52.6"}).status_code == 302
    assert [d.code for d in MemberDiagnosis.objects.filter(member=second)] == ["F52.6"]
    again = client.post(url, {"member": second.pk, "code": "F52.6"})
    assert again.status_code == 400 and "already on the list" in again.content.decode()
    unknown = client.post(url, {"member": second.pk, "code": "X99.9"})
    assert unknown.status_code == 400
    assert MemberDiagnosis.objects.filter(member=second).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, target_type="billing.memberdiagnosis").count() >= 1


def test_the_diagnosis_code_is_ciphertext_in_the_raw_table(alice, unit):
    with connection.cursor() as cursor:
        cursor.execute("SELECT code FROM billing_memberdiagnosis")
        raw = [row[0] for row in cursor.fetchall()]
    raw = [value.tobytes().decode() if isinstance(value, memoryview) else value for value in raw]
    assert len(raw) == 2
    assert all(value.startswith("gAAAA") for value in raw)
    assert not {"F52.4", "Z63.0"} & set(raw)
    assert all("F52" not in str(event) for event in AuditEvent.objects.all())


def test_an_npi_with_a_wrong_check_digit_is_refused():
    validate_npi(NPI)
    with pytest.raises(Exception, match="check digit"):
        validate_npi("1234567890")


# --- good-faith estimates ---------------------------------------------------------------------------


def test_an_estimate_pdf_holds_its_lines_and_total_and_the_member_acknowledges_receipt(client, alice, unit):
    first, second = unit.members.order_by("position")
    client.force_login(alice.user)
    today = timezone.localdate()
    form = {
        "member": first.pk,
        "period_start": today.isoformat(),
        "period_end": (today + timedelta(days=182)).isoformat(),
        "service_0": Service.objects.get(code="90837").pk,
        "quantity_0": 12,
        "service_1": Service.objects.get(code="90791").pk,
        "quantity_1": 1,
        "fee_1": "150.00",
    }
    assert client.post(reverse("billing:estimates", args=[unit.pk]), form).status_code == 302
    estimate = GoodFaithEstimate.objects.get(member=first)
    assert estimate.total == 12 * Service.objects.get(code="90837").default_fee + 150
    text = pdf_text(client.get(reverse("billing:estimate_pdf", args=[estimate.pk])))
    assert "90837" in text and " 12 " in text and "90791" in text and "£150.00" in text
    assert f"£{estimate.total:,.2f}" in text and "Robin Ashdown" in text and "No Surprises Act" in text

    client.force_login(second.user)  # the other partner: not theirs
    assert client.post(reverse("portal:estimate_acknowledge", args=[estimate.pk])).status_code == 404
    assert client.get(reverse("portal:estimate_pdf", args=[estimate.pk])).status_code == 404

    client.force_login(first.user)
    assert "I received this estimate" in client.get(reverse("portal:billing_documents")).content.decode()
    r = client.post(reverse("portal:estimate_acknowledge", args=[estimate.pk]), follow=True)
    assert "your receipt of the estimate is recorded" in r.content.decode()
    estimate.refresh_from_db()
    assert estimate.acknowledged_at is not None and estimate.acknowledged_by == first.user
    assert AuditEvent.objects.filter(
        action=AuditAction.UPDATE, target_type="billing.goodfaithestimate", target_id=str(estimate.pk), actor=first.user
    ).exists()
    twice = client.post(reverse("portal:estimate_acknowledge", args=[estimate.pk]), follow=True)
    assert "already confirmed" in twice.content.decode()
    assert "£" in pdf_text(client.get(reverse("portal:estimate_pdf", args=[estimate.pk])))


def test_an_estimate_without_lines_or_with_a_reversed_period_is_refused(client, alice, unit):
    first = unit.members.order_by("position").first()
    client.force_login(alice.user)
    today = timezone.localdate()
    url = reverse("billing:estimates", args=[unit.pk])
    empty = client.post(url, {"member": first.pk, "period_start": today, "period_end": today})
    assert empty.status_code == 400 and "at least one service" in empty.content.decode()
    reversed_period = client.post(
        url,
        {
            "member": first.pk,
            "period_start": today,
            "period_end": today - timedelta(days=1),
            "service_0": Service.objects.get(code="90837").pk,
            "quantity_0": 3,
        },
    )
    assert reversed_period.status_code == 400 and "ends before it starts" in reversed_period.content.decode()
    assert not GoodFaithEstimate.objects.exists()


def test_staff_may_issue_an_estimate_it_holds_no_diagnosis(client, staff_user, unit):
    first = unit.members.order_by("position").first()
    client.force_login(staff_user)
    today = timezone.localdate()
    form = {
        "member": first.pk,
        "period_start": today,
        "period_end": today + timedelta(days=30),
        "service_0": Service.objects.get(code="90847").pk,
        "quantity_0": 4,
    }
    assert client.post(reverse("billing:estimates", args=[unit.pk]), form).status_code == 302
    text = pdf_text(client.get(reverse("billing:estimate_pdf", args=[GoodFaithEstimate.objects.get().pk])))
    assert "90847" in text and "F52.4" not in text
