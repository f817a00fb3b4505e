"""The client's own assignments: each partner works privately; the other partner's log is never shown."""

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from practice.models import AuditAction, AuditEvent
from resources import services
from resources.models import StepProgress
from tests.factories import ClientFactory, ResourceFactory, portal_user_for, programme

MINE = reverse("portal:assignments")


def detail(assignment):
    return reverse("portal:assignment", args=[assignment.pk])


def step_url(assignment, number):
    step = assignment.resource.steps.order_by("order")[number - 1]
    return reverse("portal:step_progress", args=[assignment.pk, step.pk])


def finish(assignment, member, number=1, log="ok"):
    step = assignment.resource.steps.order_by("order")[number - 1]
    services.progress_save(assignment=assignment, member=member, by=member.user, step=step, log=log, mark_done=True)


# --- The list -------------------------------------------------------------------------------------


def test_my_list_shows_our_work_and_mine_but_not_my_partners_or_other_clients(
    web_a, alice, unit, assignment, reading, partner_b
):
    theirs = services.assignment_create(
        client=unit, resource=ResourceFactory(title="Just for B"), by=alice.user, member=partner_b
    )
    other_unit = ClientFactory(primary_therapist=alice)
    services.assignment_create(client=other_unit, resource=ResourceFactory(title="Other client's"), by=alice.user)
    body = web_a.get(MINE).content.decode()
    assert assignment.resource.title in body
    assert theirs.resource.title not in body and "Other client's" not in body


def test_my_list_query_count_is_fixed(web_a, alice, unit, partner_a, django_assert_num_queries):
    resources = [programme(2, title=f"P{i}") if i % 2 else ResourceFactory() for i in range(10)]
    for resource in resources[:2]:
        services.assignment_create(client=unit, resource=resource, by=alice.user)
    web_a.get(MINE)  # warm up: per-session bookkeeping of the first request is not the page's cost
    with CaptureQueriesContext(connection) as two:
        web_a.get(MINE)
    for resource in resources[2:]:
        assignment = services.assignment_create(client=unit, resource=resource, by=alice.user)
        services.feedback_add(assignment=assignment, by=alice.user, body="x")
        if assignment.released_stage:
            finish(assignment, partner_a)
    with django_assert_num_queries(len(two.captured_queries)):
        web_a.get(MINE)


# --- One assignment -------------------------------------------------------------------------------


def test_the_page_shows_released_stages_and_hides_what_comes_later(web_a, assignment):
    body = web_a.get(detail(assignment)).content.decode()
    assert "Do part 1." in body and "Not more." in body
    assert "Do part 2." not in body and "Opens when your therapist releases it" in body
    assert AuditEvent.objects.filter(action=AuditAction.VIEW, target_type="resources.assignment").count() == 1


def test_a_partner_writes_a_log_and_marks_the_stage_done(web_a, assignment, partner_a):
    r = web_a.post(step_url(assignment, 1), {"log": "It felt strange at first.", "done": "on"})
    assert r.status_code == 302 and r.url == detail(assignment)
    progress = StepProgress.objects.get()
    assert (progress.member, progress.log) == (partner_a, "It felt strange at first.") and progress.is_done
    body = web_a.get(detail(assignment)).content.decode()
    assert "It felt strange at first." in body and "you finished it" in body
    assert "Your partner has not marked this stage finished yet" in body


def test_saving_notes_without_marking_done(web_a, assignment):
    web_a.post(step_url(assignment, 1), {"log": "draft"})
    assert not StepProgress.objects.get().is_done


def test_the_partners_log_is_never_shown(web_a, assignment, partner_b):
    finish(assignment, partner_b, log="B-PRIVATE")
    body = web_a.get(detail(assignment)).content.decode()
    assert "B-PRIVATE" not in body and "Your partner has finished this stage too" in body
    assert "B-PRIVATE" not in web_a.get(MINE).content.decode()


def test_an_unreleased_stage_is_refused_and_what_was_typed_is_kept(web_a, assignment):
    r = web_a.post(step_url(assignment, 2), {"log": "KEEP-THIS", "done": "on"})
    body = r.content.decode()
    assert r.status_code == 400 and "not released" in body and "KEEP-THIS" in body
    assert not StepProgress.objects.exists()


