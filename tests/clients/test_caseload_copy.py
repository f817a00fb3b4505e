"""The rows the dashboard lists by caseload carry a copy of their unit's primary therapist
(`clients.models.CaseloadCopy`): measure assignments, requests and answers, homework, and threads.

The panels read them through an index that starts with the therapist, so each reads the rows it shows
whatever the caseload's size (they probed every unit treated: 1,000 at size L). The copy is made with the
row and moves with the unit; a co-therapist's panels add the co-treated units' rows, in order."""

import random
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients import services as clients
from clients.models import Client, Member, caseload_copies, co_treated_ids
from measures import services as measures
from measures.models import MeasureAssignment, MeasureRequest, MeasureResponse
from messaging.models import Thread
from messaging.selectors import inbox_summary
from resources import services as resources
from resources.models import Assignment
from tests.factories import ClientFactory, ResourceFactory, portal_user_for
from tests.plans import analyze, plan_of


@pytest.fixture
def mine(alice):
    """A unit Alice leads."""
    return ClientFactory(primary_therapist=alice)


@pytest.fixture
def theirs(alice, charlie):
    """A unit Charlie leads and Alice co-treats."""
    unit = ClientFactory(primary_therapist=charlie)
    unit.co_therapists.add(alice)
    return unit


def _give_work(client, unit, *, by, overdue_days: int) -> None:
    """Homework overdue by `overdue_days`, a questionnaire due now, an answer, and a message from the client."""
    member = unit.members.get()
    work = resources.assignment_create(
        client=unit, resource=ResourceFactory(), by=by.user, due_on=timezone.localdate() + timedelta(days=1)
    )
    Assignment.objects.filter(pk=work.pk).update(due_on=timezone.localdate() - timedelta(days=overdue_days))
    measures.assignment_create(client=unit, by=by.user, instrument="csi4", schedule="once")
    measures.response_administer(member=member, instrument="phq9", by=by.user, answers=dict.fromkeys("123456789", 0))
    portal_user_for(member)
    client.force_login(member.user)
    client.post(reverse("portal:message_thread", args=["private"]), {"body": "Can we talk about Thursday?"})


def _astray() -> dict[str, int]:
    """Per model, its rows and how many of them disagree with their unit's primary therapist."""
    return {
        model.__name__: (
            model.objects.count(),
            model.objects.exclude(primary_therapist=F(f"{model.CLIENT_PATH}__primary_therapist")).count(),
        )
        for model in caseload_copies()
    }


def _panels(client, therapist) -> dict:
    client.force_login(therapist.user)
    page = client.get(reverse("dashboard"))
    assert page.status_code == 200
    return {
        "overdue": [a.client.reference for a in page.context["overdue_homework"]],
        "due": [row["request"].assignment.client.reference for row in page.context["measures_due"]],
        "answered": [row["response"].client.reference for row in page.context["measures_completed"]],
        "unread": page.context["inbox"]["unread"],
        "html": page.content.decode(),
    }


def test_the_copies_are_every_listed_model(db):
    names = {model.__name__ for model in caseload_copies()}
    assert names == {"MeasureAssignment", "MeasureRequest", "MeasureResponse", "Assignment", "Thread"}


def test_every_row_carries_its_units_therapist_and_moves_with_the_unit(client, alice, charlie, mine, theirs):
    _give_work(client, mine, by=alice, overdue_days=3)
    _give_work(client, theirs, by=charlie, overdue_days=5)
    # A row made without the copy (as a test or a shell would) takes it from its unit.
    Assignment.objects.create(client=mine, resource=ResourceFactory(), created_by=alice)
    counts = _astray()
    assert all(rows >= 2 and astray == 0 for rows, astray in counts.values()), counts

    clients.client_therapists_set(client=mine, primary=charlie, co_therapists=[], by=alice.user)
    counts = _astray()
    assert all(astray == 0 for _rows, astray in counts.values()), counts
    assert not Assignment.objects.filter(client=mine, primary_therapist=alice).exists()
    assert MeasureRequest.objects.filter(assignment__client=mine, primary_therapist=charlie).exists()
    assert MeasureAssignment.objects.filter(client=mine).get().primary_therapist == charlie
    assert MeasureResponse.objects.filter(client=mine).get().primary_therapist == charlie
    assert Thread.objects.filter(client=mine).get().primary_therapist == charlie


