import pytest

from tests.factories import ClientFactory, TherapistFactory, couple, give_totp


@pytest.fixture
def charlie(db):
    """Another therapist: must never see Alice's clients."""
    therapist = TherapistFactory(user__email="charlie@example.org")
    give_totp(therapist.user)
    return therapist


@pytest.fixture
def pair(alice):
    """A couple treated by Alice."""
    return couple(alice)


@pytest.fixture
def solo(alice):
    """An individual client of Alice."""
    return ClientFactory(primary_therapist=alice)
