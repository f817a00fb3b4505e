"""Staff run the diary and the front desk; they never reach clinical information, not even through
query parameters. And a draft intake is the member's alone: the therapist sees it once it is sent."""

import pytest
from django.urls import reverse

from clients.models import Concern, IntakeResponse
from referrals.models import Referral
from tests.factories import ClientFactory, ReferralFactory, whole_record


@pytest.fixture
def units(alice):
    """Two units: one with a marked concern, one without."""
    concern = Concern.objects.filter(intensive=False).first()
    flagged, plain = ClientFactory(primary_therapist=alice), ClientFactory(primary_therapist=alice)
    flagged.concerns.add(concern)
    return {"concern": concern, "flagged": flagged, "plain": plain}


def _listed(response) -> set[str]:
    return {unit.reference for unit in response.context["page"].object_list}


def test_staff_filtering_by_concern_see_every_unit_as_if_unfiltered(client, staff_user, units):
    client.force_login(staff_user)
    everyone = _listed(client.get(reverse("clients:list")))
    filtered = client.get(reverse("clients:list"), {"concern": units["concern"].slug})
    assert filtered.status_code == 200
    assert _listed(filtered) == everyone >= {units["flagged"].reference, units["plain"].reference}
    assert units["concern"].name not in filtered.content.decode().split("</form>", 1)[-1]  # not in the list


def test_a_therapist_still_filters_by_concern(client, alice, units):
    client.force_login(alice.user)
    filtered = client.get(reverse("clients:list"), {"concern": units["concern"].slug})
    assert _listed(filtered) == {units["flagged"].reference}


@pytest.mark.parametrize("params", [{"concern": "x"}, {"status": "active", "concern": "low-desire", "q": "C-"}])
def test_every_clinical_parameter_on_the_triage_list_shows_no_reason(client, staff_user, params):
    ReferralFactory(reason="STAFF-MARKER reason")
    client.force_login(staff_user)
    r = client.get(reverse("referrals:triage"), params)
    assert r.status_code == 200 and "STAFF-MARKER" not in r.content.decode()


def test_an_accepted_referral_hides_its_reason_and_concerns_from_staff(client, staff_user, alice):
    referral = ReferralFactory(reason="STAFF-MARKER reason", status=Referral.Status.ACCEPTED)
    concern = Concern.objects.first()
    referral.concerns.add(concern)
    client.force_login(staff_user)
    page = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "STAFF-MARKER" not in page and concern.name not in page
    assert "now part of the client's record" in page


def test_a_new_referral_still_shows_staff_its_reason_for_triage(client, staff_user):
    referral = ReferralFactory(reason="STAFF-MARKER reason")
    client.force_login(staff_user)
    assert "STAFF-MARKER" in client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()


def test_a_draft_intake_is_hidden_from_the_therapist(client, alice, solo):
    member = solo.members.get()
    IntakeResponse.objects.create(member=member, status="draft", hopes="DRAFT-MARKER")
    client.force_login(alice.user)
    url = reverse("clients:intake", args=[solo.pk, member.pk])
    assert client.get(url).status_code == 404
    assert "DRAFT-MARKER" not in whole_record(client, solo)
    IntakeResponse.objects.filter(member=member).update(status="submitted")
    assert "DRAFT-MARKER" in client.get(url).content.decode()
