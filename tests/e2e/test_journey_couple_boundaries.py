"""Journey 5 in a real Chromium: a couple's therapist answers one partner's request for their record,
and the file holds nothing of the other partner's; the whole couple's record stays closed until both
partners consented to it."""

import json
from pathlib import Path

import pytest
from django.urls import reverse

from clients.models import IntakeResponse
from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD, couple


@pytest.mark.django_db(transaction=True)
def test_one_partners_record_for_one_partners_request(page, shoot, alice):
    unit = couple(alice)
    first, second = unit.members.order_by("position")
    IntakeResponse.objects.create(member=first, status="submitted", hopes="JOURNEY-MINE")
    IntakeResponse.objects.create(member=second, status="submitted", hopes="JOURNEY-THEIRS")

    sign_in(page, alice.user.email, PASSWORD, alice.totp_secret)
    page.wait_for_url("**/dashboard/")
    page.goto(reverse("clients:export", args=[unit.pk]))
    page.get_by_text("nothing of the other partner's").wait_for()

    page.get_by_label("Whose request is this?").select_option(label=f"{first.display_name}'s own record")
    page.get_by_label("Your password").fill(PASSWORD)
    shoot(page, "couple-export-one-partner")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the record").click()
    record = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    text = json.dumps(record)
    assert "JOURNEY-MINE" in text and "JOURNEY-THEIRS" not in text
    assert [m["id"] for m in record["members"]] == [first.pk]

    page.goto(reverse("clients:export", args=[unit.pk]))
    page.get_by_label("Whose request is this?").select_option(value="couple")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Download the record").click()
    page.get_by_text("can be exported only when both partners have consented").wait_for()  # refused: no file
