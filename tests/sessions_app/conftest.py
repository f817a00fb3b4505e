"""Scheduling fixtures: Alice works Monday to Friday, 09:00–17:00 London time, one room."""

from datetime import UTC, datetime, time

import pytest
import time_machine

from clients.models import Client
from sessions_app.models import Room, WorkingHours

MONDAY = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)  # a Monday in winter: London is on UTC


@pytest.fixture
def hours(alice):
    return [WorkingHours.objects.create(therapist=alice, weekday=d, start=time(9), end=time(17)) for d in range(5)]


@pytest.fixture
def room(db):
    return Room.objects.create(name="Room 1", location="12 Quay Street, first floor")


@pytest.fixture
def monday():
    with time_machine.travel(MONDAY, tick=False):
        yield MONDAY


@pytest.fixture
def bookable(solo):
    """Alice's individual client, allowed to book online."""
    Client.objects.filter(pk=solo.pk).update(self_booking=True)
    solo.refresh_from_db()
    return solo
