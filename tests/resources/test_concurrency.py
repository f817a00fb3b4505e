"""Thirty people register for a workshop at once: never more than its capacity, the rest wait in
line, on both databases. Cancellations racing new registrations never let a place be counted twice.

Each thread has its own database connection (Django's connections are per thread), so this is real
concurrency: on PostgreSQL the workshop-row lock decides, on SQLite the IMMEDIATE write lock does.
"""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from outbox.models import Notification
from resources import messages, services
from resources.models import Registration
from tests.factories import ClientFactory, WorkshopFactory

PEOPLE = 30
CAPACITY = 8


def race(attempts: list) -> list[str]:
    barrier = threading.Barrier(len(attempts))
    outcomes = [None] * len(attempts)

    def run(i):
        try:
            barrier.wait(timeout=30)
            outcomes[i] = attempts[i]()
        except ValidationError as exc:
            outcomes[i] = f"refused: {exc.messages[0]}"
        except Exception as exc:  # noqa: BLE001 - anything else is the failure this test looks for
            outcomes[i] = f"error: {type(exc).__name__}: {exc}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(attempts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def register(workshop, member):
    return lambda: services.registration_create(workshop=workshop, member=member, by=None).status


def live_counts(workshop) -> dict:
    rows = Registration.objects.filter(workshop=workshop)
    return {status: rows.filter(status=status).count() for status in ("registered", "waitlisted", "cancelled")}


@pytest.mark.django_db(transaction=True)
def test_thirty_at_once_never_exceed_capacity_and_the_rest_wait_in_line():
    workshop = WorkshopFactory(capacity=CAPACITY)
    members = [ClientFactory().members.get() for _ in range(PEOPLE)]

    outcomes = race([register(workshop, m) for m in members])

    assert [o for o in outcomes if o not in ("registered", "waitlisted")] == []
    assert outcomes.count("registered") == CAPACITY
    assert outcomes.count("waitlisted") == PEOPLE - CAPACITY
    assert live_counts(workshop) == {"registered": CAPACITY, "waitlisted": PEOPLE - CAPACITY, "cancelled": 0}


@pytest.mark.django_db(transaction=True)
def test_a_cancellation_moves_up_the_first_in_line_and_tells_them():
    workshop = WorkshopFactory(capacity=CAPACITY)
    members = [ClientFactory().members.get() for _ in range(PEOPLE)]
    race([register(workshop, m) for m in members])
    first_in_line = Registration.objects.filter(workshop=workshop, status="waitlisted").order_by("created_at", "pk")[0]
    leaving = Registration.objects.filter(workshop=workshop, status="registered").first()

    (promoted,) = services.registration_cancel(registration=leaving, by=None)

    assert promoted.pk == first_in_line.pk
    assert live_counts(workshop) == {"registered": CAPACITY, "waitlisted": PEOPLE - CAPACITY - 1, "cancelled": 1}
    told = Notification.objects.get(kind=messages.WORKSHOP_PROMOTED)
    assert (told.member_id, told.target_id) == (first_in_line.member_id, str(first_in_line.pk))


@pytest.mark.django_db(transaction=True)
def test_cancellations_racing_registrations_keep_the_count_and_the_order():
    workshop = WorkshopFactory(capacity=CAPACITY)
    first = [ClientFactory().members.get() for _ in range(CAPACITY + 5)]
    for member in first:
        services.registration_create(workshop=workshop, member=member, by=None)
    registered = list(Registration.objects.filter(workshop=workshop, status="registered"))[:5]
    newcomers = [ClientFactory().members.get() for _ in range(20)]

    attempts = [lambda r=r: len(services.registration_cancel(registration=r, by=None)) for r in registered]
    attempts += [register(workshop, m) for m in newcomers]
    outcomes = race(attempts)

    assert not [o for o in outcomes if str(o).startswith(("error", "refused"))], outcomes
    counts = live_counts(workshop)
    assert counts["registered"] == CAPACITY and counts["cancelled"] == 5
    # The five who were already waiting moved up before any newcomer: the line is first come, first served.
    waiting_before = {m.pk for m in first[CAPACITY:]}
    now_registered = set(
        Registration.objects.filter(workshop=workshop, status="registered").values_list("member_id", flat=True)
    )
    assert waiting_before <= now_registered
    assert Notification.objects.filter(kind=messages.WORKSHOP_PROMOTED).count() == 5


@pytest.mark.django_db(transaction=True)
def test_the_same_member_twice_at_once_is_registered_once():
    workshop = WorkshopFactory(capacity=CAPACITY)
    member = ClientFactory().members.get()

    outcomes = race([register(workshop, member) for _ in range(10)])

    assert outcomes.count("registered") == 1
    assert all(o.startswith("refused: Already") for o in outcomes if o != "registered"), outcomes
    assert Registration.objects.filter(workshop=workshop).count() == 1
