"""Superbills and good-faith estimates: what the PDF holds (CPT, place of service, modifier, ICD-10,
NPI, the client's name and birth date, fee and paid) and nothing of another client; who may download
it (the member, the unit's therapists; staff only with BILLING_STAFF_SEE_DIAGNOSIS; the other partner
404); diagnosis codes are ciphertext in the database; an estimate's receipt is recorded and audited."""

import io
from datetime import date, timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from billing import services
from billing import superbill_services as superbills
from billing.models import GoodFaithEstimate, MemberDiagnosis, Service, TherapistBillingProfile, validate_npi
from practice.models import AuditAction, AuditEvent
from sessions_app import services as sessions
from sessions_app.models import Appointment
from tests.billing.conftest import session
from tests.factories import ClientFactory, couple, portal_user_for

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
