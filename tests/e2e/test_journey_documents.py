"""Journey (issue 17): on a phone, a new client reads and signs the informed consent and the
telehealth consent in the portal (typed name, "I have read and agree"), then books a video session
(through the confirm step); the therapist, on a desktop, sees both signatures on the client page
and the client's documents page."""

from datetime import time

import pytest
from django.urls import reverse

from clients.models import Client
from documents.models import Signature
from sessions_app.models import Appointment, WorkingHours
from tests.e2e.conftest import show_times, sign_in
from tests.factories import PASSWORD, ClientFactory, portal_user_for


@pytest.fixture
def newcomer(alice):
    """A new individual client of Alice with a portal account, online booking open, nothing signed."""
    for weekday in range(7):
        WorkingHours.objects.create(therapist=alice, weekday=weekday, start=time(9), end=time(17))
    unit = ClientFactory(primary_therapist=alice, with_members__signed=False)
    Client.objects.filter(pk=unit.pk).update(self_booking=True)
    member = unit.members.get()
    member.first_name, member.last_name = "Noor", "Haddad"
    member.save(update_fields=["first_name", "last_name"])
    portal_user_for(member)
    return member


def sign_document(phone, title: str) -> None:
    item = phone.get_by_role("listitem").filter(has_text=title)
    item.get_by_role("link", name="Read and sign").click()
    phone.get_by_role("article", name="The document").wait_for()
    phone.get_by_label("Your full name").fill("Noor Haddad")
    phone.get_by_label("I have read and agree").check()
    phone.get_by_role("button", name="Sign").click()
    phone.get_by_role("heading", name="Documents", exact=True).wait_for()


@pytest.mark.django_db(transaction=True)
def test_a_new_client_signs_then_books_a_video_session(phone, page, shoot, alice, newcomer):
    sign_in(phone, newcomer.user.email, PASSWORD)
    phone.wait_for_url("**/portal/")

    # Before signing, booking says what is missing and where to sign.
    phone.goto(reverse("portal:book"))
    phone.get_by_label("Kind of session").select_option(label="Video")
    show_times(phone)
    phone.locator("form button[type=submit][aria-label^='Book']").first.click()
    phone.get_by_text("read and sign the Informed consent to treatment").wait_for()
    assert not Appointment.objects.exists()
    phone.get_by_role("link", name="Go to Documents to sign").click()

    phone.get_by_role("heading", name="Documents to read and sign").wait_for()
    item = phone.get_by_role("listitem").filter(has_text="Informed consent to treatment")
    item.get_by_role("link", name="Read and sign").click()
    phone.get_by_label("Your full name").fill("Noor Haddad")
    phone.get_by_label("I have read and agree").check()
    shoot(phone, "client-signing-consent")
    phone.get_by_role("button", name="Sign").click()
    phone.get_by_role("heading", name="Documents", exact=True).wait_for()
    sign_document(phone, "Telehealth consent")
    signed = Signature.objects.filter(member=newcomer, withdrawn_at=None, method="portal")
    assert set(signed.values_list("version__template__kind", flat=True)) == {"treatment", "telehealth"}

    phone.goto(reverse("portal:book"))
    phone.get_by_label("Kind of session").select_option(label="Video")
    show_times(phone)
    phone.locator("form button[type=submit][aria-label^='Book']").first.click()
    phone.get_by_role("button", name="Confirm booking").click()  # the confirm step: nothing booked before
    phone.get_by_text("is booked").first.wait_for()
    booked = Appointment.objects.get(client=newcomer.client)
    assert (booked.modality, booked.booked_via, booked.status) == ("video", "portal", "booked")

    # The therapist sees both signatures, with the version and how they were signed.
    sign_in(page, alice.user.email, PASSWORD, alice.totp_secret)
    page.wait_for_url("**/dashboard/")
    page.goto(reverse("clients:detail", args=[newcomer.client_id]) + "?tab=documents")  # the record's tab
    panel = page.locator("section[aria-labelledby='documents-heading']")
    panel.get_by_text("Informed consent to treatment (version 1)").wait_for()
    assert panel.get_by_text("signed in the portal on").count() == 2
    panel.get_by_role("link", name="Request or record signatures").click()
    page.get_by_text("Telehealth consent (version 1)").first.wait_for()
    shoot(page, "therapist-signatures")
    assert page.get_by_text("signed in the portal on").count() == 2
