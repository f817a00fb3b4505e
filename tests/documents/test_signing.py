"""Signing in the portal: what is recorded, who may sign, a new version asks again, withdrawal."""

import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from documents import services
from documents.gates import missing_signatures
from documents.models import DocumentVersion, Signature
from practice.models import AuditAction, AuditEvent
from tests.documents.conftest import BROWSER, current, sign
from tests.factories import ClientFactory, portal_user_for


def _post_sign(browser, version, name, agreed=True, **extra):
    data = {"typed_name": name, **({"agreed": "on"} if agreed else {})}
    return browser.post(reverse("portal:document_sign", args=[version.pk]), data, **extra)


def test_signing_records_version_hash_time_ip_agent_and_an_audit_row(client, signed_pair, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    unit, jordan, _sam = signed_pair
    version = current("treatment")
    client.force_login(jordan.user)
    r = _post_sign(
        client,
        version,
        "  jordan   LEE ",
        HTTP_USER_AGENT=BROWSER,
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7",
    )
    assert r.status_code == 302 and r.url == reverse("portal:documents")
    signature = Signature.objects.get(member=jordan)
    assert signature.version == version and signature.client == unit
    assert version.body_sha256 == hashlib.sha256(version.body.encode()).hexdigest()
    assert signature.ip == "203.0.113.7"  # what our one proxy saw, not the client's own claim
    assert signature.user_agent == BROWSER and signature.user == jordan.user
    assert signature.signed_name == "jordan LEE" and signature.signed_at is not None
    assert AuditEvent.objects.filter(action=AuditAction.SIGNED, target_id=str(signature.pk), client_id=unit.pk).exists()


def test_a_forged_forwarded_header_is_ignored_without_a_trusted_proxy(client, signed_pair, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    _unit, jordan, _sam = signed_pair
    client.force_login(jordan.user)
    _post_sign(client, current("treatment"), "Jordan Lee", REMOTE_ADDR="192.0.2.5", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert Signature.objects.get(member=jordan).ip == "192.0.2.5"


def test_accents_and_the_preferred_name_match(signed_pair):
    _unit, jordan, _sam = signed_pair
    jordan.first_name, jordan.preferred_name = "José", "Jo"
    jordan.save()
    assert sign(current("treatment"), jordan, typed_name="jose lee")
    assert sign(current("privacy"), jordan, typed_name="Jo Lee")


def test_a_partner_cannot_sign_for_the_other(client, signed_pair):
    unit, jordan, sam = signed_pair
    version = current("treatment")
    with pytest.raises(ValidationError, match="Only the person themselves"):
        services.document_sign(
            version=version, member=jordan, by=sam.user, typed_name="Jordan Lee", agreed=True, ip="", user_agent=""
        )
    client.force_login(sam.user)  # Sam, on the page, typing Jordan's name: refused, nothing signed
    r = _post_sign(client, version, "Jordan Lee")
    assert r.status_code == 400
    assert not Signature.objects.filter(client=unit).exists()


def test_a_mismatched_name_is_refused_clearly_and_the_typed_name_kept(client, signed_pair):
    _unit, jordan, _sam = signed_pair
    client.force_login(jordan.user)
    r = _post_sign(client, current("treatment"), "Jordan Leigh")
    assert r.status_code == 400
    page = r.content.decode()
    assert "does not match the name the practice has for you" in page
    assert 'value="Jordan Leigh"' in page
    assert not Signature.objects.exists()


def test_not_ticking_agree_is_refused(client, signed_pair):
    _unit, jordan, _sam = signed_pair
    client.force_login(jordan.user)
    r = _post_sign(client, current("treatment"), "Jordan Lee", agreed=False)
    assert r.status_code == 400 and "I have read and agree" in r.content.decode()
    assert not Signature.objects.exists()


def test_signing_the_same_version_twice_is_refused(signed_pair):
    _unit, jordan, _sam = signed_pair
    sign(current("treatment"), jordan)
    with pytest.raises(ValidationError, match="already signed"):
        sign(current("treatment"), jordan)


def test_a_new_version_asks_again(client, signed_pair, alice):
    unit, jordan, sam = signed_pair
    old = current("treatment")
    first = sign(old, jordan)
    sign(old, sam)
    assert missing_signatures(client=unit, members=[jordan, sam], purpose="booking") == []

    new = services.version_publish(
        template=old.template, body=old.body + "\n\nA new paragraph.", effective_date=old.effective_date, by=alice.user
    )
    assert new.number == old.number + 1
    missing = missing_signatures(client=unit, members=[jordan, sam], purpose="booking")
    assert [m.text for m in missing] == [
        f"Jordan has not signed the Informed consent to treatment (version {new.number}).",
        f"Sam has not signed the Informed consent to treatment (version {new.number}).",
    ]
    first.refresh_from_db()
    assert first.version_id == old.pk and first.version.body == old.body  # the old text is kept
    client.force_login(jordan.user)
    page = client.get(reverse("portal:documents")).content.decode()
    assert "please read and sign it again" in page
    assert client.get(reverse("portal:document_sign", args=[old.pk])).status_code == 404  # old one: no more

    sign(new, jordan)
    sign(new, sam)
    assert missing_signatures(client=unit, members=[jordan, sam], purpose="booking") == []


def test_a_published_version_cannot_be_changed(signed_pair):
    version = current("treatment")
    version.body = "Something else"
    with pytest.raises(ValidationError, match="cannot be changed"):
        version.save()
    assert DocumentVersion.objects.get(pk=version.pk).body != "Something else"


def test_withdrawal_closes_the_gate_at_once(client, signed_pair):
    unit, jordan, _sam = signed_pair
    signature = sign(current("telehealth"), jordan)
    assert missing_signatures(client=unit, members=[jordan], purpose="video") == []
    client.force_login(jordan.user)
    url = reverse("portal:signature_withdraw", args=[signature.pk])
    assert "Video sessions will no longer be possible" in client.get(url).content.decode()  # the confirmation
    assert client.post(url).status_code == 302
    signature.refresh_from_db()
    assert signature.withdrawn_at is not None and signature.withdrawn_by == jordan.user
    assert [m.member for m in missing_signatures(client=unit, members=[jordan], purpose="video")] == [jordan]
    assert AuditEvent.objects.filter(action=AuditAction.SIGNATURE_WITHDRAWN, target_id=str(signature.pk)).exists()


def test_the_privacy_notice_cannot_be_withdrawn_in_the_portal(client, signed_pair):
    _unit, jordan, _sam = signed_pair
    signature = sign(current("privacy"), jordan)
    client.force_login(jordan.user)
    assert client.post(reverse("portal:signature_withdraw", args=[signature.pk])).status_code == 404
    with pytest.raises(ValidationError, match="cannot be withdrawn"):
        services.signature_withdraw(signature=signature, by=jordan.user)


# --- access: 404 for the other partner, another therapist, staff and a stranger --------------------


@pytest.fixture
def jordans(signed_pair):
    _unit, jordan, _sam = signed_pair
    return sign(current("treatment"), jordan)


@pytest.fixture
def outsider(request, signed_pair, alice):
    def login(browser, who):
        _unit, _jordan, sam = signed_pair
        if who == "partner":
            browser.force_login(sam.user)
        elif who == "charlie":
            browser.force_login(request.getfixturevalue("charlie").user)
        elif who == "staff":
            browser.force_login(request.getfixturevalue("staff_user"))
        else:
            stranger = ClientFactory(primary_therapist=alice, with_members__signed=False).members.get()
            browser.force_login(portal_user_for(stranger))

    return login


@pytest.mark.parametrize("who", ["partner", "charlie", "staff", "stranger"])
@pytest.mark.parametrize("name", ["portal:signature_withdraw", "portal:signature_pdf", "documents:signature_pdf"])
def test_others_get_404_on_someone_elses_signature(client, outsider, jordans, who, name):
    outsider(client, who)
    url = reverse(name, args=[jordans.pk])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code in (404, 405)
    jordans.refresh_from_db()
    assert jordans.withdrawn_at is None


@pytest.mark.parametrize("who", ["charlie", "staff"])
def test_only_clients_reach_the_sign_page(client, outsider, who):
    outsider(client, who)
    assert client.get(reverse("portal:document_sign", args=[current("treatment").pk])).status_code == 404


def test_the_partner_cannot_sign_a_unit_document_already_signed_for_the_unit_twice(client, signed_pair):
    """Unit-level documents (one member signs) need no second signature: the partner's list is empty of it."""
    _unit, jordan, sam = signed_pair
    sign(current("financial"), jordan)
    client.force_login(sam.user)
    page = client.get(reverse("portal:documents")).content.decode()
    to_sign = page.split("Signed</h2>")[0]
    assert "Informed consent to treatment" in to_sign  # Sam's own documents are there
    assert "Financial and cancellation policy" not in to_sign


def test_a_couple_policy_is_not_offered_to_an_individual(client, alice):
    member = ClientFactory(primary_therapist=alice, with_members__signed=False).members.get()
    portal_user_for(member)
    client.force_login(member.user)
    assert client.get(reverse("portal:document_sign", args=[current("couple_policy").pk])).status_code == 404


def test_signing_the_couple_policy_acknowledges_the_units_policy_for_that_partner_only(client, signed_pair):
    unit, jordan, sam = signed_pair
    assert unit.confidentiality_policy and not jordan.has_acknowledged_policy
    client.force_login(jordan.user)
    r = _post_sign(client, current("couple_policy"), "Jordan Lee")
    assert r.status_code == 302
    jordan.refresh_from_db()
    sam.refresh_from_db()
    assert jordan.has_acknowledged_policy and jordan.policy_acknowledged == unit.confidentiality_policy
    assert jordan.policy_acknowledged_version == unit.policy_version
    assert not sam.has_acknowledged_policy
    assert AuditEvent.objects.filter(action=AuditAction.UPDATE, target_type="clients.member", target_id=str(jordan.pk))


def test_signing_another_document_acknowledges_nothing(signed_pair):
    _unit, jordan, _sam = signed_pair
    sign(current("treatment"), jordan)
    jordan.refresh_from_db()
    assert not jordan.has_acknowledged_policy


def test_a_couple_with_no_policy_chosen_still_signs_the_policy_document(signed_pair):
    unit, jordan, _sam = signed_pair
    type(unit).objects.filter(pk=unit.pk).update(confidentiality_policy="")
    jordan.refresh_from_db()
    signature = sign(current("couple_policy"), jordan)
    jordan.refresh_from_db()
    assert signature.is_live and not jordan.has_acknowledged_policy
