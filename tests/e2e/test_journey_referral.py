"""Journey 3 in a real Chromium: a urologist refers a couple from a phone; the acknowledgement is in
the outbox; a therapist triages it and turns it into a client; once a release of information naming
the urologist is recorded (a signed paper copy, scanned), the urologist hears back (and not before)."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from outbox import services as outbox
from outbox.models import Notification
from referrals.models import Referral, ReferralLetter
from tests.e2e.conftest import PHONE, sign_in
from tests.factories import PASSWORD

LETTER = "Seen together today; a plan for eight sessions agreed."


def refer_from_a_phone(phone, shoot) -> None:
    phone.goto(reverse("referrals:refer"))
    box = phone.locator(".hp-field").bounding_box()
    assert box["width"] <= 1 or box["x"] + box["width"] <= 0  # people cannot see the honeypot
    assert phone.locator("#partner").is_hidden() and phone.locator("#div_id_referrer_speciality").is_hidden()
    phone.get_by_label("You are a").select_option("physician")
    assert phone.locator("#div_id_referrer_speciality").is_visible()  # shown for physicians only
    phone.get_by_label("Speciality").fill("Urology")
    phone.get_by_label("Your name").fill("Dr Tom Reid")
    phone.get_by_label("Your email").fill("tom.reid@quayside.example")
    phone.get_by_text("A couple", exact=True).click()
    assert phone.locator("#partner").is_visible()
    phone.locator("#id_first_name").fill("Robin")
    phone.locator("#id_last_name").fill("Marsh")
    phone.locator("#id_phone").fill("+44 7700 900456")
    phone.locator("#id_email").fill("robin.marsh@example.net")
    phone.locator("#id_partner_first_name").fill("Sam")
    phone.locator("#id_partner_last_name").fill("Marsh")
    phone.get_by_label("Reason for referral").fill("Erectile difficulty, no physical cause; strain on the couple.")
    phone.get_by_text("agreed to this referral").click()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling
    shoot(phone, "referral-form-phone")
    phone.get_by_role("button", name="Send referral").click()
    phone.get_by_text("your referral has been received").wait_for()
    assert re.search(r"R-[A-Z2-9]{6}", phone.content())
    shoot(phone, "referral-thanks-phone")


@pytest.mark.django_db(transaction=True)
def test_from_a_phone_referral_to_a_word_back(phone, page, shoot, alice, mailoutbox):
    refer_from_a_phone(phone, shoot)
    referral = Referral.objects.get()
    acknowledgement = Notification.objects.get(kind="referral_acknowledgement")
    assert acknowledgement.reference == referral.reference and acknowledgement.status == "pending"
    assert (referral.referrer.speciality, referral.is_couple, referral.partner_first_name) == ("Urology", True, "Sam")

    # The therapist, on a desktop-sized window.
    sign_in(page, alice.user.email, PASSWORD, alice.totp_secret)
    page.wait_for_url("**/dashboard/")
    page.goto(reverse("referrals:triage"))
    page.get_by_role("link", name=referral.reference).click()
    page.get_by_text("Robin Marsh").wait_for()
    shoot(page, "referral-triage-page")
    page.get_by_role("button", name="Accept and create the client").click()
    page.get_by_text("Accepted: client").wait_for()
    assert page.get_by_role("link", name="Write to the referrer").count() == 0  # no release signed yet

    # No letter yet: the referral page says nobody signed a release naming Dr Reid, and where to record one.
    page.get_by_role("link", name="Record or request a release").click()
    page.get_by_role("link", name="Record a paper consent").click()
    page.get_by_label("Who").select_option(index=1)  # Robin, the first partner
    page.get_by_label("Document").select_option(label="Release of information to a referrer (version 1)")
    page.get_by_label("Signed on").fill(timezone.localdate().isoformat())
    # The choice names organisation and kind too, so two referrers of one name can be told apart.
    reid = page.locator("#id_referrer option", has_text="Dr Tom Reid").get_attribute("value")
    page.get_by_label("Releases to").select_option(reid)
    scan = {"name": "release.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 signed release"}
    page.locator("#id_scan").set_input_files(scan)
    page.get_by_role("button", name="Record", exact=True).click()
    page.get_by_text("Paper copy recorded.").wait_for()

    page.goto(reverse("referrals:detail", args=[referral.pk]))
    page.get_by_role("link", name="Write to the referrer").click()
    page.get_by_role("link", name="First seen").click()
    page.get_by_label("Text").fill(f"Dear Dr Reid,\n\n{LETTER}\n")
    # Only one partner released information to this referrer: the letter speaks of them alone.
    page.get_by_role("checkbox", name=re.compile(r"This letter speaks of Robin alone")).check()
    shoot(page, "referral-letter")
    page.get_by_role("button", name="Send letter").click()
    page.get_by_text("Letter queued to Dr Tom Reid").wait_for()

    unit = Client.objects.get()
    assert unit.kind == "couple" and unit.members.count() == 2 and unit.primary_therapist == alice
    assert ReferralLetter.objects.get().kind == "first_seen"
    outbox.notifications_dispatch()  # transactional test: on_commit runs, eager Celery delivers
    to_referrer = [m for m in mailoutbox if m.to == ["tom.reid@quayside.example"]]
    assert len(to_referrer) == 2  # the acknowledgement, then the letter
    assert LETTER in to_referrer[1].body and to_referrer[1].subject == f"Your referral {referral.reference}"
    assert all("Robin" not in m.body and "Marsh" not in m.body for m in to_referrer)
