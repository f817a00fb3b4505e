"""The owner's journey in a real Chromium: a therapist downloads a client's record as a PDF and
creates a workshop in the app; the practice owner then filters the activity page down to that
therapist's export."""

from datetime import timedelta

import pytest
from django.utils import timezone
from pypdf import PdfReader

from practice.models import AuditAction, AuditEvent
from resources.models import Workshop
from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD, ClientFactory, TherapistFactory, give_totp


@pytest.fixture
def owner(db):
    therapist = TherapistFactory(
        user__email="olive@example.org", display_name="Dr Olive Owner", user__practice_owner=True
    )
    therapist.totp_secret = give_totp(therapist.user)
    return therapist


@pytest.mark.django_db(transaction=True)
def test_a_pdf_export_and_a_workshop_then_the_owner_filters_the_activity(
    browser, live_server, page, shoot, alice, owner
):
    unit = ClientFactory(primary_therapist=alice)
    member = unit.members.get()

    # The therapist downloads the record as a readable PDF (the password asked again).
    sign_in(page, alice.user.email, PASSWORD, alice.totp_secret)
    page.goto(f"/clients/{unit.pk}/export/")
    page.get_by_label("PDF (readable, to print or give to the client)").check()
    page.get_by_label("Your password").fill(PASSWORD)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the record").click()
    assert download.value.suggested_filename == f"{unit.reference}-record.pdf"
    text = " ".join(p.extract_text() for p in PdfReader(download.value.path()).pages)
    assert f"Record of {unit.reference}" in text and member.first_name in text

    # ...and creates a workshop in the app, not the admin.
    page.goto("/resources/workshops/")
    page.get_by_role("link", name="New workshop").click()
    start = timezone.localtime(timezone.now() + timedelta(days=30)).replace(hour=18, minute=30)
    page.get_by_label("Title").fill("Desire and the long relationship")
    page.get_by_label("Starts").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Ends").fill((start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Capacity").fill("10")
    page.get_by_label("Facilitator").fill(alice.display_name)
    page.get_by_label("Place").fill("Group room, 12 Harbour Street")
    shoot(page, "therapist-workshop-form")
    page.get_by_role("button", name="Save workshop").click()
    page.get_by_text("Workshop added.").wait_for()
    assert Workshop.objects.get().title == "Desire and the long relationship"

    # The owner filters the activity page by person and action.
    owners = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    desk = owners.new_page()
    sign_in(desk, owner.user.email, PASSWORD, owner.totp_secret)
    desk.get_by_role("link", name="Activity").click()
    desk.get_by_label("Person").select_option(label=f"{alice.display_name} (therapist)")
    desk.get_by_label("Action").select_option(label="Exported")
    desk.get_by_role("button", name="Filter").click()
    rows = desk.locator("tbody tr")
    rows.first.wait_for()
    assert rows.count() == 1
    row = rows.first.inner_text()
    assert "Exported" in row and unit.reference in row and f"{alice.display_name} (therapist)" in row
    assert member.first_name not in desk.content()  # not the owner's client: its reference only
    shoot(desk, "owner-activity")
    owners.close()
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT, actor=alice.user, client_id=unit.pk).count() == 1
