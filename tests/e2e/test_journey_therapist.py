"""Journey 1: a therapist signs in with password and TOTP, sees today's sessions, writes and signs a note."""

from datetime import timedelta

import pytest
from django.utils import timezone

from clients.models import Note
from sessions_app import services
from sessions_app.models import Modality
from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD, couple, sign_for_video


@pytest.mark.django_db(transaction=True)
def test_a_therapists_morning(page, shoot, alice):
    alice.display_name = "Dr Alice Moreau"
    alice.save(update_fields=["display_name"])
    unit = sign_for_video(couple(alice))
    now = timezone.now()
    start = now + timedelta(minutes=2) if now.astimezone(alice.zone).hour < 23 else now - timedelta(minutes=5)
    session = services.appointment_book(
        therapist=alice,
        client=unit,
        members=list(unit.members.all()),
        start=start,
        by=alice.user,
        modality=Modality.VIDEO,
    )

    sign_in(page, alice.user.email, PASSWORD, alice.totp_secret)
    page.wait_for_url("**/dashboard/")
    today = page.get_by_role("region", name="Today's sessions")
    today.get_by_text(unit.reference).wait_for()
    shoot(page, "therapist-dashboard")

    today.get_by_role("link", name=start.astimezone(alice.zone).strftime("%H:%M"), exact=False).first.click()
    page.get_by_role("link", name="Write a note for this session").click()
    page.get_by_label("Body").fill("Discussed pacing; agreed sensate focus stage 1 for the coming week.")
    shoot(page, "therapist-note-draft")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_role("button", name="Sign and lock").click()
    page.get_by_text("Note signed and locked.").wait_for()
    shoot(page, "therapist-note-signed")

    note = Note.objects.get()
    assert note.appointment == session and note.is_signed and note.author == alice
