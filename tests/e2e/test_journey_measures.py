"""Journey in a real Chromium: both partners answer the CSI-4 on their phones before a session; the
therapist sees both partners' lines on one chart, with the severity bands behind them."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from clients import services as clients
from clients.models import Consent
from measures import services as measures
from measures.models import MeasureRequest, MeasureResponse
from measures.schedule import measures_schedule
from sessions_app import services as sessions
from sessions_app.models import Room
from tests.e2e.conftest import PHONE, sign_in
from tests.factories import PASSWORD, couple, portal_user_for

# Each partner's earlier CSI-4 answers, a fortnight apart, given in session (oldest first).
EARLIER = {
    1: [{"1": 2, "2": 2, "3": 2, "4": 2}, {"1": 3, "2": 2, "3": 3, "4": 2}, {"1": 3, "2": 3, "3": 3, "4": 3}],
    2: [{"1": 1, "2": 1, "3": 1, "4": 1}, {"1": 1, "2": 2, "3": 1, "4": 2}, {"1": 2, "2": 2, "3": 2, "4": 3}],
}
# What each partner answers on the phone now: option labels, item by item.
TODAY = {
    1: ["Very happy", "Mostly true", "Mostly", "Almost completely"],  # 4 + 3 + 3 + 4 = 14
    2: ["Happy", "Somewhat true", "Mostly", "Somewhat"],  # 3 + 2 + 3 + 2 = 10
}


def answer_on_a_phone(browser, live_server, member, shoot=None) -> None:
    context = browser.new_context(viewport=PHONE, base_url=live_server.url, is_mobile=True, has_touch=True)
    context.set_default_timeout(15000)
    phone = context.new_page()
    sign_in(phone, member.user.email, PASSWORD)
    phone.wait_for_url("**/portal/")
    phone.get_by_role("heading", name="You have a short questionnaire").wait_for()
    phone.get_by_role("link", name="Answer it").click()
    phone.get_by_role("link", name="CSI-4").click()
    phone.get_by_role("heading", name="Couples Satisfaction Index (CSI-4)").wait_for()
    for index, label in enumerate(TODAY[member.position]):
        phone.locator("fieldset").nth(index).get_by_label(label, exact=True).check()
    if shoot:
        shoot(phone, "measures-phone-csi4")
    phone.get_by_role("button", name="Send my answers").click()
    phone.get_by_role("heading", name="Thank you").wait_for()
    context.close()


@pytest.mark.django_db(transaction=True)
def test_both_partners_answer_on_phones_and_the_therapist_sees_both_lines(browser, live_server, page, shoot, alice):
    Room.objects.get_or_create(name="Room 1", defaults={"location": "12 Quay Street"})
    unit = couple(alice)
    partners = list(unit.members.order_by("position"))
    for member, name in zip(partners, ("Sam", "Alex"), strict=True):
        member.first_name = member.preferred_name = name
        member.save(update_fields=["first_name", "preferred_name"])
        portal_user_for(member)
        clients.consent_grant(member=member, kind=Consent.Kind.REMINDERS_EMAIL, by=alice.user)
        for weeks_ago, answers in zip((6, 4, 2), EARLIER[member.position], strict=True):
            row, _score = measures.response_administer(member=member, instrument="csi4", by=alice.user, answers=answers)
            MeasureResponse.objects.filter(pk=row.pk).update(submitted_at=timezone.now() - timedelta(weeks=weeks_ago))

    measures.assignment_create(client=unit, by=alice.user, instrument="csi4", schedule="every_session")
    start = (timezone.now() + timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    sessions.appointment_book(therapist=alice, client=unit, members=partners, start=start, by=alice.user)
    measures_schedule()  # the beat: tomorrow's session is within the lead time
    assert MeasureRequest.objects.filter(status="open").count() == 2

    answer_on_a_phone(browser, live_server, partners[0], shoot)
    answer_on_a_phone(browser, live_server, partners[1])
    assert MeasureRequest.objects.filter(status="completed").count() == 2

    sign_in(page, alice.user.email, PASSWORD, alice.totp_secret)
    page.wait_for_url("**/dashboard/")
    page.get_by_role("heading", name="Measures").wait_for()
    page.goto(reverse("measures:client", args=[unit.pk]))
    chart = page.get_by_role("img", name="CSI-4 scores over time, Sam, Alex")
    chart.wait_for()
    assert chart.locator("g.measure-line").count() == 2
    assert chart.locator("circle").count() == 8  # four answers each
    assert chart.locator("rect.measure-band").count() == 2  # dissatisfaction below 13.5, and above
    table = page.get_by_role("table", name="CSI-4 scores, the numbers behind the chart")
    table.get_by_role("row").filter(has_text="Sam").filter(has_text="14").first.wait_for()
    table.get_by_role("row").filter(has_text="Alex").filter(has_text="10").first.wait_for()
    shoot(page, "measures-couple-chart")
