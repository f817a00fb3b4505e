# ruff: noqa: F811  (the `record` fixture is imported from the couple-boundaries tests and used as an argument)
"""The right-of-access record as a readable PDF: the same scope as the JSON (one partner's record
holds nothing of the other's; registered sections such as the billing party's ledger come too),
the same password step, audited, handed out as a sandboxed attachment, and fetching nothing."""

import io
from datetime import date

import pytest
from django.urls import reverse
from pypdf import PdfReader

from billing import services as billing_services
from billing.models import Service
from clients.models import Consent
from practice.models import AuditAction, AuditEvent
from tests.clients.test_couple_boundaries import MINE, THEIRS, record  # noqa: F401 (the fixture)
from tests.factories import PASSWORD


def pdf_export(web, unit, scope, **extra):
    data = {"password": PASSWORD, "scope": scope, "file_format": "pdf", **extra}
    return web.post(reverse("clients:export", args=[unit.pk]), data)


def text_of(response) -> str:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


@pytest.fixture
def web(client, alice):
    client.force_login(alice.user)
    return client


def test_the_page_offers_both_files(web, record):
    page = web.get(reverse("clients:export", args=[record["unit"].pk])).content.decode()
    assert 'value="pdf"' in page and 'value="json"' in page and "-record.pdf" in page


def test_one_partners_pdf_holds_their_record_and_nothing_of_the_others(web, record):
    unit = record["unit"]
    r = pdf_export(web, unit, str(record["a"].pk))
    assert r["Content-Disposition"] == f'attachment; filename="{unit.reference}-record.pdf"'
    assert r["Content-Security-Policy"] == "sandbox" and r["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in r["Cache-Control"]
    text = text_of(r)
    assert f"Record of {unit.reference}" in text
    for mine in ("address", "intake", "joint-note", "own-individual-note", "shared-work", "log"):
        assert f"{MINE}{mine}" in text, mine
    assert THEIRS not in text
    assert "Intake answers" in text and "Sessions" in text and "Reading and exercises" in text


def test_the_other_partners_pdf_is_the_mirror(web, record):
    text = text_of(pdf_export(web, record["unit"], str(record["b"].pk)))
    assert f"{THEIRS}intake" in text and f"{THEIRS}individual-note-keep_private" in text
    assert f"{MINE}intake" not in text and f"{MINE}own-individual-note" not in text


def test_the_whole_couples_pdf_needs_both_consents(web, alice, record):
    unit = record["unit"]
    r = pdf_export(web, unit, "couple")
    assert r.status_code == 400 and r["Content-Type"].startswith("text/html")
    for member in (record["a"], record["b"]):
        Consent.objects.create(client=unit, member=member, kind="couple_export", recorded_by=alice.user)
    text = text_of(pdf_export(web, unit, "couple"))
    assert f"{MINE}intake" in text and f"{THEIRS}intake" in text


def test_the_billing_partys_ledger_is_in_their_pdf_only(web, alice, record):
    unit, payer, other = record["unit"], record["a"], record["b"]
    billing_services.billing_party_set(client=unit, kind="member", member=payer, by=alice.user)
    fee = Service.objects.get(code="WORKSHOP")
    charge = billing_services.charge_create(client=unit, service=fee, on=date.today(), by=alice.user)
    paying = text_of(pdf_export(web, unit, str(payer.pk)))
    assert "Account" in paying and str(charge.amount) in paying and "WORKSHOP" in paying
    assert "WORKSHOP" not in text_of(pdf_export(web, unit, str(other.pk)))


def test_the_pdf_export_is_audited_and_a_wrong_password_exports_nothing(web, alice, record):
    unit = record["unit"]
    r = pdf_export(web, unit, str(record["a"].pk), password="not-mine")
    assert r.status_code == 400 and r["Content-Type"].startswith("text/html")
    assert AuditEvent.objects.filter(action=AuditAction.DENIED, client_id=unit.pk).count() == 1
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()
    text_of(pdf_export(web, unit, str(record["a"].pk)))
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert (event.actor_id, event.client_id) == (alice.user.pk, unit.pk)


def test_an_unknown_format_is_a_form_error(web, record):
    r = pdf_export(web, record["unit"], str(record["a"].pk), file_format="docx")
    assert r.status_code == 400 and "Select a valid choice" in r.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


@pytest.mark.parametrize("who", ["charlie", "staff_user", "client_user"])
def test_outsiders_get_404(client, request, record, who):
    person = request.getfixturevalue(who)
    client.force_login(getattr(person, "user", person))
    assert pdf_export(client, record["unit"], str(record["a"].pk)).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_the_pdf_loads_nothing_from_outside(web, alice, record, monkeypatch):
    """A name that is a URL or markup stays text: nothing is fetched, nothing is interpreted."""
    import urllib.request

    def refuse(*args, **kwargs):
        raise AssertionError("the PDF tried to fetch a URL")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    a = record["a"]
    a.first_name = '<img src="http://example.com/x.png">'
    a.save()
    text = text_of(pdf_export(web, record["unit"], str(a.pk)))
    assert '<img src="http://example.com/x.png">' in text
