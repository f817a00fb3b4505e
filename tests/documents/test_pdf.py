"""The signed copy: a real PDF with the signed text, name, version and hash, and nothing of anyone else."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from documents import services
from documents.pdf import signed_copy_pdf
from documents.rendering import render_markdown
from tests.documents.conftest import current, sign
from tests.factories import ClientFactory, portal_user_for

OTHER = "ZQXOTHERCLIENT"


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


@pytest.fixture
def other_signature(alice):
    """Another client's signature of the same document, with markers everywhere."""
    member = ClientFactory(primary_therapist=alice, with_members__signed=False).members.get()
    member.first_name, member.last_name = OTHER, "Markerson"
    member.save()
    portal_user_for(member)
    return sign(current("treatment"), member, typed_name=f"{OTHER} Markerson", ip="198.51.100.77", user_agent=OTHER)


def test_the_pdf_holds_the_signed_text_name_version_and_hash(client, signed_pair, other_signature):
    _unit, jordan, _sam = signed_pair
    version = current("treatment")
    signature = sign(version, jordan, ip="203.0.113.9")
    client.force_login(jordan.user)
    r = client.get(reverse("portal:signature_pdf", args=[signature.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r["Content-Disposition"].startswith("attachment;") and r["X-Content-Type-Options"] == "nosniff"
    text = _text(r.content)
    assert "Informed consent to treatment" in text
    assert "no physical contact and no sexual activity" in text  # the document's own words
    assert "Signed by: Jordan Lee" in text
    assert f"version {version.number}" in text
    assert version.body_sha256 in text.replace(" ", "")
    assert "ticking “I have read and agree”" in text and "from IP 203.0.113.9" in text
    assert OTHER not in text and "198.51.100.77" not in text
    assert "Sam" not in text and "Okafor" not in text  # nor the partner


def test_the_treating_therapist_downloads_it_and_a_paper_copy_says_so(client, signed_pair, alice):
    _unit, _jordan, sam = signed_pair
    scan = SimpleUploadedFile("scan.pdf", b"%PDF-1.4 scanned", content_type="application/pdf")
    signature = services.paper_consent_record(
        version=current("telehealth"), member=sam, by=alice.user, signed_on=sam.created_at.date(), scan=scan
    )
    client.force_login(alice.user)
    text = _text(client.get(reverse("documents:signature_pdf", args=[signature.pk])).content)
    assert "Signed by: Sam Okafor" in text
    assert f"Recorded by {alice.display_name} from a paper copy" in text
    assert "Jordan" not in text


def test_nothing_is_fetched_while_rendering(monkeypatch):
    """Whatever address reaches the renderer, the server looks up and loads nothing."""
    import socket

    from weasyprint import HTML
    from weasyprint.urls import URLFetchingError

    from practice.pdf import refusing_fetcher

    lookups = []
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: lookups.append(a) or [])
    fetcher = refusing_fetcher()
    for url in ("https://tracker.example/p.png", "file:///etc/passwd", "data:text/css,body{}"):
        with pytest.raises(URLFetchingError):
            fetcher.fetch(url)
    page = '<img src="https://tracker.example/p.png"><link rel="stylesheet" href="file:///etc/passwd">'
    assert HTML(string=page, url_fetcher=fetcher).write_pdf().startswith(b"%PDF")
    assert lookups == []


def test_raw_html_and_images_in_a_document_stay_text(signed_pair, alice):
    _unit, jordan, _sam = signed_pair
    version = services.version_publish(
        template=current("privacy").template,
        body="![x](https://tracker.example/p.png)\n\n<script>alert(1)</script>\n\nPlain text.",
        effective_date=current("privacy").effective_date,
        by=alice.user,
    )
    html = render_markdown(version.body)
    assert "<img" not in html and "<script" not in html and "&lt;script&gt;" in html
    assert "Plain text." in _text(signed_copy_pdf(sign(version, jordan)))


def test_a_consent_recorded_before_signed_documents_says_so_on_its_copy(signed_pair, alice):
    from documents.models import Signature

    unit, jordan, _sam = signed_pair
    signature = Signature.objects.create(
        version=current("treatment"),
        client=unit,
        member=jordan,
        signed_name=jordan.full_name,
        recorded_by=alice.user,
        method=Signature.Method.RECORDED,
    )
    text = _text(signed_copy_pdf(signature))
    assert (
        "Jordan Lee" in text and f"recorded by {alice.display_name} before the practice kept signed documents" in text
    )
    assert "no signed copy or typed name is on file" in text and "from IP" not in text
