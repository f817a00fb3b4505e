"""Reads other pages use: suggestions, overdue work for the dashboard, the client page's panel and timeline."""

from datetime import timedelta

from django.utils import timezone

from clients.models import Concern
from resources import selectors, services
from resources.models import Assignment
from tests.factories import ClientFactory, ResourceFactory


def test_suggestions_match_concerns_and_the_kind_of_unit_most_matches_first(alice, unit, sensate, reading, solo):
    ResourceFactory(title="Unrelated", concerns=["orgasm"])
    ResourceFactory(title="Retired", concerns=["low-desire"], active=False)
    ResourceFactory(title="Workshop blurb", kind="workshop", concerns=["low-desire"])
    assert [r.title for r in selectors.suggestions_for(unit)] == [sensate.title, reading.title]
    assert selectors.suggestions_for(unit)[0].matches == 2
    solo.concerns.set(Concern.objects.filter(slug="low-desire"))
    assert [r.title for r in selectors.suggestions_for(solo)] == [reading.title]  # the programme suits couples


def test_suggestions_leave_out_open_work_but_offer_finished_work_again(alice, unit, reading, partner_a, partner_b):
    assignment = services.assignment_create(client=unit, resource=reading, by=alice.user)
    assert reading not in selectors.suggestions_for(unit)
    for member in (partner_a, partner_b):
        services.progress_save(assignment=assignment, member=member, by=member.user, mark_done=True)
    assert reading in selectors.suggestions_for(unit)


def test_no_concerns_no_suggestions(alice, reading):
    assert selectors.suggestions_for(ClientFactory(primary_therapist=alice)) == []


def test_overdue_work_for_the_dashboard_is_the_therapists_own(alice, charlie, unit, reading):
    mine = services.assignment_create(client=unit, resource=reading, by=alice.user, due_on=timezone.localdate())
    theirs = services.assignment_create(
        client=ClientFactory(primary_therapist=charlie), resource=reading, by=charlie.user, due_on=timezone.localdate()
    )
    Assignment.objects.update(due_on=timezone.localdate() - timedelta(days=1))
    assert selectors.overdue_for_therapist(therapist=alice) == [mine]
    assert selectors.overdue_for_therapist(therapist=charlie) == [theirs]
    assert selectors.overdue_for_therapist(therapist=alice, today=timezone.localdate() - timedelta(days=1)) == []


def test_the_client_panel_and_timeline(alice, unit, sensate, reading, partner_a, partner_b):
    services.assignment_create(client=unit, resource=sensate, by=alice.user)
    done = services.assignment_create(client=unit, resource=reading, by=alice.user)
    for member in (partner_a, partner_b):
        services.progress_save(assignment=done, member=member, by=member.user, mark_done=True)
    panel = selectors.client_panel(client=unit)
    assert (panel["homework_adherence"].total, panel["homework_adherence"].done) == (2, 1)
    assert [a.resource for a in panel["homework_open"]] == [sensate]
    labels = sorted(e.label for e in selectors.client_timeline_entries(client=unit))
    assert labels == [f"Assigned: {reading.title}", f"Assigned: {sensate.title}", f"Done: {reading.title}"]


def test_the_adherence_counts(alice, unit, reading):
    services.assignment_create(client=unit, resource=reading, by=alice.user, due_on=timezone.localdate())
    Assignment.objects.update(due_on=timezone.localdate() - timedelta(days=1))
    adherence = selectors.adherence_for(unit)
    assert (adherence.total, adherence.open, adherence.done, adherence.overdue) == (1, 1, 0, 1)


def test_the_portal_home_summary_is_the_members_own(alice, unit, reading, workshop, partner_a, partner_b):
    services.assignment_create(client=unit, resource=reading, by=alice.user, member=partner_b)
    services.assignment_create(client=unit, resource=ResourceFactory(), by=alice.user)
    services.registration_create(workshop=workshop, member=partner_b, by=None)
    summary = selectors.portal_home(member=partner_a)
    assert summary == {"homework_open": 1, "workshops_mine": []}
    assert selectors.portal_home(member=partner_b)["homework_open"] == 2


def test_the_snippets_for_other_pages_render(alice, unit, reading, workshop, partner_a):
    from django.template.loader import render_to_string

    assignment = services.assignment_create(client=unit, resource=reading, by=alice.user, due_on=timezone.localdate())
    services.registration_create(workshop=workshop, member=partner_a, by=None)
    Assignment.objects.update(due_on=timezone.localdate() - timedelta(days=1))
    panel = render_to_string("resources/_client_panel.html", {"client": unit, **selectors.client_panel(client=unit)})
    assert reading.title in panel and "overdue" in panel
    overdue = selectors.overdue_for_therapist(therapist=alice)
    dashboard = render_to_string("resources/_dashboard_overdue.html", {"overdue_homework": overdue})
    assert unit.reference in dashboard and f"/resources/assignments/{assignment.pk}/" in dashboard
    home = render_to_string("resources/portal/_home_card.html", selectors.portal_home(member=partner_a))
    assert "1 thing to work on" in home and workshop.title in home