def test_a_co_therapist_sees_both_caseloads_in_order_and_a_transfer_moves_the_work(
    client, alice, charlie, mine, theirs
):
    _give_work(client, mine, by=alice, overdue_days=3)
    _give_work(client, theirs, by=charlie, overdue_days=5)
    mine.members.update(preferred_name="Mina")  # the due panel names the member: the reference is the check

    alices = _panels(client, alice)
    # The co-treated unit's homework is the older, so first; both units' questionnaires and answers show.
    assert alices["overdue"] == [theirs.reference, mine.reference]
    assert sorted(alices["due"]) == sorted([mine.reference, theirs.reference])
    assert sorted(alices["answered"]) == sorted([mine.reference, theirs.reference])
    assert alices["unread"] == 2
    charlies = _panels(client, charlie)
    assert charlies["overdue"] == [theirs.reference] and charlies["due"] == [theirs.reference]
    assert mine.reference not in charlies["html"] and charlies["unread"] == 1

    # Alice hands her unit to Charlie: its work leaves her dashboard and reaches his on the next request.
    clients.client_therapists_set(client=mine, primary=charlie, co_therapists=[], by=alice.user)
    alices = _panels(client, alice)
    assert alices["overdue"] == [theirs.reference] and alices["due"] == [theirs.reference]
    assert alices["answered"] == [theirs.reference] and alices["unread"] == 1
    assert mine.reference not in alices["html"]
    charlies = _panels(client, charlie)
    assert charlies["overdue"] == [theirs.reference, mine.reference]
    assert sorted(charlies["answered"]) == sorted([mine.reference, theirs.reference]) and charlies["unread"] == 2

    # Charlie takes Alice off the co-treated unit: nothing of it is left on her dashboard.
    clients.client_therapists_set(client=theirs, primary=charlie, co_therapists=[], by=charlie.user)
    alices = _panels(client, alice)
    assert alices["overdue"] == alices["due"] == alices["answered"] == [] and alices["unread"] == 0


def test_the_inbox_line_through_the_copy_counts_what_the_caseload_rule_counts(client, alice, charlie, mine, theirs):
    _give_work(client, mine, by=alice, overdue_days=3)
    _give_work(client, theirs, by=charlie, overdue_days=5)
    other = ClientFactory(primary_therapist=charlie)
    _give_work(client, other, by=charlie, overdue_days=1)
    for therapist, unread in ((alice, 2), (charlie, 2)):
        through_copy = inbox_summary(user=therapist.user, co_treated=co_treated_ids(therapist))
        assert through_copy == inbox_summary(user=therapist.user) and through_copy["unread"] == unread


def _a_practice_around(therapist, units: int = 400) -> None:
    """Another therapist's caseload with the seed's work (devdata.scale: one unit in five), in bulk: the
    statistics of a practice where Alice's rows are a few of many, which the planner's choice depends on."""
    from devdata.scale import add_clinical_work

    made = Client.objects.bulk_create(
        [Client(primary_therapist=therapist, status=Client.Status.ACTIVE) for _ in range(units)]
    )
    Member.objects.bulk_create([Member(client=unit, first_name="Sam", last_name="Other") for unit in made])
    add_clinical_work([therapist], rng=random.Random(7), now=timezone.now())


def test_the_panels_read_the_therapists_indexes_not_each_unit(client, alice, charlie, mine):
    for n in range(12):  # a caseload with work, and more units without
        unit = ClientFactory(primary_therapist=alice)
        if n % 3 == 0:
            _give_work(client, unit, by=alice, overdue_days=n + 1)
    _give_work(client, mine, by=alice, overdue_days=2)
    _a_practice_around(charlie)
    analyze()
    client.force_login(alice.user)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("dashboard")).status_code == 200
    statements = [q["sql"] for q in captured.captured_queries]
    # The co-treated units are read once, for every panel.
    co_reads = [sql for sql in statements if 'FROM "clients_client_co_therapists" WHERE' in sql[:200]]
    assert len(co_reads) == 1, co_reads
    for table, index in (
        ('FROM "resources_assignment"', "assignment_open_caseload"),
        ('FROM "measures_measurerequest"', "measure_request_due_caseload"),
        ('FROM "measures_measureresponse"', "measure_response_caseload"),
        ('FROM "messaging_thread"', "thread_caseload"),
    ):
        (sql,) = [s for s in statements if table in s]
        # No probe of each unit treated: the panel names neither the caseload nor the units' table.
        assert "clients_client_co_therapists" not in sql and 'WHERE "clients_client"."primary_therapist_id"' not in sql
        assert index in plan_of(sql), (index, plan_of(sql))
    # Each answer's "since the last session" takes one step of the unit's sessions by start.
    (answered,) = [s for s in statements if 'FROM "measures_measureresponse"' in s]
    assert "appointment_client_start" in plan_of(answered), plan_of(answered)
