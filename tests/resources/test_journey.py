"""The issue's "done when": a therapist assigns a couple a staged programme and a book, registers them
for a workshop and follows their progress, while each partner works privately in the portal."""

from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from resources.models import Assignment, Registration
from tests.factories import ResourceFactory, WorkshopFactory


def test_a_couple_works_through_a_programme_privately_and_the_therapist_follows(
    alice, unit, sensate, partner_a, partner_b
):
    book = ResourceFactory(title="A book on desire (e.g.)", concerns=["low-desire"])
    workshop = WorkshopFactory(title="Couples evening")
    therapist, web_a, web_b = Client(), Client(), Client()
    therapist.force_login(alice.user)
    web_a.force_login(partner_a.user)
    web_b.force_login(partner_b.user)
    homework = reverse("resources:client_assignments", args=[unit.pk])

    # The therapist sees suggestions for the couple's concerns and assigns the programme and the book.
    assert {r.pk for r in therapist.get(homework).context["suggestions"]} >= {sensate.pk, book.pk}
    due = (timezone.localdate() + timedelta(days=14)).isoformat()
    for resource in (sensate, book):
        therapist.post(reverse("resources:assignment_create", args=[unit.pk]), {"resource": resource.pk, "due_on": due})
    therapist.post(
        reverse("resources:workshop_register", args=[workshop.pk]), {"members": [partner_a.pk, partner_b.pk]}
    )
    assert Registration.objects.filter(status="registered").count() == 2
    programme = Assignment.objects.get(resource=sensate)
    stage_one = sensate.steps.order_by("order")[0]
    stage_url = reverse("portal:step_progress", args=[programme.pk, stage_one.pk])

    # Each partner works privately.
    web_a.post(stage_url, {"log": "A: slower than I expected", "done": "on"})
    page_b = web_b.get(reverse("portal:assignment", args=[programme.pk])).content.decode()
    assert "A: slower" not in page_b and "Your partner has finished this stage too" in page_b
    assert "Couples evening" in web_b.get(reverse("portal:workshops")).content.decode()

    # The therapist cannot release stage two until both have finished stage one.
    therapist.post(reverse("resources:assignment_release", args=[programme.pk]))
    programme.refresh_from_db()
    assert programme.released_stage == 1
    web_b.post(stage_url, {"log": "B: calmer the second time", "done": "on"})
    therapist.post(reverse("resources:assignment_release", args=[programme.pk]))
    programme.refresh_from_db()
    assert programme.released_stage == 2

    # The therapist follows progress and reads each log; the partners still never see each other's.
    overview = therapist.get(homework).context
    assert (overview["adherence"].total, overview["adherence"].open) == (2, 2)
    log_b = therapist.get(reverse("resources:member_log", args=[programme.pk, partner_b.pk])).content.decode()
    assert "B: calmer" in log_b and "A: slower" not in log_b
    page_a = web_a.get(reverse("portal:assignment", args=[programme.pk])).content.decode()
    assert "B: calmer" not in page_a and "A: slower" in page_a and "Do part 2." in page_a
