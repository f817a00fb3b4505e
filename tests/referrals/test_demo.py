"""`seed_referrals`: demo referrals, idempotent, one of them ready for a letter back."""

from django.urls import reverse

from devdata.demo import seed_demo
from devdata.referrals import seed_referrals
from practice.models import Therapist
from referrals.models import Referral, ReferralEvent, Referrer


def test_seed_referrals_is_idempotent_and_ready_to_try(client, db):
    seed_demo()
    seed_referrals()
    seed_referrals()
    assert Referrer.objects.count() == 3 and Referral.objects.count() == 3
    assert ReferralEvent.objects.count() == 6
    statuses = dict(Referral.objects.values_list("reference", "status"))
    assert statuses == {"R-DEMPSY": "new", "R-DEMREV": "contacted", "R-DEMURG": "accepted"}
    accepted = Referral.objects.get(reference="R-DEMURG")
    assert accepted.client.reference == "C-DEMCPL"
    therapist = Therapist.objects.get(user__email="therapist@demo.practice")
    client.force_login(therapist.user)
    assert client.get(reverse("referrals:letter", args=[accepted.pk])).status_code == 200
    assert client.get(reverse("referrals:triage")).status_code == 200


def test_seed_referrals_without_the_demo_accounts(db):
    seed_referrals()
    assert Referral.objects.filter(status="new").count() == 3
