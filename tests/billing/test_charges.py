"""Charges from sessions: exactly once per attended session, whatever the concurrency; a corrected
status voids and re-issues with the trail kept; late and no-show fees only through the policy gate;
fees are effective-dated and a charge keeps its amount."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.test import Client as HttpClient
from django.urls import reverse

from billing import selectors, services
from billing.models import AppointmentService, Charge, Fee, Service
from documents import services as documents
from documents.models import DocumentVersion, Signature
from practice.models import AuditAction, AuditEvent
from sessions_app import services as sessions
from sessions_app.models import Appointment
from tests.billing.conftest import session
from tests.factories import couple
from tests.racing import at_once

LATE_GATE = "tests.billing.conftest.signed_policy"


def mark(appointment, status, by):
    return sessions.appointment_mark(appointment=appointment, status=status, by=by)


def open_charges(appointment):
    return list(Charge.objects.filter(appointment=appointment, status="open"))


def test_marking_attended_makes_one_charge_at_the_fee_the_first_as_intake(alice, solo):
    first, second = session(alice, solo, days_ago=7), session(alice, solo, minutes=45)
    mark(first, "attended", alice.user)
    mark(second, "attended", alice.user)
    (intake,), (individual,) = open_charges(first), open_charges(second)
    assert (intake.service.code, intake.amount) == ("90791", Decimal("150.00"))
    assert (individual.service.code, individual.amount, individual.currency) == ("90834", Decimal("90.00"), "GBP")
    assert individual.member == solo.members.get()
    assert AuditEvent.objects.filter(action=AuditAction.CHARGE_CREATED, target_id=str(individual.pk)).count() == 1


def test_marking_attended_twice_makes_one_charge(alice, solo):
    appointment = session(alice, solo)
    mark(appointment, "attended", alice.user)
    mark(appointment, "attended", alice.user)
    assert Charge.objects.filter(appointment=appointment).count() == 1


def test_a_couple_seen_together_is_90847_and_one_partner_alone_90837(alice):
    unit = couple(alice)
    earlier = session(alice, unit, days_ago=14)  # attended before, so neither is the intake
    Appointment.objects.filter(pk=earlier.pk).update(status="attended")
    together = session(alice, unit)
    alone = session(alice, unit, days_ago=3, members=[unit.members.first()])
    mark(together, "attended", alice.user)
    mark(alone, "attended", alice.user)
    assert open_charges(together)[0].service.code == "90847"
    assert open_charges(alone)[0].service.code == "90837"


def test_cancelled_in_time_makes_no_charge(alice, solo):
    appointment = session(alice, solo)
    sessions.appointment_cancel(appointment=appointment, by=alice.user, via="calendar", late=False, notify=False)
    assert not Charge.objects.exists()


def sign_financial_policy(member):
    version = DocumentVersion.objects.filter(template__kind="financial", template__active=True).order_by("-number")[0]
    return Signature.objects.create(
        version=version,
        client_id=member.client_id,
        member=member,
        signed_name=member.full_name,
        recorded_by=member.client.primary_therapist.user,
        method=Signature.Method.PAPER,
    )


def late_and_missed(alice, solo, weeks_ago=0):
    late = session(alice, solo, days_ago=7 * weeks_ago)
    missed = session(alice, solo, days_ago=7 * weeks_ago + 1)
    sessions.appointment_cancel(appointment=late, by=alice.user, via="calendar", late=True, notify=False)
    mark(missed, "no_show", alice.user)
    return late, missed


def test_late_cancel_and_no_show_make_no_charge_without_the_signed_financial_policy(alice, solo):
    late_and_missed(alice, solo)
    assert not Charge.objects.exists()


def test_late_cancel_and_no_show_charge_the_practice_fees_under_the_signed_financial_policy(alice, solo):
    sign_financial_policy(solo.members.get())
    Fee.objects.create(
        service=Service.objects.get(code="NO-SHOW"), amount=Decimal("80.00"), effective_from=date(2020, 1, 1)
    )
    late, missed = late_and_missed(alice, solo)
    assert [(c.service.code, c.amount) for c in open_charges(late)] == [("LATE-CANCEL", Decimal("55.00"))]
    assert [(c.service.code, c.amount) for c in open_charges(missed)] == [("NO-SHOW", Decimal("80.00"))]


def test_no_late_fee_once_the_policy_is_withdrawn_or_a_new_version_is_unsigned(alice, solo):
    signature = sign_financial_policy(solo.members.get())
    documents.signature_withdraw(signature=signature, by=alice.user)
    late_and_missed(alice, solo)
    assert not Charge.objects.exists()
    sign_financial_policy(solo.members.get())
    documents.version_publish(
        template=signature.version.template, body="New terms.", effective_date=date.today(), by=alice.user
    )
    late_and_missed(alice, solo, weeks_ago=1)  # no overlap with the first two
    assert not Charge.objects.exists()


def test_a_couple_sharing_the_bill_is_gated_on_the_unit_signature(alice):
    unit = couple(alice)
    missed = session(alice, unit, days_ago=1)
    sign_financial_policy(unit.members.first())  # "one member signs for the unit"
    mark(missed, "no_show", alice.user)
    assert [c.service.code for c in open_charges(missed)] == ["NO-SHOW"]


def test_a_cancellation_in_time_never_costs_a_fee_even_under_the_signed_policy(alice, solo):
    sign_financial_policy(solo.members.get())
    appointment = session(alice, solo)
    sessions.appointment_cancel(appointment=appointment, by=alice.user, via="calendar", late=False, notify=False)
    assert not Charge.objects.exists()


def test_late_cancel_and_no_show_charge_their_fees_when_the_policy_allows(alice, solo, settings):
    settings.BILLING_LATE_FEE_POLICY = LATE_GATE
    late, missed = session(alice, solo), session(alice, solo, days_ago=1)
    sessions.appointment_cancel(appointment=late, by=alice.user, via="calendar", late=True, notify=False)
    mark(missed, "no_show", alice.user)
    assert [(c.service.code, c.amount) for c in open_charges(late)] == [("LATE-CANCEL", Decimal("55.00"))]
    assert [(c.service.code, c.amount) for c in open_charges(missed)] == [("NO-SHOW", Decimal("75.00"))]


def test_correcting_attended_to_no_show_voids_with_the_trail_and_reissues_the_fee(alice, solo, settings):
    settings.BILLING_LATE_FEE_POLICY = LATE_GATE
    appointment = session(alice, solo)
    mark(appointment, "attended", alice.user)
    first = Charge.objects.get(appointment=appointment)
    mark(appointment, "no_show", alice.user)
    first.refresh_from_db()
    assert (first.status, first.voided_by, first.void_reason) == ("void", alice.user, services.STATUS_CHANGED)
    fee = Charge.objects.get(appointment=appointment, status="open")
    assert (fee.service.code, fee.replaces) == ("NO-SHOW", first)
    voided = AuditEvent.objects.filter(action=AuditAction.CHARGE_VOIDED, target_id=str(first.pk))
    assert voided.count() == 1


def test_correcting_attended_to_cancelled_voids_and_charges_nothing(client, alice, solo):
    appointment = session(alice, solo)
    client.force_login(alice.user)
    url = reverse("sessions_app:appointment_mark", args=[appointment.pk])
    client.post(url, {"status": "attended"})
    page = client.get(reverse("sessions_app:appointment", args=[appointment.pk])).content.decode()
    assert "Charged: 90791" in page and "Correct to cancelled in time" in page
    client.post(url, {"status": "cancelled"})
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"
    assert list(Charge.objects.values_list("status", flat=True)) == ["void"]


def test_the_therapist_changes_the_service_and_the_charge_is_reissued(client, alice, solo):
    appointment = session(alice, solo)
    mark(appointment, "attended", alice.user)
    client.force_login(alice.user)
    group = Service.objects.get(code="90853")
    client.post(reverse("billing:appointment_service", args=[appointment.pk]), {"service": group.pk})
    assert AppointmentService.objects.get(appointment=appointment).service == group
    reissued = Charge.objects.get(appointment=appointment, status="open")
    assert (reissued.service, reissued.amount, reissued.replaces.service.code) == (group, Decimal("45.00"), "90791")


def test_the_database_refuses_a_second_open_charge_for_a_session(alice, solo):
    appointment = session(alice, solo)
    mark(appointment, "attended", alice.user)
    existing = Charge.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Charge.objects.create(
            client=solo, appointment=appointment, service=existing.service, amount=1, charged_on=existing.charged_on
        )


def test_charges_are_never_deleted(alice, solo):
    mark(session(alice, solo), "attended", alice.user)
    with pytest.raises(PermissionError):
        Charge.objects.get().delete()
    with pytest.raises(PermissionError):
        Charge.objects.all().delete()
    assert Charge.objects.count() == 1


def test_fees_are_effective_dated_client_over_therapist_over_practice(alice, charlie, solo):
    individual = Service.objects.get(code="90837")
    Fee.objects.create(service=individual, amount="100", effective_from=date(2027, 1, 1))
    Fee.objects.create(service=individual, therapist=alice, amount="120", effective_from=date(2027, 3, 1))
    Fee.objects.create(service=individual, client=solo, amount="40", effective_from=date(2027, 6, 1))

    def fee(therapist, on):
        return selectors.fee_for(individual, therapist, solo, on=on)

    assert fee(alice, date(2026, 12, 31)) == Decimal("110.00")  # the default, before any fee
    assert fee(alice, date(2027, 2, 1)) == Decimal("100.00")
    assert (fee(alice, date(2027, 3, 1)), fee(charlie, date(2027, 3, 1))) == (Decimal("120.00"), Decimal("100.00"))
    assert fee(charlie, date(2027, 6, 1)) == Decimal("40.00")  # the sliding scale wins


def test_a_fee_change_never_rewrites_a_charge(alice, solo):
    appointment = session(alice, solo)
    mark(appointment, "attended", alice.user)
    Fee.objects.create(service=Service.objects.get(code="90791"), amount="999", effective_from=date(2000, 1, 1))
    assert Charge.objects.get().amount == Decimal("150.00")


# --- concurrency ------------------------------------------------------------------------------------

RACERS = 20


@pytest.mark.django_db(transaction=True)
def test_twenty_people_marking_attended_at_once_make_one_charge(alice, staff_user, solo):
    """Real requests in 20 threads, each with its own database connection (on PostgreSQL the
    session's row lock and the partial unique index decide; on SQLite the IMMEDIATE write lock)."""
    appointment = session(alice, solo)
    url = reverse("sessions_app:appointment_mark", args=[appointment.pk])
    browsers = []
    for i in range(RACERS):
        browser = HttpClient()
        browser.force_login(alice.user if i % 2 else staff_user)
        browsers.append(browser)
    statuses = at_once(lambda i: browsers[i].post(url, {"status": "attended"}).status_code, RACERS)
    assert statuses == [302] * RACERS, statuses
    assert Charge.objects.filter(appointment=appointment).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.CHARGE_CREATED).count() == 1
