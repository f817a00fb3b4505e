"""Journey 2: a client signs in, books a free slot, cancels another session, opens an assignment and
logs a step."""

from datetime import time, timedelta

import pytest
from django.utils import timezone

from clients.models import Client, Consent
from resources.models import StepProgress
from resources.services import assignment_create
from sessions_app import services
from sessions_app.models import Appointment, Modality, WorkingHours
from tests.e2e.conftest import show_times, sign_in
from tests.factories import PASSWORD, couple, portal_user_for, programme, sign_for_video


@pytest.fixture
def jordan(alice):
    """One partner of Alice's couple, with a portal account and online booking open."""
    for weekday in range(7):
        WorkingHours.objects.create(therapist=alice, weekday=weekday, start=time(9), end=time(17))
    unit = sign_for_video(couple(alice))  # both partners have consented to video sessions
    Client.objects.filter(pk=unit.pk).update(self_booking=True)
    member = unit.members.order_by("position").first()
    member.first_name, member.preferred_name = "Jordan", "Jordan"
    member.save(update_fields=["first_name", "preferred_name"])
    portal_user_for(member)
    Consent.objects.create(client=unit, member=member, kind="reminders_email", recorded_by=alice.user)
    assignment_create(client=unit, resource=programme(stages=3), by=alice.user)
    return member


@pytest.mark.django_db(transaction=True)
def test_a_client_books_and_cancels(phone, shoot, alice, jordan):
    unit = jordan.client
    later = (
        (timezone.now() + timedelta(days=5)).astimezone(alice.zone).replace(hour=15, minute=0, second=0, microsecond=0)
    )
    other = services.appointment_book(
        therapist=alice,
        client=unit,
        members=list(unit.members.all()),
        start=later,
        by=alice.user,
        modality=Modality.VIDEO,
    )

    sign_in(phone, jordan.user.email, PASSWORD)
    phone.wait_for_url("**/portal/")
    phone.get_by_role("heading", name="Welcome, Jordan").wait_for()
    shoot(phone, "client-portal-home")

    phone.get_by_role("link", name="Book a session").click()
    phone.get_by_label("Kind of session").select_option(label="Video")
    show_times(phone)
    shoot(phone, "client-booking")
    phone.locator("form button[type=submit][aria-label^='Book']").first.click()
    phone.get_by_role("button", name="Confirm booking").click()  # the confirm step: nothing booked before
    phone.get_by_text("is booked").first.wait_for()
    assert Appointment.objects.filter(client=unit, booked_via="portal", status="booked").count() == 1

    phone.get_by_role("link", name=f"Cancel the session of {later:%A} {later.day} {later:%B}, 15:00").click()
    phone.get_by_role("button", name="Cancel this session").click()
    phone.get_by_text("cancelled").first.wait_for()
    shoot(phone, "client-cancelled")
    other.refresh_from_db()
    assert other.status == "cancelled"

    phone.goto("/portal/assignments/")
    phone.get_by_role("link", name="Sensate focus (test)").click()
    phone.get_by_label("Your private notes: what happened, how it felt").first.fill("We took it slowly; it felt calm.")
    phone.get_by_role("button", name="Save notes").first.click()
    phone.get_by_text("it felt calm").first.wait_for()
    shoot(phone, "client-exercise-log")
    progress = StepProgress.objects.get(member=jordan)
    assert progress.log == "We took it slowly; it felt calm."
