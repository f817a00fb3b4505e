"""The gate function (documents.gates): what is missing before booking, video and a release letter.
Runs on both databases (bin/test). The services' and pages' gates are tested where they are wired."""

import pytest
from django.core.exceptions import ValidationError

from documents import services
from documents.gates import missing_signatures, require_signatures
from documents.models import DocumentTemplate
from tests.documents.conftest import current, sign


def _texts(unit, members, purpose, **kwargs):
    return [m.text for m in missing_signatures(client=unit, members=members, purpose=purpose, **kwargs)]


def test_booking_is_refused_without_informed_consent_naming_the_member_and_the_document(signed_pair):
    unit, jordan, sam = signed_pair
    version = current("treatment")
    with pytest.raises(ValidationError) as refusal:
        require_signatures(client=unit, members=[jordan], purpose="booking")
    assert (
        refusal.value.messages[0]
        == f"Jordan has not signed the Informed consent to treatment (version {version.number})."
    )
    assert "sign it in their portal under Documents" in refusal.value.messages[-1]
    sign(version, jordan)
    require_signatures(client=unit, members=[jordan], purpose="booking")  # Jordan's own session: open
    assert _texts(unit, [jordan, sam], "booking") == [
        f"Sam has not signed the Informed consent to treatment (version {version.number})."
    ]


def test_video_needs_each_attending_members_telehealth_consent(signed_pair):
    unit, jordan, sam = signed_pair
    sign(current("telehealth"), jordan)
    assert len(_texts(unit, [jordan, sam], "video")) == 1
    sign(current("telehealth"), sam)
    assert _texts(unit, [jordan, sam], "video") == []
    assert _texts(unit, [jordan, sam], "booking") != []  # telehealth does not stand in for treatment


def test_a_one_member_document_is_satisfied_by_either_partner(signed_pair, alice):
    unit, jordan, sam = signed_pair
    financial = DocumentTemplate.objects.get(kind="financial")
    financial.required_before = "booking"
    financial.save()
    for member in (jordan, sam):
        sign(current("treatment"), member)
    assert _texts(unit, [jordan, sam], "booking") == [
        f"Nobody in this unit has signed the Financial and cancellation policy (version {current('financial').number}) "
        "(one member's signature is enough)."
    ]
    sign(current("financial"), sam)
    assert _texts(unit, [jordan], "booking") == []  # Sam signed for the unit, even for Jordan's own session


def test_a_release_counts_only_for_the_referrer_it_names(signed_pair):
    unit, jordan, _sam = signed_pair
    assert len(_texts(unit, [jordan], "release", referrer_id=7)) == 1
    sign(current("release"), jordan, referrer_id=8, referrer_name="Dr Eight")
    assert len(_texts(unit, [jordan], "release", referrer_id=7)) == 1
    sign(current("release"), jordan, referrer_id=7, referrer_name="Dr Seven")
    assert _texts(unit, [jordan], "release", referrer_id=7) == []


def test_a_release_must_name_a_referrer(signed_pair):
    _unit, jordan, _sam = signed_pair
    with pytest.raises(ValidationError, match="must name the professional"):
        sign(current("release"), jordan)


def test_withdrawn_and_superseded_signatures_do_not_count(signed_pair, alice):
    unit, jordan, _sam = signed_pair
    signature = sign(current("treatment"), jordan)
    services.signature_withdraw(signature=signature, by=jordan.user)
    assert len(_texts(unit, [jordan], "booking")) == 1
    again = sign(current("treatment"), jordan)  # signing again after a withdrawal is allowed
    assert _texts(unit, [jordan], "booking") == []
    services.version_publish(
        template=again.version.template, body="New text.", effective_date=again.version.effective_date, by=alice.user
    )
    assert _texts(unit, [jordan], "booking") == [
        f"Jordan has not signed the Informed consent to treatment (version {again.version.number + 1})."
    ]


def test_an_inactive_or_ungated_document_does_not_gate(signed_pair):
    unit, jordan, _sam = signed_pair
    DocumentTemplate.objects.filter(kind="treatment").update(active=False)
    assert _texts(unit, [jordan], "booking") == []


def test_an_unknown_purpose_is_a_programming_error(signed_pair):
    unit, jordan, _sam = signed_pair
    with pytest.raises(ValueError, match="unknown purpose"):
        missing_signatures(client=unit, members=[jordan], purpose="fees")


def test_the_gate_takes_three_queries_whatever_the_documents(signed_pair, django_assert_max_num_queries):
    unit, jordan, sam = signed_pair
    with django_assert_max_num_queries(3):
        missing_signatures(client=unit, members=[jordan, sam], purpose="booking")
