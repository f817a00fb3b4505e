"""Messaging in a real Chromium: one partner writes privately and the other cannot see it; the
therapist replies in the joint thread and both partners see it (the first by the page's own poll,
without reloading: htmx under the site's CSP)."""

import pytest
from django.urls import reverse

from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD, couple, portal_user_for

PRIVATE = "JOURNEY-PRIVATE: something I want to talk about alone first"
JOINT = "JOURNEY-JOINT: thank you both, we will pick this up on Thursday"


@pytest.mark.django_db(transaction=True)
def test_private_stays_private_and_the_joint_reply_reaches_both(page, phone, browser, live_server, shoot, alice):
    unit = couple(alice)
    ada, bea = unit.members.order_by("position")
    portal_user_for(ada)
    portal_user_for(bea)

    sign_in(page, ada.user.email, PASSWORD)
    page.goto(reverse("portal:messages"))
    page.get_by_role("link", name="With your therapist (private)").click()
    page.get_by_text("Under your couple's policy, your therapist may decide with you").wait_for()
    page.get_by_text("Messages are read during working hours only.").wait_for()
    page.get_by_label("Your message").fill(PRIVATE)
    shoot(page, "messaging-private")
    page.get_by_role("button", name="Send").click()
    page.get_by_text("Your message was sent.").wait_for()
    assert page.get_by_text(PRIVATE).is_visible()

    sign_in(phone, bea.user.email, PASSWORD)
    for channel in ("private", "joint"):
        phone.goto(reverse("portal:message_thread", args=[channel]))
        phone.get_by_label("Your message").wait_for()
        assert PRIVATE not in phone.content()

    page.goto(reverse("portal:message_thread", args=["joint"]))  # Ada waits in the joint thread
    page.get_by_text("No messages yet.").wait_for()

    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    context.set_default_timeout(15000)
    therapist = context.new_page()
    try:
        sign_in(therapist, alice.user.email, PASSWORD, alice.totp_secret)
        therapist.wait_for_url("**/dashboard/")
        assert "1" in therapist.locator("[data-inbox]").inner_text()
        assert PRIVATE not in therapist.content()  # the dashboard shows a count, never the text
        therapist.goto(reverse("messaging:thread", args=[unit.pk, "private-1"]))
        therapist.get_by_text(PRIVATE).wait_for()
        therapist.goto(reverse("messaging:thread", args=[unit.pk, "joint"]))
        therapist.get_by_label("Your message").fill(JOINT)
        therapist.get_by_role("button", name="Send").click()
        therapist.get_by_text("Your message was sent.").wait_for()
        shoot(therapist, "messaging-therapist-joint")
    finally:
        context.close()

    page.get_by_text(JOINT).wait_for(timeout=40000)  # the poll brought it in, no reload
    phone.goto(reverse("portal:message_thread", args=["joint"]))
    phone.get_by_text(JOINT).wait_for()
    assert PRIVATE not in phone.content()
    shoot(phone, "messaging-joint-phone")
