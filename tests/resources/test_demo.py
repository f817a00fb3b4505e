"""`seed_resources`: a starter library written for this project, idempotent, and homework for the demo couple."""

from datetime import timedelta

from django.utils import timezone

from devdata.demo import seed_demo
from devdata.resources import WORKSHOP_TITLE, seed_resources
from resources.models import Assignment, ExerciseStep, Registration, Resource, StepProgress, Workshop


def test_the_starter_library_is_created_once(db):
    first = seed_resources()
    seed_resources()
    assert Resource.objects.count() == 6
    programme = first["programme"]
    assert programme.kind == "exercise" and programme.suits == "couples"
    assert ExerciseStep.objects.filter(resource=programme).count() == 4
    assert all(step.not_yet for step in programme.steps.all())
    assert Resource.objects.filter(kind="reading").count() == 3
    assert all(r.link == "" or r.link.startswith("https://example.org/") for r in Resource.objects.all())
    assert all("e.g." in r.summary for r in Resource.objects.filter(kind="reading").exclude(link=""))
    assert programme.concerns.filter(slug="low-desire").exists()
    (workshop,) = Workshop.objects.filter(title=WORKSHOP_TITLE)
    assert workshop.starts_at > timezone.now() and workshop.capacity == 12


def test_a_past_demo_workshop_is_followed_by_a_new_one(db):
    seed_resources()
    past = timezone.now() - timedelta(days=40)
    Workshop.objects.update(starts_at=past, ends_at=past + timedelta(hours=2))
    seed_resources()
    assert Workshop.objects.filter(title=WORKSHOP_TITLE, starts_at__gt=timezone.now()).count() == 1


def test_the_demo_couple_gets_homework_once(db):
    seed_demo()
    seed_resources()
    seed_resources()
    assert Assignment.objects.filter(client__reference="C-DEMCPL").count() == 2
    programme = Assignment.objects.get(resource__kind="exercise")
    assert programme.released_stage == 1 and programme.status == "in_progress"
    assert StepProgress.objects.get().member.position == 1
    assert Registration.objects.filter(status="registered").count() == 2
