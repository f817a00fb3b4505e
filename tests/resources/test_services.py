"""Assign, log, complete, release the next stage; the both-partner rule; the library's writes."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from practice.models import AuditAction, AuditEvent
from resources import services
from resources.models import Assignment, ExerciseStep, Feedback, StepProgress
from tests.factories import ResourceFactory, programme


def stage(resource, number):
    return resource.steps.order_by("order")[number - 1]


def finish(assignment, member, number, log="done"):
    return services.progress_save(
        assignment=assignment,
        member=member,
        by=member.user,
        step=stage(assignment.resource, number),
        log=log,
        mark_done=True,
    )


# --- Assigning ------------------------------------------------------------------------------------


def test_assigning_a_programme_releases_its_first_stage_and_is_audited(alice, unit, sensate):
    assignment = services.assignment_create(client=unit, resource=sensate, by=alice.user, note="Go gently.")
    assignment.refresh_from_db()
    assert (assignment.status, assignment.released_stage, assignment.note) == ("assigned", 1, "Go gently.")
    event = AuditEvent.objects.get(action=AuditAction.CREATE, target_type="resources.assignment")
    assert (event.actor, event.client_id, event.target_id) == (alice.user, unit.pk, str(assignment.pk))


def test_a_reading_has_no_stages(alice, unit, reading):
    assert services.assignment_create(client=unit, resource=reading, by=alice.user).released_stage == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"active": False}, "resource"),
        ({"kind": "workshop"}, "resource"),
    ],
)
def test_inactive_resources_and_workshop_descriptions_cannot_be_assigned(alice, unit, change, field):
    resource = ResourceFactory(**change)
    with pytest.raises(ValidationError) as error:
        services.assignment_create(client=unit, resource=resource, by=alice.user)
    assert field in error.value.message_dict
    assert not Assignment.objects.exists()


def test_the_member_must_belong_to_the_unit_and_the_due_date_cannot_be_past(alice, unit, solo, reading):
    with pytest.raises(ValidationError) as error:
        services.assignment_create(client=unit, resource=reading, by=alice.user, member=solo.members.get())
    assert "member" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.assignment_create(
            client=unit, resource=reading, by=alice.user, due_on=timezone.localdate() - timedelta(days=1)
        )
    assert "due_on" in error.value.message_dict


# --- Logging and completing -----------------------------------------------------------------------


def test_a_log_is_saved_privately_and_the_work_is_in_progress(assignment, partner_a):
    progress = services.progress_save(
        assignment=assignment,
        member=partner_a,
        by=partner_a.user,
        step=stage(assignment.resource, 1),
        log="We laughed a lot.",
    )
    progress.refresh_from_db()
    assignment.refresh_from_db()
    assert progress.log == "We laughed a lot." and progress.done_at is None
    assert assignment.status == "in_progress"
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, target_type="resources.stepprogress").count() == 1


def test_saving_again_updates_the_same_row_and_keeps_the_done_time(assignment, partner_a):
    first = finish(assignment, partner_a, 1, log="first")
    again = services.progress_save(
        assignment=assignment,
        member=partner_a,
        by=partner_a.user,
        step=stage(assignment.resource, 1),
        log="second",
        mark_done=True,
    )
    assert again.pk == first.pk and again.done_at == first.done_at
    assert StepProgress.objects.get().log == "second"


def test_an_unreleased_stage_cannot_be_worked_on(assignment, partner_a):
    with pytest.raises(ValidationError, match="not released"):
        finish(assignment, partner_a, 2)
    assert not StepProgress.objects.exists()


def test_a_stage_of_another_programme_is_refused(assignment, partner_a):
    other = programme(2, title="Another programme")
    with pytest.raises(ValidationError, match="not part"):
        services.progress_save(assignment=assignment, member=partner_a, by=partner_a.user, step=stage(other, 1))


def test_a_programme_is_worked_stage_by_stage_not_as_a_whole(assignment, partner_a):
    with pytest.raises(ValidationError, match="stage by stage"):
        services.progress_save(assignment=assignment, member=partner_a, by=partner_a.user, mark_done=True)


def test_a_reading_is_done_when_everyone_it_is_for_has_finished(alice, unit, reading, partner_a, partner_b):
    assignment = services.assignment_create(client=unit, resource=reading, by=alice.user)
    services.progress_save(assignment=assignment, member=partner_a, by=partner_a.user, log="x", mark_done=True)
    assignment.refresh_from_db()
    assert assignment.status == "in_progress"
    services.progress_save(assignment=assignment, member=partner_b, by=partner_b.user, mark_done=True)
    assignment.refresh_from_db()
    assert assignment.status == "done" and assignment.completed_at is not None


def test_work_for_one_partner_is_theirs_alone(alice, unit, reading, partner_a, partner_b):
    assignment = services.assignment_create(client=unit, resource=reading, by=alice.user, member=partner_b)
    with pytest.raises(ValidationError, match="not yours"):
        services.progress_save(assignment=assignment, member=partner_a, by=partner_a.user, mark_done=True)
    services.progress_save(assignment=assignment, member=partner_b, by=partner_b.user, mark_done=True)
    assignment.refresh_from_db()
    assert assignment.status == "done"


# --- Releasing the next stage: the both-partner rule ----------------------------------------------


def test_the_next_stage_waits_for_both_partners(alice, assignment, partner_a, partner_b):
    finish(assignment, partner_a, 1)
    with pytest.raises(ValidationError) as error:
        services.stage_release(assignment=assignment, by=alice.user)
    assert partner_b.display_name in error.value.messages[0] and partner_a.display_name not in error.value.messages[0]
    assignment.refresh_from_db()
    assert assignment.released_stage == 1

    finish(assignment, partner_b, 1)
    services.stage_release(assignment=assignment, by=alice.user)
    assignment.refresh_from_db()
    assert assignment.released_stage == 2
    assert AuditEvent.objects.filter(action=AuditAction.UPDATE, target_type="resources.assignment").count() == 1


def test_both_finishing_does_not_release_by_itself_the_therapist_does(assignment, partner_a, partner_b):
    finish(assignment, partner_a, 1)
    finish(assignment, partner_b, 1)
    assignment.refresh_from_db()
    assert assignment.released_stage == 1 and assignment.status == "in_progress"
    with pytest.raises(ValidationError, match="not released"):
        finish(assignment, partner_a, 2)


def test_a_double_release_cannot_skip_a_stage(alice, assignment, partner_a, partner_b):
    finish(assignment, partner_a, 1)
    finish(assignment, partner_b, 1)
    services.stage_release(assignment=assignment, by=alice.user)
    with pytest.raises(ValidationError, match="Stage 2 is not finished"):
        services.stage_release(assignment=assignment, by=alice.user)  # the stale object still says stage 1
    assignment.refresh_from_db()
    assert assignment.released_stage == 2


def test_the_whole_programme_assign_log_release_complete(alice, assignment, partner_a, partner_b):
    for number in (1, 2, 3):
        finish(assignment, partner_a, number, log=f"a{number}")
        finish(assignment, partner_b, number, log=f"b{number}")
        if number < 3:
            services.stage_release(assignment=assignment, by=alice.user)
    assignment.refresh_from_db()
    assert (assignment.status, assignment.released_stage) == ("done", 3)
    assert assignment.completed_at is not None
    with pytest.raises(ValidationError, match="already released"):
        services.stage_release(assignment=assignment, by=alice.user)
    logs = {(p.member_id, p.step.order): p.log for p in StepProgress.objects.select_related("step")}
    assert logs[(partner_b.pk, 3)] == "b3" and len(logs) == 6


def test_a_programme_for_one_partner_moves_on_with_that_partner(alice, unit, sensate, partner_a):
    assignment = services.assignment_create(client=unit, resource=sensate, by=alice.user, member=partner_a)
    finish(assignment, partner_a, 1)
    services.stage_release(assignment=assignment, by=alice.user)
    assignment.refresh_from_db()
    assert assignment.released_stage == 2


def test_stages_are_counted_by_position_whatever_their_stored_numbers(alice, unit, partner_a, partner_b):
    resource = ResourceFactory(kind="exercise", link="")
    first = ExerciseStep.objects.create(resource=resource, order=5, title="first", what_to_do="x")
    second = ExerciseStep.objects.create(resource=resource, order=9, title="second", what_to_do="y")
    assignment = services.assignment_create(client=unit, resource=resource, by=alice.user)
    for member in (partner_a, partner_b):
        services.progress_save(assignment=assignment, member=member, by=member.user, step=first, mark_done=True)
    services.stage_release(assignment=assignment, by=alice.user)
    progress = services.progress_save(assignment=assignment, member=partner_a, by=partner_a.user, step=second)
    assert progress.pk


def test_release_refuses_a_reading(alice, unit, reading):
    assignment = services.assignment_create(client=unit, resource=reading, by=alice.user)
    with pytest.raises(ValidationError, match="no stages"):
        services.stage_release(assignment=assignment, by=alice.user)


# --- Feedback -------------------------------------------------------------------------------------


def test_feedback_for_everyone_or_one_partner(alice, assignment, partner_a, solo):
    services.feedback_add(assignment=assignment, by=alice.user, body="Well done, both.")
    services.feedback_add(assignment=assignment, by=alice.user, body="About your note.", for_member=partner_a)
    assert [f.for_member_id for f in Feedback.objects.order_by("pk")] == [None, partner_a.pk]
    with pytest.raises(ValidationError):
        services.feedback_add(assignment=assignment, by=alice.user, body="x", for_member=solo.members.get())
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, target_type="resources.feedback").count() == 2


# --- The library ----------------------------------------------------------------------------------


def step_row(title, order=None, step=None, delete=False):
    return {
        "title": title,
        "what_to_do": f"do {title}",
        "not_yet": "",
        "suggested_days": 3,
        "order": order,
        "step": step,
        "delete": delete,
    }


def test_a_resource_is_saved_with_its_stages_numbered_in_order(alice):
    resource = services.resource_save(
        by=alice.user,
        kind="exercise",
        title="Programme",
        summary="",
        instructions="",
        link="",
        suits="couples",
        nature="suggestion",
        active=True,
        steps=[step_row("b", order=2), step_row("a", order=1), step_row("c")],
    )
    assert list(resource.steps.order_by("order").values_list("order", "title")) == [(1, "a"), (2, "b"), (3, "c")]
    assert resource.created_by == alice.user
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, target_type="resources.resource").exists()


def test_stages_can_be_reordered_and_removed(alice, sensate):
    one, two, three = sensate.steps.order_by("order")
    services.resource_save(
        by=alice.user,
        resource=sensate,
        title="Renamed",
        steps=[step_row("one", order=3, step=one), step_row("two", step=two, delete=True), step_row("three", 1, three)],
    )
    assert list(sensate.steps.order_by("order").values_list("pk", "order")) == [(three.pk, 1), (one.pk, 2)]
    sensate.refresh_from_db()
    assert sensate.title == "Renamed"


def test_a_stage_with_client_work_cannot_be_removed(alice, assignment, partner_a):
    finish(assignment, partner_a, 1)
    first = stage(assignment.resource, 1)
    with pytest.raises(ValidationError, match="cannot be removed"):
        services.resource_save(
            by=alice.user, resource=assignment.resource, steps=[step_row("x", step=first, delete=True)]
        )
    assert ExerciseStep.objects.filter(pk=first.pk).exists()


def test_a_link_and_a_file_together_are_refused(alice):
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(ValidationError):
        services.resource_save(
            by=alice.user,
            title="Both",
            link="https://example.org/x",
            file=SimpleUploadedFile("handout.pdf", b"%PDF-1.4 test"),
        )
