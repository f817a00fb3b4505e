"""seed_scale: the counts of a size, no overlapping sessions, and the refusals."""

import itertools

import pytest
from django.core.management import CommandError, call_command

from clients.models import Client, Member, MemberSearchToken
from devdata import scale
from outbox.models import Notification
from practice.models import Therapist
from referrals.models import Referral
from sessions_app.models import Appointment


@pytest.fixture
def xs(db):
    call_command("seed_scale", "--size", "XS", verbosity=0)
    return scale.SIZES["XS"]


def test_xs_has_the_counts_of_its_size(xs):
    assert Therapist.objects.count() == xs.therapists
    assert Client.objects.count() == xs.units
    assert Appointment.objects.count() == xs.past + xs.future
    assert Appointment.objects.filter(status="booked").count() == xs.future
    assert Referral.objects.count() == xs.referrals
    assert Notification.objects.count() == xs.outbox
    assert Notification.objects.filter(status="pending").count() == xs.due
    assert MemberSearchToken.objects.filter(member=Member.objects.first()).exists()


def test_one_active_unit_in_five_has_work_under_way_that_its_therapist_sees(xs, client):
    """Measures, homework, a private thread and (one in twenty) an open alert: the dashboard's panels
    are measured on rows, not on empty tables."""
    from django.urls import reverse

    from clients.models import RiskAlert
    from devdata.scale import ALERT_EVERY, WORK_EVERY
    from measures.models import MeasureRequest, MeasureResponse
    from messaging.models import Message
    from resources.models import Assignment

    worked, alerts = 0, 0
    for therapist in Therapist.objects.all():  # one in five of each caseload, not all of one in five
        active = Client.objects.filter(status="active", primary_therapist=therapist).count()
        mine = MeasureRequest.objects.filter(assignment__client__primary_therapist=therapist).count()
        assert mine == -(-active // WORK_EVERY) and mine > 0
        worked, alerts = worked + mine, alerts + -(-mine // ALERT_EVERY)
    assert MeasureResponse.objects.count() == 3 * worked and Message.objects.count() == 3 * worked
    assert Assignment.objects.count() == 2 * worked
    assert RiskAlert.objects.filter(acknowledged_at=None).count() == alerts
    therapist = Therapist.objects.filter(primary_clients__risk_alerts__isnull=False).first()
    client.force_login(therapist.user)
    page = client.get(reverse("dashboard")).content.decode()
    assert "risk alert" in page and "PHQ-9" in page and "Overdue" in page


def test_no_two_live_sessions_of_a_therapist_overlap(xs):
    for therapist in Therapist.objects.all():
        live = Appointment.objects.live().filter(therapist=therapist).order_by("start").values_list("start", "end")
        assert live
        assert all(previous_end <= start for (_s, previous_end), (start, _e) in itertools.pairwise(live))


def test_a_second_load_is_refused_unless_forced(xs):
    with pytest.raises(CommandError, match="already has scale data"):
        call_command("seed_scale", "--size", "XS", verbosity=0)
    call_command("seed_scale", "--size", "XS", "--force", verbosity=0)
    assert Client.objects.count() == 2 * xs.units
    assert Appointment.objects.count() == 2 * (xs.past + xs.future)
    test_no_two_live_sessions_of_a_therapist_overlap(xs)


def test_refused_in_production_settings(db, settings):
    settings.ALLOW_DEMO_DATA = False
    with pytest.raises(CommandError, match="ALLOW_DEMO_DATA"):
        call_command("seed_scale", "--size", "XS", verbosity=0)
    assert not Client.objects.exists()
