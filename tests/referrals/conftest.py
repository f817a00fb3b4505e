import pytest

from clients import services as client_services
from referrals import services
from tests.factories import ReferralFactory, ReferrerFactory

PERSON_MARKERS = {
    "first_name": "Zebedee",
    "last_name": "Quarrington",
    "email": "zebedee.q@example.net",
    "phone": "+44 7700 900777",
    "reason": "MARKER-erectile-difficulty-after-prostatectomy",
}


def form_data(**overrides) -> dict:
    """A valid public form submission (a physician refers one person); override any field."""
    data = {
        "referrer_kind": "physician",
        "referrer_speciality": "Urology",
        "referrer_name": "Dr Ada Stone",
        "referrer_organisation": "Quay Clinic",
        "referrer_email": "ada.stone@clinic.example",
        "referrer_phone": "+44 20 7946 0000",
        "kind": "individual",
        **PERSON_MARKERS,
        "preferred_contact": "phone",
        "urgency": "routine",
        "consent": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def referral(db):
    """A new referral of one person from a physician."""
    return ReferralFactory()


@pytest.fixture
def couple_referral(db):
    return ReferralFactory(kind="couple")


@pytest.fixture
def accepted(alice):
    """A couple referral accepted into a unit Alice treats (no consent to write back yet)."""
    referral = ReferralFactory(kind="couple", referrer=ReferrerFactory(kind="physician"))
    referral, _problems = services.referral_accept(
        referral=referral, by=alice.user, therapist=alice, base_url="http://testserver/"
    )
    return referral


def grant_release(referral, by, *, members=None):
    """Record a release-of-information consent to the referral's referrer from every member (or
    from `members`); returns the first one's consent. One partner's release alone is in
    tests/clients/test_couple_boundaries.py."""
    members = members or list(referral.client.members.order_by("position"))
    consents = [
        client_services.consent_grant(member=member, kind="release", by=by, referrer=referral.referrer)
        for member in members
    ]
    return consents[0]
