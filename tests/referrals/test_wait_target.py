"""A referral's urgency shows how long it has waited for first contact against the target the
practice sets for that urgency (PracticeSettings), on the triage list and the referral page."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from practice.models import PracticeSettings
from referrals import services
from referrals.models import Referral
from tests.factories import ReferralFactory


def received(days_ago: int, **kwargs) -> Referral:
    referral = ReferralFactory(**kwargs)
    Referral.objects.filter(pk=referral.pk).update(created_at=timezone.now() - timedelta(days=days_ago, hours=1))
    referral.refresh_from_db()
    return referral


def triage(web, user) -> str:
    web.force_login(user)
    return web.get(reverse("referrals:triage")).content.decode()


def test_the_list_shows_each_wait_against_its_urgencys_default_target(client, staff_user):
    received(3, urgency="urgent")
    received(1, urgency="soon")
    received(20, urgency="routine")
    body = triage(client, staff_user)
    assert "Waiting 3 days: 1 day past the 2 days target" in body
    assert "Waiting 1 day (target 7 days)" in body
    assert "Waiting 20 days: 6 days past the 14 days target" in body


def test_the_practice_sets_its_own_targets(client, staff_user):
    PracticeSettings.objects.update_or_create(
        pk=1, defaults={"referral_target_urgent_days": 1, "referral_target_routine_days": 30}
    )
    received(3, urgency="urgent")
    received(20, urgency="routine")
    body = triage(client, staff_user)
    assert "Waiting 3 days: 2 days past the 1 day target" in body
    assert "Waiting 20 days (target 30 days)" in body


def test_a_fresh_referral_has_waited_less_than_a_day(client, staff_user):
    ReferralFactory(urgency="urgent")
    assert "Waiting less than a day (target 2 days)" in triage(client, staff_user)


def test_the_wait_ends_at_first_contact(client, staff_user, alice):
    referral = received(5, urgency="urgent")
    with time_machine.travel(referral.created_at + timedelta(days=1, hours=2)):
        services.referral_mark_contacted(referral=referral, by=staff_user)
    client.force_login(staff_user)
    r = client.get(reverse("referrals:triage"))
    assert "First contact after 1 day (target 2 days)" in r.content.decode()
    page = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "First contact after 1 day (target 2 days)" in page


def test_the_referral_page_shows_an_overdue_wait(client, alice):
    referral = received(9, urgency="soon")
    client.force_login(alice.user)
    page = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "Waiting 9 days: 2 days past the 7 days target" in page and "text-danger" in page


@pytest.mark.parametrize("size", [3, 12])
def test_the_queue_query_count_does_not_grow_with_waits(client, staff_user, django_assert_num_queries, size):
    client.force_login(staff_user)
    received(2)
    client.get(reverse("referrals:triage"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("referrals:triage"))
    for days in range(size):
        referral = received(days, urgency="soon")
        if days % 2:
            services.referral_mark_contacted(referral=referral, by=staff_user)
    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get(reverse("referrals:triage")).status_code == 200
