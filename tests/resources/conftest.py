"""Resources fixtures: Alice's couple with portal accounts, a staged programme, a reading, a workshop."""

import pytest

from resources import services
from tests.factories import ResourceFactory, WorkshopFactory, couple, portal_user_for, programme


@pytest.fixture
def unit(alice):
    """A couple treated by Alice with the low-desire concern; both partners have portal accounts."""
    from clients.models import Concern

    unit = couple(alice)
    unit.concerns.set(Concern.objects.filter(slug__in=["low-desire", "intimacy"]))
    for member in unit.members.all():
        portal_user_for(member)
    return unit


@pytest.fixture
def partner_a(unit):
    return unit.members.select_related("user").get(position=1)


@pytest.fixture
def partner_b(unit):
    return unit.members.select_related("user").get(position=2)


@pytest.fixture
def web_a(client, partner_a):
    client.force_login(partner_a.user)
    return client


@pytest.fixture
def therapist_web(client, alice):
    client.force_login(alice.user)
    return client


@pytest.fixture
def sensate(db):
    return programme(3, concerns=["low-desire", "intimacy"], suits="couples", nature="suggestion")


@pytest.fixture
def reading(db):
    return ResourceFactory(title="A reading about desire", concerns=["low-desire"])


@pytest.fixture
def assignment(alice, unit, sensate):
    """The programme, given to both partners."""
    return services.assignment_create(client=unit, resource=sensate, by=alice.user)


@pytest.fixture
def workshop(db):
    return WorkshopFactory(capacity=2)