def test_a_too_long_log_is_refused_and_kept(web_a, assignment):
    r = web_a.post(step_url(assignment, 1), {"log": "x" * 20001})
    assert r.status_code == 400 and not StepProgress.objects.exists()


def test_a_reading_opens_its_link_and_is_marked_done_as_a_whole(web_a, alice, unit, reading):
    assignment = services.assignment_create(client=unit, resource=reading, by=alice.user)
    r = web_a.get(reverse("portal:assignment_open", args=[assignment.pk]))
    assert r.status_code == 302 and r.url == reading.link
    r = web_a.post(reverse("portal:progress", args=[assignment.pk]), {"log": "Chapter 2 hit home.", "done": "on"})
    assert r.status_code == 302 and StepProgress.objects.get().step is None


def test_a_shared_file_opens_for_the_client_it_was_given_to(web_a, alice, unit):
    resource = ResourceFactory(link="")
    resource.file.save("handout.pdf", ContentFile(b"%PDF-1.4 handout"))
    assignment = services.assignment_create(client=unit, resource=resource, by=alice.user)
    r = web_a.get(reverse("portal:assignment_open", args=[assignment.pk]))
    assert r.status_code == 200 and b"".join(r.streaming_content) == b"%PDF-1.4 handout"


def test_feedback_for_the_other_partner_is_not_shown(web_a, alice, assignment, partner_a, partner_b):
    services.feedback_add(assignment=assignment, by=alice.user, body="TO-EVERYONE")
    services.feedback_add(assignment=assignment, by=alice.user, body="FOR-A", for_member=partner_a)
    services.feedback_add(assignment=assignment, by=alice.user, body="FOR-B", for_member=partner_b)
    body = web_a.get(detail(assignment)).content.decode()
    assert "TO-EVERYONE" in body and "FOR-A" in body and "FOR-B" not in body
    assert "2 messages from your therapist" in web_a.get(MINE).content.decode()


def test_the_therapists_note_is_shown(web_a, alice, unit, sensate):
    assignment = services.assignment_create(client=unit, resource=sensate, by=alice.user, note="Take your time.")
    assert "Take your time." in web_a.get(detail(assignment)).content.decode()


# --- Who may reach what ---------------------------------------------------------------------------


def test_work_for_the_other_partner_is_404(web_a, alice, unit, reading, partner_b):
    theirs = services.assignment_create(client=unit, resource=reading, by=alice.user, member=partner_b)
    assert web_a.get(detail(theirs)).status_code == 404
    assert web_a.get(reverse("portal:assignment_open", args=[theirs.pk])).status_code == 404
    assert web_a.post(reverse("portal:progress", args=[theirs.pk]), {"done": "on"}).status_code == 404
    assert not StepProgress.objects.exists()


def test_another_clients_work_is_404(client, alice, assignment):
    stranger = ClientFactory(primary_therapist=alice).members.get()
    client.force_login(portal_user_for(stranger))
    assert client.get(detail(assignment)).status_code == 404
    assert client.post(step_url(assignment, 1), {"log": "x", "done": "on"}).status_code == 404
    assert not StepProgress.objects.exists()


def test_a_stage_of_another_programme_is_404(web_a, assignment):
    other = programme(2, title="Other")
    url = reverse("portal:step_progress", args=[assignment.pk, other.steps.first().pk])
    assert web_a.post(url, {"log": "x"}).status_code == 404


@pytest.mark.parametrize("who", ["alice", "staff_user", "client_user"])
def test_therapists_staff_and_unlinked_clients_get_404(client, request, who, assignment):
    person = request.getfixturevalue(who)
    client.force_login(getattr(person, "user", person))
    assert client.get(MINE).status_code == 404
    assert client.get(detail(assignment)).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, assignment):
    for url in (MINE, detail(assignment)):
        r = client.get(url)
        assert r.status_code == 302 and r.url.startswith("/accounts/login/")


@pytest.mark.parametrize(("method", "which"), [("post", "list"), ("post", "detail"), ("get", "step"), ("post", "open")])
def test_wrong_methods_are_refused(web_a, assignment, method, which):
    url = {
        "list": MINE,
        "detail": detail(assignment),
        "step": step_url(assignment, 1),
        "open": reverse("portal:assignment_open", args=[assignment.pk]),
    }[which]
    assert getattr(web_a, method)(url).status_code == 405
