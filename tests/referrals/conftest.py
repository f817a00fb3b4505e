import pytest

from documents.models import DocumentTemplate, Signature
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
    """Each member (or `members`) has signed the current release of information naming the
    referral's referrer, recorded by `by` from a paper copy (what `documents.gates` counts for a
    letter back); returns the first signature. One partner's release alone is in
    tests/clients/test_couple_boundaries.py."""
    members = members or list(referral.client.members.order_by("position"))
    version = DocumentTemplate.objects.get(kind="release").versions.order_by("-number").first()
    signatures = [
        Signature.objects.create(
            version=version,
            client_id=member.client_id,
            member=member,
            signed_name=member.full_name,
            recorded_by=by,
            method=Signature.Method.PAPER,
            referrer_id=referral.referrer_id,
            referrer_name=referral.referrer.name,
        )
        for member in members
    ]
    return signatures[0]


def withdraw_release(signature, by):
    from documents.services import signature_withdraw

    return signature_withdraw(signature=signature, by=by)
