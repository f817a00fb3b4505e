"""Logs, reflections, the therapist's note and feedback: the marker must not appear in the raw database."""

from practice.fields import encrypted_fields
from resources import services
from resources.models import Assignment, Feedback, StepProgress
from tests.clients.test_plaintext_sweep import raw_database_text

MARKER = "ZQXRESOURCEMARKER"


def test_every_confidential_field_of_the_app_is_encrypted():
    assert {f.name for f in encrypted_fields(Assignment)} == {"note"}
    assert {f.name for f in encrypted_fields(StepProgress)} == {"log"}
    assert {f.name for f in encrypted_fields(Feedback)} == {"body"}


def test_no_marker_reaches_the_raw_database(alice, unit, sensate, reading, partner_a, partner_b):
    programme = services.assignment_create(client=unit, resource=sensate, by=alice.user, note=f"{MARKER}-note")
    whole = services.assignment_create(client=unit, resource=reading, by=alice.user, note=f"{MARKER}-note2")
    step = sensate.steps.order_by("order").first()
    for member in (partner_a, partner_b):
        services.progress_save(
            assignment=programme,
            member=member,
            by=member.user,
            step=step,
            log=f"{MARKER}-log-{member.pk}",
            mark_done=True,
        )
        services.progress_save(assignment=whole, member=member, by=member.user, log=f"{MARKER}-reflection")
    services.feedback_add(assignment=programme, by=alice.user, body=f"{MARKER}-feedback")
    services.feedback_add(assignment=programme, by=alice.user, body=f"{MARKER}-private", for_member=partner_a)

    raw = raw_database_text()
    assert sensate.title in raw  # plain columns are readable here, so the sweep can see a leak
    assert StepProgress.objects.count() == 4 and "gAAAA" in raw
    assert MARKER not in raw and MARKER.lower() not in raw
    assert StepProgress.objects.get(member=partner_a, step=step).log == f"{MARKER}-log-{partner_a.pk}"
