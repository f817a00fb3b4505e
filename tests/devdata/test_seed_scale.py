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
