"""A unit's referrers are read through the index of linked referrals alone (`referral_client`).

Most referrals never become a unit. SQLite's statistics counted every empty `client` as one key, so
with the plain foreign-key index it judged a unit's referrals to be thousands of rows and scanned
every referrer instead (7 ms at size L, where no referral is linked; the portal home read it)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import ReferralFactory, ReferrerFactory
from tests.plans import analyze, plan_of


def test_a_units_referrers_come_from_the_linked_referrals_index(client, alice, solo):
    for i in range(20):  # referrals that never became a unit, as most do not
        referrer = ReferrerFactory(name=f"Dr Other {i:02}", kind="physician")
        for _ in range(5):
            ReferralFactory(referrer=referrer)
    analyze()
    client.force_login(alice.user)
    with CaptureQueriesContext(connection) as captured:
        page = client.get(reverse("documents:paper", args=[solo.pk])).content.decode()
    assert "Dr Other" not in page
    reads = [q["sql"] for q in captured.captured_queries if 'FROM "referrals_referrer" INNER JOIN' in q["sql"]]
    assert len(reads) == 1, [q["sql"] for q in captured.captured_queries]
    plan = plan_of(reads[0])
    assert "referral_client" in plan, plan
    assert "SCAN referrals_referrer" not in plan, plan
