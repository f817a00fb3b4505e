"""Billing fixtures: sessions made directly (in the past, so they can be marked) and the starter
services, reloaded for tests that run after a transactional test emptied the tables."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from sessions_app.models import Appointment, Attendance

STARTER = importlib.import_module("billing.migrations.0002_starter_services")
NEUTRAL = importlib.import_module("billing.migrations.0003_invoices")


@pytest.fixture(autouse=True)
def starter_services(db):
    STARTER.load(apps, None)
    NEUTRAL.load(apps, None)


def signed_policy(client, member) -> bool:
    """A late-fee gate that allows (BILLING_LATE_FEE_POLICY in tests that need one)."""
    return True


def session(therapist, unit, *, days_ago=0, start=None, minutes=60, members=None):
    """A booked session of `unit` with `therapist`, two hours ago (`days_ago` days before) unless
    `start` is given."""
    start = start or (timezone.now() - timedelta(days=days_ago, hours=2)).replace(microsecond=0)
    end = start + timedelta(minutes=minutes)
    appointment = Appointment.objects.create(
        therapist=therapist, client=unit, start=start, end=end, modality="video", booked_by=therapist.user
    )
    for member in members if members is not None else unit.members.all():
        Attendance.objects.create(appointment=appointment, member=member, start=start, end=end)
    return appointment
