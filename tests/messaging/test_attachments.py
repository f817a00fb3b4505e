"""Attachments: type and size limits by their first bytes, download headers, access, no path traversal."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from messaging.models import Attachment, Message
from practice.models import AuditAction, AuditEvent
from tests.messaging.conftest import portal_url, practice_url, send

PDF = b"%PDF-1.4 a letter from my GP"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _upload(name="letter.pdf", content=PDF, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def sent(client, unit, ada):
    """Ada sends a PDF in her private thread."""
    client.force_login(ada.user)
    assert send(client, portal_url("private"), "my letter", attachment=_upload()).status_code == 302
    return Attachment.objects.get()


def test_a_pdf_or_png_is_kept_under_media_root_with_a_random_name(settings, sent, client, ada):
    assert sent.size == len(PDF) and sent.filename == "letter.pdf" and sent.content_type == "application/pdf"
    assert sent.file.storage.exists(sent.file.name) and sent.file.name.startswith("messages/")
    path = Path(sent.file.path)
    assert path.is_relative_to(Path(settings.MEDIA_ROOT)) and "letter" not in path.name
    assert not path.is_relative_to(Path(settings.STATIC_ROOT))
    send(client, portal_url("private"), "a photo", attachment=_upload("scan.png", PNG, "image/png"))
    assert Attachment.objects.count() == 2


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("notes.exe", b"MZ\x90\x00", "Attach a PDF, JPEG or PNG file."),
        ("fake.pdf", b"<html><script>alert(1)</script>", "This file is not the PDF its name says."),
        ("photo.png", b"%PDF-1.4 not a png", "This file is not the PNG its name says."),
        ("noextension", PDF, "Attach a PDF, JPEG or PNG file."),
    ],
)
def test_a_wrong_type_is_refused_and_the_text_kept(client, unit, ada, name, content, error):
    client.force_login(ada.user)
    response = send(client, portal_url("private"), "keep me", attachment=_upload(name, content))
    assert response.status_code == 400
    page = response.content.decode()
    assert error.replace("'", "&#x27;") in page and "keep me" in page
    assert not Message.objects.exists()


def test_a_file_over_the_limit_is_refused(client, settings, unit, ada):
    settings.MESSAGING_ATTACHMENT_MAX_BYTES = 1024 * 1024
    client.force_login(ada.user)
    big = PDF + b"0" * (1024 * 1024)
    response = send(client, portal_url("private"), "big", attachment=_upload(content=big))
    assert response.status_code == 400 and "larger than 1 MB" in response.content.decode()
    assert not Attachment.objects.exists()


def test_the_download_is_an_attachment_never_a_page(client, sent, ada):
    response = client.get(reverse("portal:message_attachment", args=[sent.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="attachment-{sent.pk}.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    assert b"".join(response.streaming_content) == PDF
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT, target_id=str(sent.pk)).exists()


def test_the_therapist_downloads_it_and_the_partner_staff_and_others_do_not(
    client, sent, bea, alice, charlie, staff_user
):
    client.force_login(alice.user)
    assert client.get(reverse("messaging:attachment", args=[sent.pk])).status_code == 200
    for user in (charlie.user, staff_user):
        client.force_login(user)
        assert client.get(reverse("messaging:attachment", args=[sent.pk])).status_code == 404
    client.force_login(bea.user)
    assert client.get(reverse("portal:message_attachment", args=[sent.pk])).status_code == 404


def test_a_withdrawn_messages_file_is_served_to_nobody(client, sent, ada, alice):
    client.post(reverse("portal:message_withdraw", args=[sent.message_id]))
    assert client.get(reverse("portal:message_attachment", args=[sent.pk])).status_code == 404
    client.force_login(alice.user)
    assert client.get(reverse("messaging:attachment", args=[sent.pk])).status_code == 404


def test_a_file_name_cannot_climb_out_of_the_folder(client, settings, unit, ada):
    client.force_login(ada.user)
    upload = _upload("../../../../etc/cron.d/evil.pdf")
    assert send(client, portal_url("private"), "x", attachment=upload).status_code == 302
    name = Attachment.objects.get().file.name
    assert name.startswith("messages/") and ".." not in name and "evil" not in name and name.endswith(".pdf")
    stored = Path(Attachment.objects.get().file.path).resolve()
    assert stored.is_relative_to(Path(settings.MEDIA_ROOT).resolve() / "messages")


def test_a_path_in_the_url_reaches_no_file(client, sent, ada):
    for path in ("/portal/messages/attachments/../../../etc/passwd", "/portal/messages/attachments/%2e%2e%2fsecret/"):
        assert client.get(path).status_code == 404


def test_a_missing_file_is_a_404_not_a_500(client, sent, ada):
    sent.file.storage.delete(sent.file.name)
    assert client.get(reverse("portal:message_attachment", args=[sent.pk])).status_code == 404


def test_the_therapist_sends_a_file_in_the_joint_thread_and_both_partners_get_it(client, unit, ada, bea, alice):
    client.force_login(alice.user)
    send(client, practice_url(unit, "joint"), "a worksheet", attachment=_upload("sheet.png", PNG, "image/png"))
    attachment = Attachment.objects.get()
    for member in (ada, bea):
        client.force_login(member.user)
        response = client.get(reverse("portal:message_attachment", args=[attachment.pk]))
        assert response.status_code == 200 and response["Content-Type"] == "image/png"
