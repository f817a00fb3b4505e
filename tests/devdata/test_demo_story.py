"""The demo data tells one consistent story: the couple the urologist referred is the couple in
care, with the referral's people and concerns, referred before their first session and answered
within the practice's targets; each unit's goals and intake fit that unit; nobody shares a name with
the practice's people; the workshop is at the practice's address."""

import pytest
from django.core.management import call_command

from clients.models import Client, Goal, Note
from practice.models import PracticeSettings, Therapist, User
from referrals.models import Referral
from referrals.selectors import RESPONSES
from resources.models import Workshop
from sessions_app.models import Appointment, Room


@pytest.fixture
def demo(db):
    call_command("seed_demo")
    return {"couple": Client.objects.get(reference="C-DEMCPL"), "individual": Client.objects.get(reference="C-DEMIND")}


def test_the_accepted_referral_is_the_couple_in_care(demo):
    couple = demo["couple"]
    referral = Referral.objects.get(status=Referral.Status.ACCEPTED)
    assert referral.client == couple
    names = {(m.first_name, m.last_name) for m in couple.members.all()}
    assert names == {
        (referral.first_name, referral.last_name),
        (referral.partner_first_name, referral.partner_last_name),
    }
    assert set(referral.concerns.ids()) <= set(couple.concerns.ids())
    first_session = Appointment.objects.filter(client=couple).order_by("start").first()
    assert referral.created_at < first_session.start


def test_referrals_answered_were_answered_within_their_targets(demo):
    targets = PracticeSettings.current()
    answered = Referral.objects.exclude(status=Referral.Status.NEW)
    assert answered.count() >= 2
    for referral in answered:
        first = referral.events.filter(action__in=RESPONSES).order_by("at").first()
        assert first.at > referral.created_at
        assert (first.at - referral.created_at).days <= targets.referral_target(referral.urgency), referral.reference


def test_each_units_goals_and_intake_fit_that_unit(demo):
    couple, individual = demo["couple"], demo["individual"]
    couple_goals = set(Goal.objects.filter(client=couple).values_list("pk", flat=True))
    individual_texts = [g.text for g in Goal.objects.filter(client=individual)]
    assert couple_goals and individual_texts
    assert not {g.text for g in Goal.objects.filter(client=couple)} & set(individual_texts)
    for text in individual_texts:
        assert "partner" not in text.lower() and "together" not in text.lower(), text
    assert "joint" in Note.objects.get(client=couple, kind=Note.Kind.INTAKE).body.lower()
    assert "joint" not in Note.objects.get(client=individual, kind=Note.Kind.INTAKE).body.lower()


def test_no_client_shares_a_name_with_the_practices_people(demo):
    practice_names = set()
    for user in User.objects.exclude(role=User.Role.CLIENT):
        practice_names |= {user.first_name, user.last_name}
    for therapist in Therapist.objects.all():
        practice_names |= set(therapist.display_name.replace("Dr ", "").split())
    for unit in (demo["couple"], demo["individual"]):
        for member in unit.members.all():
            assert not {member.first_name, member.last_name} & practice_names, member.first_name
    for referral in Referral.objects.all():
        assert not {referral.first_name, referral.last_name} & practice_names, referral.reference


def test_the_workshop_is_at_the_practices_address(demo):
    address = Room.objects.first().location.split(", ", 1)[1]
    workshop = Workshop.objects.get()
    assert address in workshop.place
    assert workshop.facilitator in {t.display_name for t in Therapist.objects.all()}
