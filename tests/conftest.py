import os

import pytest
from django.core.cache import cache, caches

from practice.models import User
from tests.factories import ClientFactory, TherapistFactory, UserFactory, couple, give_totp


@pytest.fixture(autouse=True)
def _clear_cache():
    # Rate limits and used TOTP codes live in the cache, drawn page parts in "fragments": each test
    # starts clean.
    cache.clear()
    caches["fragments"].clear()
    yield
    cache.clear()
    caches["fragments"].clear()


@pytest.fixture
def alice(db):
    """A therapist with a second factor."""
    therapist = TherapistFactory(user__email="alice@example.org")
    therapist.totp_secret = give_totp(therapist.user)
    return therapist


@pytest.fixture
def bare_therapist(db):
    """A therapist who has not set up a second factor yet."""
    return TherapistFactory(user__email="newbie@example.org")


@pytest.fixture
def staff_user(db):
    user = UserFactory(email="staff@example.org", role=User.Role.STAFF)
    user.totp_secret = give_totp(user)
    return user


@pytest.fixture
def client_user(db):
    return UserFactory(email="client@example.org", role=User.Role.CLIENT)


@pytest.fixture
def admin_user(db):
    user = UserFactory(email="admin@example.org", role=User.Role.STAFF, is_staff=True, is_superuser=True)
    user.totp_secret = give_totp(user)
    return user


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


@pytest.fixture
def deliver(django_capture_on_commit_callbacks):
    """Run one outbox dispatch pass now (or at `now`), delivering eagerly. Returns the claimed ids."""
    from outbox import services as outbox

    def run(now=None):
        with django_capture_on_commit_callbacks(execute=True):
            return outbox.notifications_dispatch(now=now)

    return run


@pytest.fixture
def redis_url() -> str:
    """The real Redis that `make test` starts. Missing is a failure, not a skip: run `make test`."""
    url = os.environ.get("TEST_REDIS_URL", "")
    if not url:
        pytest.fail("TEST_REDIS_URL is not set: this test needs the Redis that `make test` starts.")
    return url


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "redis_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.redis)
