"""Measures fixtures: Alice's couple, both partners with portal accounts and email reminders allowed."""

from datetime import UTC, datetime

import pytest
import time_machine

from clients import services as clients
from clients.models import Consent
from sessions_app.models import Room
from tests.factories import couple, portal_user_for

MONDAY = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)


@pytest.fixture
def monday():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def pair(alice):
    Room.objects.get_or_create(name="Room 1", defaults={"location": "12 Quay Street"})
    unit = couple(alice)
    for member in unit.members.all():
        portal_user_for(member)
        clients.consent_grant(member=member, kind=Consent.Kind.REMINDERS_EMAIL, by=alice.user)
    return unit


@pytest.fixture
def partners(pair):
    return list(pair.members.order_by("position"))
