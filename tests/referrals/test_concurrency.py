"""Many people accept the same referral at once: exactly one client unit, on both databases.

Each thread has its own connection; the referral row lock (SELECT … FOR UPDATE on PostgreSQL, the
IMMEDIATE write lock on SQLite) makes the check-then-create safe.
"""

import pytest
from django.core.exceptions import ValidationError

from clients.models import Client, Member
from referrals import counts, services
from referrals.models import Referral
from tests.factories import ReferralFactory
from tests.racing import at_once

ATTEMPTS = 8


@pytest.mark.django_db(transaction=True)
def test_concurrent_accepts_create_one_unit(alice):
    referral = ReferralFactory(kind="couple")

    def accept(i):
        services.referral_accept(
            referral=Referral.objects.get(pk=referral.pk), by=alice.user, therapist=alice, base_url="http://x/"
        )
        return "accepted"

    outcomes = at_once(accept, ATTEMPTS, expected={ValidationError: "refused"})
    assert outcomes.count("accepted") == 1, outcomes
    assert outcomes.count("refused") == ATTEMPTS - 1
    assert Client.objects.count() == 1 and Member.objects.count() == 2
    assert counts.differences() == []  # the sources chart counted the referral once, its unit once
