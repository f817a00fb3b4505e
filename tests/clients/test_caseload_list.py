"""The client list of a therapist: the units they lead and co-treat, by reference, counted and paged
from the caseload index (clients.selectors.client_list_page), so it costs the same for a caseload
of 50 or 1,000. Speed is measured in `make bench`; here, what it lists and how it reads it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clients import selectors
from clients.models import Client
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def listed(therapist, per_page=2, **filters) -> tuple[int, list[str]]:
    first = selectors.client_list_page(number=1, per_page=per_page, therapist=therapist, **filters)
    references = []
    for number in first.paginator.page_range:
        page = selectors.client_list_page(number=number, per_page=per_page, therapist=therapist, **filters)
        references += [unit.reference for unit in page.object_list]
    return first.paginator.count, references


def test_the_units_led_and_co_treated_come_in_reference_order_across_the_pages(alice, charlie):
    led = [ClientFactory(primary_therapist=alice) for _ in range(3)]
    co_treated = [ClientFactory(primary_therapist=charlie) for _ in range(2)]
    for unit in co_treated:
        unit.co_therapists.add(alice)
    ClientFactory(primary_therapist=charlie)  # charlie's alone: never on alice's list

    count, references = listed(alice)
    assert count == 5
    assert references == sorted(unit.reference for unit in led + co_treated)


def test_a_unit_both_led_and_co_treated_is_listed_and_counted_once(alice):
    unit, other = ClientFactory(primary_therapist=alice), ClientFactory(primary_therapist=alice)
    # The services never store the lead as a co-therapist too; a row written around them must not
    # show the unit twice or push another off its page.
    Client.co_therapists.through.objects.create(client=unit, therapist=alice)
    count, references = listed(alice, per_page=1)
    assert count == 2 and references == sorted([unit.reference, other.reference])


def test_the_status_filter_applies_to_the_co_treated_units_too(alice, charlie):
    active = ClientFactory(primary_therapist=alice, status="active")
    ClientFactory(primary_therapist=alice, status="closed")
    co_active = ClientFactory(primary_therapist=charlie, status="active")
    co_closed = ClientFactory(primary_therapist=charlie, status="closed")
    for unit in (co_active, co_closed):
        unit.co_therapists.add(alice)
    assert listed(alice, status="active") == (2, sorted([active.reference, co_active.reference]))
    assert listed(alice, status="closed")[0] == 2


def test_a_search_or_a_concern_still_filters_the_caseload(alice, charlie):
    mine = ClientFactory(primary_therapist=alice)
    ClientFactory(primary_therapist=charlie)
    assert listed(alice, q=mine.reference) == (1, [mine.reference])
    assert listed(alice, q="no-such-reference") == (0, [])


def test_the_count_and_the_page_are_read_from_the_caseload_index(alice, charlie):
    for _ in range(3):
        ClientFactory(primary_therapist=alice)
    ClientFactory(primary_therapist=charlie).co_therapists.add(alice)
    with CaptureQueriesContext(connection) as captured:
        selectors.client_list_page(number=1, per_page=2, therapist=alice)
    reads = [q["sql"] for q in captured.captured_queries if "UNION" in q["sql"]]
    assert len(reads) == 2, [q["sql"] for q in captured.captured_queries]  # the count, the page
    for sql in reads:
        # Not the `pk IN (caseload)` form, which read each unit of the caseload from the table twice.
        assert " IN (SELECT" not in sql, sql
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # Tables this small, never vacuumed, would be read whole or through a bitmap of the heap.
                cursor.execute("SET LOCAL enable_seqscan = off")
                cursor.execute("SET LOCAL enable_bitmapscan = off")
                cursor.execute(f"EXPLAIN {sql}")  # the captured statement carries its values
            else:
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
        if connection.vendor == "postgresql":
            # On tables this small the planner may take the foreign key's index or the caseload's (at
            # size L it reads the caseload index alone: docs/benchmarks.md); either way by an index.
            assert "Seq Scan on clients_client " not in plan, plan
            assert "Index Cond: (primary_therapist_id =" in plan, plan
        else:
            assert "COVERING INDEX client_caseload_by_reference" in plan, plan
