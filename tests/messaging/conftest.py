import pytest
from django.urls import reverse

from tests.factories import ClientFactory, couple, portal_user_for


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def unit(alice):
    """Alice's couple (limited secrets); both partners have portal accounts."""
    pair = couple(alice)
    for member in pair.members.all():
        portal_user_for(member)
    return pair


@pytest.fixture
def ada(unit):
    return unit.members.get(position=1)


@pytest.fixture
def bea(unit):
    return unit.members.get(position=2)


@pytest.fixture
def individual(alice):
    member = ClientFactory(primary_therapist=alice).members.get()
    portal_user_for(member)
    return member


def portal_url(channel: str) -> str:
    return reverse("portal:message_thread", args=[channel])


def practice_url(unit, channel: str) -> str:
    return reverse("messaging:thread", args=[unit.pk, channel])


def send(client, url: str, body: str, **extra):
    return client.post(url, {"body": body, **extra})


def count_queries(request_fn) -> int:
    """How many queries `request_fn()` makes (counted by a wrapper, not Django's query log, which a
    request resets at its start)."""
    from django.db import connection

    seen = []
    with connection.execute_wrapper(
        lambda execute, sql, params, many, context: seen.append(sql) or execute(sql, params, many, context)
    ):
        request_fn()
    return len(seen)
