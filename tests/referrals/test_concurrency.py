"""Many people accept the same referral at once: exactly one client unit, on both databases.

Each thread has its own connection; the referral row lock (SELECT … FOR UPDATE on PostgreSQL, the
IMMEDIATE write lock on SQLite) makes the check-then-create safe.
"""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from clients.models import Client, Member
from referrals import services
from referrals.models import Referral
from tests.factories import ReferralFactory

ATTEMPTS = 8


@pytest.mark.django_db(transaction=True)
def test_concurrent_accepts_create_one_unit(alice):
    referral = ReferralFactory(kind="couple")
    barrier = threading.Barrier(ATTEMPTS)
    outcomes = [None] * ATTEMPTS

    def run(i):
        try:
            barrier.wait(timeout=30)
            services.referral_accept(
                referral=Referral.objects.get(pk=referral.pk), by=alice.user, therapist=alice, base_url="http://x/"
            )
            outcomes[i] = "accepted"
        except ValidationError:
            outcomes[i] = "refused"
        except Exception as exc:  # noqa: BLE001 - anything else is the failure this test looks for
            outcomes[i] = f"error: {type(exc).__name__}: {exc}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert outcomes.count("accepted") == 1, outcomes
    assert outcomes.count("refused") == ATTEMPTS - 1
    assert Client.objects.count() == 1 and Member.objects.count() == 2
