"""Fifty people try to book the same slot at once: exactly one gets it, on both databases.

Each thread has its own database connection (Django's connections are per thread), so this is real
concurrency: on PostgreSQL the therapist-row lock and the exclusion constraint decide, on SQLite the
IMMEDIATE write lock does.
"""

from datetime import UTC, datetime

import pytest

from clients.models import Client
from sessions_app import services
from sessions_app.models import Appointment, Modality
from tests.factories import ClientFactory, sign_for_video
from tests.racing import at_once

ATTEMPTS = 50
SLOT = datetime(2027, 1, 6, 10, 0, tzinfo=UTC)


def race(attempt) -> list[str]:
    def book(i):
        attempt(i)
        return "booked"

    return at_once(book, ATTEMPTS, expected={services.SlotTaken: "taken"})


@pytest.mark.django_db(transaction=True)
def test_fifty_clients_race_for_one_slot_and_exactly_one_wins(alice, hours, monday):
    units = [sign_for_video(ClientFactory(primary_therapist=alice)) for _ in range(ATTEMPTS)]
    Client.objects.update(self_booking=True)

    def attempt(i):
        unit = Client.objects.get(pk=units[i].pk)
        services.appointment_book(
            therapist=alice,
            client=unit,
            members=list(unit.members.all()),
            start=SLOT,
            by=alice.user,
            via=Appointment.Via.PORTAL,
            modality=Modality.VIDEO,
        )

    outcomes = race(attempt)
    assert outcomes.count("booked") == 1, [o for o in outcomes if o.startswith("error")][:3]
    assert outcomes.count("taken") == ATTEMPTS - 1
    assert Appointment.objects.filter(start=SLOT).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_member_raced_across_two_therapists_is_booked_once(alice, charlie, solo, monday):
    """A member shared by two therapists (co-therapy): the member constraint holds across them."""
    solo.co_therapists.add(charlie)
    sign_for_video(solo)
    therapists = [alice, charlie]

    def attempt(i):
        therapist = therapists[i % 2]
        services.appointment_book(
            therapist=therapist,
            client=solo,
            members=list(solo.members.all()),
            start=SLOT,
            by=therapist.user,
            modality=Modality.VIDEO,
        )

    outcomes = race(attempt)
    # The therapist whose own session it is sees it named; the other sees "not free" (a colleague's client).
    refusals = ("clashes", "That time is not free")
    clashes = [o for o in outcomes if o.startswith("error: ValidationError") and any(r in o for r in refusals)]
    assert outcomes.count("booked") == 1
    assert outcomes.count("taken") + len(clashes) == ATTEMPTS - 1, set(outcomes)
