"""Demo measures: the demo couple's CSI-4 every session (with two months of answers each) and the
individual client's PHQ-9 and GAD-7 history, so the charts have something to show. Idempotent."""

from datetime import timedelta

from django.utils import timezone

from clients.models import Client
from measures import services
from measures.models import MeasureAssignment, MeasureResponse
from practice.models import Therapist

# CSI-4 answers (items 1-4) per partner, oldest first, a fortnight apart.
COUPLE = [
    [[2, 2, 2, 2], [3, 2, 2, 3], [3, 3, 3, 3], [4, 3, 4, 3]],
    [[1, 1, 2, 1], [2, 2, 2, 1], [2, 2, 3, 2], [3, 3, 3, 2]],
]
PHQ9 = [[2, 2, 1, 2, 1, 1, 1, 0, 0], [1, 2, 1, 1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 0, 1, 0, 0, 0]]
GAD7 = [[2, 2, 2, 1, 1, 2, 1], [2, 1, 2, 1, 1, 1, 1], [1, 1, 1, 1, 0, 1, 1]]


def _history(member, instrument: str, rows: list[dict], by) -> None:
    now = timezone.now()
    for index, answers in enumerate(rows):
        row, _score = services.response_administer(member=member, instrument=instrument, by=by, answers=answers)
        weeks = 2 * (len(rows) - index)
        MeasureResponse.objects.filter(pk=row.pk).update(submitted_at=now - timedelta(weeks=weeks))


def seed_measures() -> None:
    couple = Client.objects.get(reference="C-DEMCPL")
    if MeasureResponse.objects.filter(client=couple).exists():
        return
    therapist = Therapist.objects.get(user__email="therapist@demo.practice")
    for member, rows in zip(couple.members.order_by("position"), COUPLE, strict=True):
        _history(member, "csi4", [dict(zip("1234", r, strict=True)) for r in rows], therapist.user)
    services.assignment_create(
        client=couple, by=therapist.user, instrument="csi4", schedule=MeasureAssignment.Schedule.EVERY_SESSION
    )
    individual = Client.objects.get(reference="C-DEMIND").members.get()
    _history(individual, "phq9", [dict(zip("123456789", r, strict=True)) for r in PHQ9], therapist.user)
    _history(individual, "gad7", [dict(zip("1234567", r, strict=True)) for r in GAD7], therapist.user)
