"""Journey 4: an admin signs in to the admin with the second factor and adds a workshop."""

import pytest

from resources.models import Workshop
from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD


@pytest.mark.django_db(transaction=True)
def test_an_admin_adds_a_workshop(page, shoot, admin_user):
    page.goto("/admin/")
    page.wait_for_url("**/accounts/login/**")  # the admin has no sign-in of its own
    sign_in(page, admin_user.email, PASSWORD, admin_user.totp_secret)
    page.goto("/admin/")
    shoot(page, "admin-index")
    page.get_by_role("link", name="Workshops", exact=True).click()
    page.get_by_role("link", name="Add workshop").click()
    page.get_by_label("Title").fill("Communication for couples")
    page.get_by_label("Facilitator").fill("Dr Alex Morgan")
    page.locator("#id_starts_at_0").fill("2027-03-04")
    page.locator("#id_starts_at_1").fill("18:00:00")
    page.locator("#id_ends_at_0").fill("2027-03-04")
    page.locator("#id_ends_at_1").fill("20:00:00")
    page.get_by_label("Capacity").fill("12")
    page.get_by_label("Place").fill("Garden room, 12 Harbour Street")
    shoot(page, "admin-workshop")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("was added successfully").wait_for()
    workshop = Workshop.objects.get()
    assert (workshop.title, workshop.capacity, workshop.facilitator) == (
        "Communication for couples",
        12,
        "Dr Alex Morgan",
    )
