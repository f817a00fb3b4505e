"""The therapist's side: the client page's panel, requests to sign, paper consents, publishing."""

import re

from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from documents.models import DocumentVersion, Signature
from outbox.models import Notification
from tests.documents.conftest import current, sign


def test_the_client_page_shows_who_signed_which_version_and_who_must_sign_again(client, signed_pair, alice):
    unit, jordan, _sam = signed_pair
    old = current("treatment")
    sign(old, jordan)
    client.force_login(alice.user)
    page = client.get(reverse("clients:detail", args=[unit.pk]), {"tab": "documents"}).content.decode()
    assert "Signed documents" in page and re.search(r'Sam:\s*<span class="text-body-secondary">not signed', page)
    client.post(reverse("documents:publish", args=[old.template.pk]), {"body": "v2", "effective_date": "2026-01-01"})
    page = client.get(reverse("documents:client", args=[unit.pk])).content.decode()
    assert f"signed version {old.number} only: must sign again" in page


def test_a_request_to_sign_is_queued_without_the_document_for_a_discreet_member(client, signed_pair, alice, deliver):
    unit, jordan, _sam = signed_pair
    jordan.discreet_wording = True
    jordan.save()
    client.force_login(alice.user)
    version = current("telehealth")
    r = client.post(reverse("documents:request", args=[unit.pk]), {"member": jordan.pk, "version": version.pk})
    assert r.status_code == 302
    row = Notification.objects.get(kind="documents_sign_request", member=jordan)
    deliver()
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert "You have a document to read and sign in your portal." in sent.body
    assert "Telehealth" not in sent.body + sent.subject and "therap" not in sent.body.lower()
    assert row.reference == unit.reference


def test_a_request_to_a_member_of_another_unit_is_refused(client, signed_pair, alice, solo):
    unit, _jordan, _sam = signed_pair
    client.force_login(alice.user)
    other = solo.members.get()
    r = client.post(
        reverse("documents:request", args=[unit.pk]), {"member": other.pk, "version": current("treatment").pk}
    )
    assert r.status_code == 400
    assert not Notification.objects.filter(kind="documents_sign_request").exists()


def test_a_paper_consent_with_its_scan_closes_the_gap_and_the_scan_downloads(client, signed_pair, alice):
    unit, _jordan, sam = signed_pair
    client.force_login(alice.user)
    version = current("treatment")
    scan = SimpleUploadedFile("Sam Okafor consent.pdf", b"%PDF-1.4 paper", content_type="application/pdf")
    data = {"member": sam.pk, "version": version.pk, "signed_on": "2026-01-05", "scan": scan}
    r = client.post(reverse("documents:paper", args=[unit.pk]), data)
    assert r.status_code == 302
    signature = Signature.objects.get(member=sam)
    assert signature.method == "paper" and signature.recorded_by == alice.user and signature.ip is None
    assert "Okafor" not in signature.scan.name  # a random name, nothing of the person
    r = client.get(reverse("documents:signature_scan", args=[signature.pk]))
    assert r.status_code == 200 and b"".join(r.streaming_content) == b"%PDF-1.4 paper"
    assert r["Content-Disposition"].startswith("attachment;") and r["X-Content-Type-Options"] == "nosniff"


def test_a_scan_that_is_not_a_pdf_or_an_image_is_refused_and_the_form_kept(client, signed_pair, alice):
    unit, _jordan, sam = signed_pair
    client.force_login(alice.user)
    fake = SimpleUploadedFile("consent.pdf", b"<html><script>x</script>", content_type="application/pdf")
    data = {"member": sam.pk, "version": current("treatment").pk, "signed_on": "2026-01-05", "scan": fake}
    r = client.post(reverse("documents:paper", args=[unit.pk]), data)
    assert r.status_code == 400 and "not a PDF, JPEG or PNG" in r.content.decode()
    assert 'value="2026-01-05"' in r.content.decode()
    assert not Signature.objects.exists()


def test_publishing_an_empty_text_is_refused_and_a_version_is_published_otherwise(client, alice):
    template = current("privacy").template
    client.force_login(alice.user)
    url = reverse("documents:publish", args=[template.pk])
    assert client.post(url, {"body": "  ", "effective_date": "2026-01-01"}).status_code == 400
    assert client.post(url, {"body": "# New\n\nText.", "effective_date": "2026-01-01"}).status_code == 302
    newest = DocumentVersion.objects.filter(template=template).order_by("-number").first()
    assert newest.number == 2 and newest.body == "# New\n\nText." and newest.published_by == alice.user


def test_the_therapist_withdraws_a_signature_after_a_confirmation_and_the_gate_closes(client, signed_pair, alice):
    from documents.gates import missing_signatures
    from practice.models import AuditAction, AuditEvent

    unit, jordan, _sam = signed_pair
    signature = sign(current("telehealth"), jordan)
    client.force_login(alice.user)
    page = client.get(reverse("documents:client", args=[unit.pk])).content.decode()
    url = reverse("documents:signature_withdraw", args=[signature.pk])
    assert url in page
    confirm = client.get(url).content.decode()
    assert "Withdraw this signature" in confirm and "required before a video session" in confirm
    signature.refresh_from_db()
    assert signature.is_live  # the page alone changes nothing
    r = client.post(url, follow=True)
    assert "Withdrawn: Telehealth consent (version 1) for Jordan" in r.content.decode()
    signature.refresh_from_db()
    assert signature.withdrawn_at is not None and signature.withdrawn_by == alice.user
    assert AuditEvent.objects.filter(action=AuditAction.SIGNATURE_WITHDRAWN, actor=alice.user).exists()
    assert [m.member for m in missing_signatures(client=unit, members=[jordan], purpose="video")] == [jordan]
    assert client.get(url).status_code == 404  # nothing left to withdraw
    assert client.post(url).status_code == 404


def test_other_therapists_staff_and_the_client_cannot_use_the_therapists_withdrawal(
    client, signed_pair, charlie, staff_user
):
    _unit, jordan, _sam = signed_pair
    signature = sign(current("treatment"), jordan)
    url = reverse("documents:signature_withdraw", args=[signature.pk])
    for user in (charlie.user, staff_user, jordan.user):
        client.force_login(user)
        assert client.get(url).status_code == 404 and client.post(url).status_code == 404
    signature.refresh_from_db()
    assert signature.is_live


def test_withdrawing_a_signature_made_from_an_old_consent_withdraws_that_consent_too(client, signed_pair, alice):
    from clients.models import Consent
    from clients.services import consent_is_active
    from documents.models import Signature

    unit, jordan, _sam = signed_pair
    consent = Consent.objects.create(client=unit, member=jordan, kind="telehealth", recorded_by=alice.user)
    signature = Signature.objects.create(
        version=current("telehealth"),
        client=unit,
        member=jordan,
        signed_name=jordan.full_name,
        recorded_by=alice.user,
        method=Signature.Method.RECORDED,
        migrated_from_consent_id=consent.pk,
    )
    client.force_login(alice.user)
    client.post(reverse("documents:signature_withdraw", args=[signature.pk]))
    assert not consent_is_active(member=jordan, kind="telehealth")
    pdf = client.get(reverse("documents:signature_pdf", args=[signature.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
