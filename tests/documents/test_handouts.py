"""Shared handouts: a therapist shares a file with one member or the unit; it is listed and downloaded
in the portal only by those it is for, as an attachment; every download is audited; unsharing takes
it out of the portal at once."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from documents import services
from documents.models import SharedFile
from practice.models import AuditAction, AuditEvent
from tests.factories import ClientFactory, portal_user_for

PDF = b"%PDF-1.4 sensate focus worksheet"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def upload(name="Worksheet.pdf", data=PDF, content_type="application/pdf"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def share(unit, by, member=None, title="Sensate focus, stage 1", **kwargs):
    return services.handout_share(client=unit, member=member, title=title, file=upload(**kwargs), by=by)


@pytest.fixture
def therapist_web(client, alice):
    client.force_login(alice.user)
    return client


def test_a_therapist_shares_a_file_with_one_member_and_it_is_stored_under_a_random_name(therapist_web, signed_pair):
    unit, jordan, _sam = signed_pair
    r = therapist_web.post(
        reverse("documents:handouts", args=[unit.pk]),
        {"title": "Sensate focus, stage 1", "member": jordan.pk, "file": upload("Jordan Lee homework.pdf")},
    )
    assert r.status_code == 302
    shared = SharedFile.objects.get()
    assert (shared.client, shared.member, shared.title, shared.is_shared) == (
        unit,
        jordan,
        "Sensate focus, stage 1",
        True,
    )
    assert "Jordan" not in shared.file.name and "homework" not in shared.file.name
    assert shared.file.name.startswith("handouts/") and shared.file.name.endswith(".pdf")
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, target_type="documents.sharedfile").exists()
    page = therapist_web.get(reverse("documents:handouts", args=[unit.pk])).content.decode()
    assert "Sensate focus, stage 1" in page and "Jordan only" in page


@pytest.mark.parametrize(
    ("name", "data", "error"),
    [
        ("notes.docx", b"PK\x03\x04", "PDF, JPEG, PNG or plain text"),
        ("fake.pdf", b"MZ\x90\x00 not a pdf", "not the PDF its name says"),
        ("fake.png", PDF, "not the PNG its name says"),
        ("binary.txt", b"abc\x00\x01\x02", "not plain text"),
        ("latin.txt", "café".encode("latin-1"), "not plain text"),
    ],
)
def test_a_file_that_is_not_what_its_name_says_is_refused_and_the_title_kept(
    therapist_web, signed_pair, name, data, error
):
    unit, _jordan, _sam = signed_pair
    r = therapist_web.post(
        reverse("documents:handouts", args=[unit.pk]),
        {"title": "Typed title 4471", "member": "", "file": upload(name, data)},
    )
    body = r.content.decode()
    assert r.status_code == 400 and error in body and "Typed title 4471" in body
    assert not SharedFile.objects.exists()


def test_a_file_too_large_is_refused(therapist_web, signed_pair):
    unit, _jordan, _sam = signed_pair
    big = "a" * (1024 * 1024 + 1)
    r = therapist_web.post(
        reverse("documents:handouts", args=[unit.pk]),
        {"title": "Long", "file": upload("long.txt", big.encode(), "text/plain")},
    )
    assert r.status_code == 400 and "larger than 1 MB" in r.content.decode()


def test_plain_text_and_images_are_accepted(signed_pair, alice):
    unit, _jordan, _sam = signed_pair
    share(
        unit,
        alice.user,
        name="breathing.txt",
        data="Breathe in for four… out for six.".encode(),
        content_type="text/plain",
    )
    share(unit, alice.user, name="diagram.png", data=PNG, content_type="image/png")
    assert SharedFile.objects.count() == 2


def test_only_a_treating_therapist_may_share(signed_pair, charlie, solo, alice):
    unit, _jordan, _sam = signed_pair
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Only a therapist treating"):
        share(unit, charlie.user)
    with pytest.raises(ValidationError, match="Choose a member of this client"):
        share(unit, alice.user, member=solo.members.get())
    assert not SharedFile.objects.exists()


def test_the_portal_lists_and_downloads_what_is_for_the_member_and_never_the_partners_own(client, signed_pair, alice):
    unit, jordan, sam = signed_pair
    for_both = share(unit, alice.user, title="For both of you")
    for_jordan = share(unit, alice.user, member=jordan, title="Jordan's worksheet")
    client.force_login(sam.user)
    page = client.get(reverse("portal:documents")).content.decode()
    assert "Shared with you" in page and "For both of you" in page and "For you both" in page
    assert "Jordan&#x27;s worksheet" not in page and "Jordan's worksheet" not in page
    assert client.get(reverse("portal:handout", args=[for_jordan.pk])).status_code == 404

    client.force_login(jordan.user)
    page = client.get(reverse("portal:documents")).content.decode()
    assert "For both of you" in page and "Jordan&#x27;s worksheet" in page
    r = client.get(reverse("portal:handout", args=[for_jordan.pk]))
    assert r.status_code == 200 and b"".join(r.streaming_content) == PDF
    assert r["Content-Disposition"] == f'attachment; filename="handout-{for_jordan.pk}.pdf"'
    assert r["X-Content-Type-Options"] == "nosniff" and r["Content-Type"] == "application/pdf"
    assert "sandbox" in r["Content-Security-Policy"]
    assert client.get(reverse("portal:handout", args=[for_both.pk])).status_code == 200
    downloads = AuditEvent.objects.filter(action=AuditAction.EXPORT, target_type="documents.sharedfile")
    assert set(downloads.values_list("actor", "target_id")) == {
        (jordan.user.pk, str(for_jordan.pk)),
        (jordan.user.pk, str(for_both.pk)),
    }


def test_another_unit_staff_and_other_therapists_never_reach_a_handout(client, signed_pair, alice, charlie, staff_user):
    unit, _jordan, _sam = signed_pair
    shared = share(unit, alice.user)
    stranger = portal_user_for(ClientFactory(primary_therapist=alice).members.get())
    client.force_login(stranger)
    assert client.get(reverse("portal:handout", args=[shared.pk])).status_code == 404
    assert "Sensate focus" not in client.get(reverse("portal:documents")).content.decode()
    for user in (charlie.user, staff_user):
        client.force_login(user)
        assert client.get(reverse("documents:handout_file", args=[shared.pk])).status_code == 404
        assert client.post(reverse("documents:handout_unshare", args=[shared.pk])).status_code == 404
        assert client.get(reverse("documents:handouts", args=[unit.pk])).status_code == 404
    client.logout()
    assert client.get(reverse("portal:handout", args=[shared.pk])).status_code == 302
    shared.refresh_from_db()
    assert shared.is_shared


def test_the_therapist_downloads_audited_and_unshares_at_once(client, therapist_web, signed_pair, alice):
    unit, jordan, _sam = signed_pair
    shared = share(unit, alice.user, member=jordan)
    r = therapist_web.get(reverse("documents:handout_file", args=[shared.pk]))
    assert r.status_code == 200 and r["Content-Disposition"].startswith("attachment;")
    assert r["X-Content-Type-Options"] == "nosniff"
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT, actor=alice.user, target_id=str(shared.pk)).exists()

    r = therapist_web.post(reverse("documents:handout_unshare", args=[shared.pk]), follow=True)
    assert "No longer shared" in r.content.decode() and "no longer shared" in r.content.decode()
    shared.refresh_from_db()
    assert not shared.is_shared and shared.withdrawn_by == alice.user
    assert AuditEvent.objects.filter(action=AuditAction.UPDATE, target_id=str(shared.pk)).exists()
    r = therapist_web.post(reverse("documents:handout_unshare", args=[shared.pk]), follow=True)
    assert "no longer shared" in r.content.decode()

    client.force_login(jordan.user)
    assert client.get(reverse("portal:handout", args=[shared.pk])).status_code == 404
    assert "Sensate focus" not in client.get(reverse("portal:documents")).content.decode()


def test_a_missing_file_is_404_not_500(therapist_web, signed_pair, alice):
    unit, _jordan, _sam = signed_pair
    shared = share(unit, alice.user)
    shared.file.storage.delete(shared.file.name)
    assert therapist_web.get(reverse("documents:handout_file", args=[shared.pk])).status_code == 404
