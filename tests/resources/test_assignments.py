"""The therapist's side of assignments: the client's homework page with adherence and suggestions,
assigning, editing, releasing the next stage, feedback, and reading a member's log (audited)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients.models import Concern
from practice.models import AuditAction, AuditEvent
from resources import services
from resources.models import Assignment, Feedback
from tests.factories import ResourceFactory, programme


def page(unit):
    return reverse("resources:client_assignments", args=[unit.pk])


def finish(assignment, member, number=1, log="ok"):
    step = assignment.resource.steps.order_by("order")[number - 1]
    return services.progress_save(
        assignment=assignment, member=member, by=member.user, step=step, log=log, mark_done=True
    )


# --- The client's homework page -------------------------------------------------------------------


def test_the_page_shows_adherence_and_overdue_work(therapist_web, alice, unit, sensate, reading, partner_a, partner_b):
    late = services.assignment_create(client=unit, resource=reading, by=alice.user, due_on=timezone.localdate())
    Assignment.objects.filter(pk=late.pk).update(due_on=timezone.localdate() - timedelta(days=2))
    done = services.assignment_create(client=unit, resource=ResourceFactory(title="Done reading"), by=alice.user)
    for member in (partner_a, partner_b):
        services.progress_save(assignment=done, member=member, by=member.user, mark_done=True)
    services.assignment_create(client=unit, resource=sensate, by=alice.user)

    r = therapist_web.get(page(unit))
    assert r.status_code == 200
    adherence = r.context["adherence"]
    assert (adherence.total, adherence.open, adherence.done, adherence.overdue) == (3, 2, 1, 1)
    body = r.content.decode()
    assert "overdue" in body and "Stage 1 of 3 released" in body
    event = AuditEvent.objects.get(action=AuditAction.VIEW, target_type="clients.client")
    assert (event.actor, event.client_id) == (alice.user, unit.pk)


def test_a_unit_with_concerns_calling_for_intensive_therapy_is_flagged(therapist_web, unit):
    assert "intensive therapy" not in therapist_web.get(page(unit)).content.decode()
    unit.concerns.add(Concern.objects.get(slug="depression"))
    assert "intensive therapy" in therapist_web.get(page(unit)).content.decode()


def test_the_page_suggests_resources_matching_the_units_concerns(therapist_web, unit, sensate, reading):
    elsewhere = ResourceFactory(title="About orgasm", concerns=["orgasm"])
    for_individuals = ResourceFactory(title="Solo reading", concerns=["low-desire"], suits="individuals")
    suggestions = therapist_web.get(page(unit)).context["suggestions"]
    assert [r.pk for r in suggestions] == [sensate.pk, reading.pk]  # two matching concerns first
    assert elsewhere not in suggestions and for_individuals not in suggestions


def test_the_page_suggests_upcoming_workshops_on_the_units_concerns(therapist_web, unit, workshop, partner_a):
    workshop.concerns.set(Concern.objects.filter(slug__in=["intimacy", "low-desire"]))
    services.registration_create(workshop=workshop, member=partner_a, by=None)
    (suggested,) = therapist_web.get(page(unit)).context["workshops"]
    assert suggested == workshop and suggested.registered_count == 1  # two matching concerns count once


def test_the_page_query_count_does_not_grow_with_the_homework(
    therapist_web, alice, unit, partner_a, django_assert_num_queries
):
    resources = [programme(3, title=f"P{i}") if i % 2 else ResourceFactory() for i in range(10)]
    for resource in resources[:2]:
        services.assignment_create(client=unit, resource=resource, by=alice.user)
    finish(Assignment.objects.filter(released_stage=1).first(), partner_a)
    therapist_web.get(page(unit))  # warm up: per-session bookkeeping of the first request is not the page's cost
    with CaptureQueriesContext(connection) as two:
        therapist_web.get(page(unit))
    for resource in resources[2:]:
        assignment = services.assignment_create(client=unit, resource=resource, by=alice.user)
        services.feedback_add(assignment=assignment, by=alice.user, body="x")
    with django_assert_num_queries(len(two.captured_queries)):
        therapist_web.get(page(unit))


# --- Assigning ------------------------------------------------------------------------------------


def test_the_assign_form_offers_suggestions_and_preselects_one(therapist_web, unit, sensate):
    r = therapist_web.get(reverse("resources:assignment_create", args=[unit.pk]), {"resource": sensate.pk})
    assert r.status_code == 200 and r.context["form"].initial["resource"] == sensate
    assert sensate in r.context["suggestions"]


def test_assigning_a_programme_to_both_partners(therapist_web, alice, unit, sensate):
    due = timezone.localdate() + timedelta(days=10)
    r = therapist_web.post(
        reverse("resources:assignment_create", args=[unit.pk]),
        {"resource": sensate.pk, "member": "", "due_on": due.isoformat(), "note": "Gently."},
    )
    assert r.status_code == 302 and r.url == page(unit)
    assignment = Assignment.objects.get()
    assert (assignment.client, assignment.member, assignment.due_on, assignment.note) == (unit, None, due, "Gently.")
    assert assignment.created_by == alice and assignment.released_stage == 1


def test_assigning_to_one_partner(therapist_web, unit, reading, partner_b):
    therapist_web.post(
        reverse("resources:assignment_create", args=[unit.pk]), {"resource": reading.pk, "member": partner_b.pk}
    )
    assert Assignment.objects.get().member == partner_b


def test_a_member_of_another_unit_or_a_past_date_is_refused_and_kept(therapist_web, unit, solo, reading):
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    r = therapist_web.post(
        reverse("resources:assignment_create", args=[unit.pk]),
        {"resource": reading.pk, "member": solo.members.get().pk, "due_on": yesterday, "note": "KEEPME"},
    )
    assert r.status_code == 400 and "KEEPME" in r.content.decode()
    assert set(r.context["form"].errors) == {"member", "due_on"}
    assert not Assignment.objects.exists()


# --- One assignment -------------------------------------------------------------------------------


def test_the_assignment_page_shows_progress_not_logs_and_is_audited(therapist_web, alice, assignment, partner_a):
    finish(assignment, partner_a, log="PRIVATE-LOG")
    r = therapist_web.get(reverse("resources:assignment", args=[assignment.pk]))
    body = r.content.decode()
    assert r.status_code == 200 and "PRIVATE-LOG" not in body and "done" in body
    assert reverse("resources:member_log", args=[assignment.pk, partner_a.pk]) in body
    assert AuditEvent.objects.filter(action=AuditAction.VIEW, target_type="resources.assignment").count() == 1


def test_editing_the_due_date_and_note(therapist_web, assignment):
    due = timezone.localdate() + timedelta(days=3)
    url = reverse("resources:assignment_edit", args=[assignment.pk])
    assert therapist_web.get(url).status_code == 200
    r = therapist_web.post(url, {"due_on": due.isoformat(), "note": "New note"})
    assert r.status_code == 302
    assignment.refresh_from_db()
    assert (assignment.due_on, assignment.note) == (due, "New note")


def test_editing_to_a_past_date_is_refused(therapist_web, assignment):
    url = reverse("resources:assignment_edit", args=[assignment.pk])
    r = therapist_web.post(url, {"due_on": "2000-01-01", "note": "Kept"})
    assert r.status_code == 400 and "Kept" in r.content.decode()


def test_releasing_the_next_stage_waits_for_both_then_works(therapist_web, assignment, partner_a, partner_b):
    url = reverse("resources:assignment_release", args=[assignment.pk])
    finish(assignment, partner_a)
    r = therapist_web.post(url, follow=True)
    assert partner_b.display_name in r.content.decode()
    assignment.refresh_from_db()
    assert assignment.released_stage == 1
    finish(assignment, partner_b)
    r = therapist_web.post(url, follow=True)
    assert "Stage 2 released" in r.content.decode()
    assignment.refresh_from_db()
    assert assignment.released_stage == 2


def test_feedback_for_one_partner(therapist_web, assignment, partner_a):
    url = reverse("resources:assignment_feedback", args=[assignment.pk])
    r = therapist_web.post(url, {"body": "Just for you.", "for_member": partner_a.pk})
    assert r.status_code == 302
    feedback = Feedback.objects.get()
    assert (feedback.body, feedback.for_member) == ("Just for you.", partner_a)


def test_empty_feedback_is_refused(therapist_web, assignment):
    r = therapist_web.post(reverse("resources:assignment_feedback", args=[assignment.pk]), {"body": ""})
    assert r.status_code == 400 and not Feedback.objects.exists()


# --- Reading a member's log -----------------------------------------------------------------------


def test_reading_a_members_log_shows_it_and_audits_every_row(therapist_web, alice, assignment, partner_a, partner_b):
    finish(assignment, partner_a, log="A-LOG")
    finish(assignment, partner_b, log="B-LOG")
    r = therapist_web.get(reverse("resources:member_log", args=[assignment.pk, partner_a.pk]))
    body = r.content.decode()
    assert "A-LOG" in body and "B-LOG" not in body
    reads = AuditEvent.objects.filter(action=AuditAction.VIEW, target_type="resources.stepprogress")
    assert reads.count() == 1 and reads.get().client_id == assignment.client_id
    assert reads.get().actor == alice.user


def test_the_log_of_a_partner_the_work_is_not_for_is_404(therapist_web, alice, unit, reading, partner_a, partner_b):
    assignment = services.assignment_create(client=unit, resource=reading, by=alice.user, member=partner_a)
    assert therapist_web.get(reverse("resources:member_log", args=[assignment.pk, partner_b.pk])).status_code == 404


def test_a_co_therapist_may_follow_the_work(client, charlie, unit, assignment, partner_a):
    unit.co_therapists.add(charlie)
    client.force_login(charlie.user)
    assert client.get(reverse("resources:member_log", args=[assignment.pk, partner_a.pk])).status_code == 200


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("client_assignments", "post"),
        ("assignment", "post"),
        ("member_log", "post"),
        ("assignment_release", "get"),
        ("assignment_feedback", "get"),
        ("assignment_create", "put"),
        ("assignment_edit", "delete"),
    ],
)
def test_wrong_methods_are_refused(therapist_web, assignment, partner_a, name, method):
    args = {
        "client_assignments": [assignment.client_id],
        "assignment_create": [assignment.client_id],
        "member_log": [assignment.pk, partner_a.pk],
    }.get(name, [assignment.pk])
    assert getattr(therapist_web, method)(reverse(f"resources:{name}", args=args)).status_code == 405


def test_a_malformed_resource_parameter_gives_the_plain_form(client, alice, solo):
    from django.urls import reverse

    client.force_login(alice.user)
    for value in ("abc", "-1", "1.5"):
        r = client.get(reverse("resources:assignment_create", args=[solo.pk]), {"resource": value})
        assert r.status_code == 200
