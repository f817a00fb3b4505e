"""Journey 8 in a real Chromium: the therapist marks a session attended (a charge is made), staff
record a card payment against it, the therapist issues a superbill, and the client sees the account
settled and downloads the superbill in the portal."""

from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from billing.models import Charge, Payment, Superbill
from sessions_app import services
from sessions_app.models import Room, WorkingHours
from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD, ClientFactory, portal_user_for


@pytest.fixture
def held(alice):
    """A session of Alice's individual client that began up to two hours ago, today, not marked yet.

    Today in the practice's zone: a diagnosis counts for services from the day it is put on file,
    and the journey puts it on file after the session (between midnight and 2 a.m. a session two
    hours back was yesterday's, and the superbill rightly left the code off its line)."""
    for weekday in range(7):
        WorkingHours.objects.create(therapist=alice, weekday=weekday, start=time(0), end=time(23, 59))
    Room.objects.create(name="Room 1", location="12 Quay Street")
    unit = ClientFactory(primary_therapist=alice)
    member = unit.members.get()
    member.first_name = member.preferred_name = "Jordan"
    member.save(update_fields=["first_name", "preferred_name"])
    portal_user_for(member)
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    start = max(timezone.now() - timedelta(hours=2), midnight).replace(second=0, microsecond=0)
    return services.appointment_book(therapist=alice, client=unit, members=[member], start=start, by=alice.user)


@pytest.mark.django_db(transaction=True)
def test_attended_charged_paid_by_card_and_the_superbill_downloaded_in_the_portal(
    browser, live_server, page, phone, shoot, alice, staff_user, held
):
    unit = held.client
    sign_in(page, alice.user.email, PASSWORD, alice.totp_secret)
    page.wait_for_url("**/dashboard/")
    page.goto(reverse("sessions_app:appointment", args=[held.pk]))
    page.get_by_role("button", name="Mark attended").click()
    page.get_by_role("button", name="Correct to cancelled in time").wait_for()  # marked: only corrections left
    charge = Charge.objects.get(appointment=held, status="open")
    shoot(page, "therapist-session-charged")

    staff = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    desk = staff.new_page()
    sign_in(desk, staff_user.email, PASSWORD, staff_user.totp_secret)
    desk.wait_for_url("**/schedule/**")
    desk.goto(reverse("billing:ledger", args=[unit.pk]))
    payment = desk.locator("form[action$='/payments/']")
    payment.get_by_label("Amount").fill(str(charge.amount))
    payment.get_by_label("How it was paid").select_option(label="Card (recorded)")
    payment.get_by_role("button", name="Record the payment").click()
    desk.get_by_text("Payment recorded").first.wait_for()
    shoot(desk, "staff-ledger-paid")
    assert Payment.objects.get(client=unit).method == "card"
    staff.close()

    # The therapist puts a diagnosis on file and issues this month's superbill.
    page.goto(reverse("billing:diagnoses", args=[unit.pk]))
    page.get_by_label("ICD-10 code").select_option(value="F52.0")
    page.locator("form button[type=submit]").last.click()
    page.goto(reverse("billing:superbills", args=[unit.pk]))
    page.locator("#id_period_start").fill(f"{timezone.localdate().replace(day=1):%Y-%m-%d}")
    page.locator("#id_period_end").fill(f"{timezone.localdate():%Y-%m-%d}")
    page.get_by_role("button", name="Issue").click()
    page.get_by_role("link", name="PDF").first.wait_for()
    assert Superbill.objects.filter(client_id=unit.pk).count() == 1

    member = unit.members.get()
    sign_in(phone, member.user.email, PASSWORD)
    phone.wait_for_url("**/portal/")
    phone.goto(reverse("portal:billing"))
    phone.get_by_text(f"{charge.amount}").first.wait_for()
    shoot(phone, "client-account")

    phone.goto(reverse("portal:billing_documents"))
    with phone.expect_download() as download:
        phone.get_by_role("link", name="Download (PDF)").first.click()
    text = "".join(p.extract_text() for p in PdfReader(download.value.path()).pages)
    assert "F52.0" in text and "90791" in text and "11" in text
