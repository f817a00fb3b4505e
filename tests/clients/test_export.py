"""Right of access: a treating therapist re-enters their password and downloads the client's record."""

import datetime
import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients.models import Addendum, Consent, Goal, IntakeResponse, Note
from practice.models import AuditAction, AuditEvent
from resources.models import Assignment, Feedback, Registration, StepProgress
from sessions_app.models import Appointment, Attendance, Modality
from tests.factories import PASSWORD, TherapistFactory, WorkshopFactory, give_totp, programme

NOTE = "EXPORTNOTE-progress"
PSY_OWN = "EXPORTPSY-alice"
PSY_OTHER = "EXPORTPSY-dana"


@pytest.fixture
def dana(pair):
    """A co-therapist of the couple: may see the record, and writes her own psychotherapy notes."""
    therapist = TherapistFactory(user__email="dana@example.org")
    give_totp(therapist.user)
    pair.co_therapists.add(therapist)
    return therapist


@pytest.fixture
def record(alice, dana, pair):
    first, second = pair.members.order_by("position")
    first.address, first.date_of_birth, first.gender_identity = "EXPORT-address", datetime.date(1980, 4, 1), "EXPORT-gi"
    first.save()
    IntakeResponse.objects.create(member=second, status="submitted", hopes="EXPORT-hopes", concerns="low-desire")
    Goal.objects.create(client=pair, text="EXPORT-goal", created_by=alice)
    note = Note.objects.create(client=pair, author=alice, body=NOTE, signed_at=timezone.now())
    Addendum.objects.create(note=note, author=alice, body="EXPORT-addendum")
    Note.objects.create(client=pair, author=alice, kind=Note.Kind.INTAKE, body="EXPORT-intake-note")
    Note.objects.create(client=pair, author=alice, kind=Note.Kind.PSYCHOTHERAPY, body=PSY_OWN)
    Note.objects.create(client=pair, author=dana, kind=Note.Kind.PSYCHOTHERAPY, body=PSY_OTHER)
    Consent.objects.create(client=pair, member=first, kind="treatment", recorded_by=alice.user)
    start = timezone.now().replace(microsecond=0) - timedelta(days=7)
    session = Appointment.objects.create(
        therapist=alice,
        client=pair,
        start=start,
        end=start + timedelta(hours=1),
        booked_by=alice.user,
        modality=Modality.VIDEO,
        status=Appointment.Status.ATTENDED,
    )
    for member in (first, second):
        Attendance.objects.create(appointment=session, member=member, start=session.start, end=session.end)
    resource = programme(stages=2)
    assignment = Assignment.objects.create(
        resource=resource, client=pair, note="EXPORT-assignment-note", created_by=alice, released_stage=1
    )
    StepProgress.objects.create(assignment=assignment, member=second, step=resource.steps.first(), log="EXPORT-log")
    Feedback.objects.create(assignment=assignment, author=alice, for_member=second, body="EXPORT-feedback")
    Registration.objects.create(workshop=WorkshopFactory(), member=first, status="registered")
    for member in (first, second):  # the whole couple's record: both partners consented to it
        Consent.objects.create(client=pair, member=member, kind="couple_export", recorded_by=alice.user)
    return pair


def url(unit) -> str:
    return reverse("clients:export", args=[unit.pk])


def export(web, unit, **extra):
    """The whole couple's record (one partner's is in tests/clients/test_couple_boundaries.py)."""
    return web.post(url(unit), {"password": PASSWORD, "scope": "couple", **extra})


@pytest.fixture
def web(client, alice):
    client.force_login(alice.user)
    return client


def test_get_shows_the_password_form_and_nothing_clinical(web, record):
    r = web.get(url(record))
    assert r.status_code == 200
    page = r.content.decode()
    assert 'name="password"' in page and "Include my own private psychotherapy notes" in page
    assert "both partners" in page  # a couple's export carries both partners' information
    assert "EXPORT" not in page
    assert "no-store" in r["Cache-Control"]


def test_the_client_page_links_to_the_export(web, record):
    assert url(record) in web.get(reverse("clients:detail", args=[record.pk])).content.decode()


def test_the_export_is_one_json_file_with_the_whole_record(web, record):
    r = export(web, record)
    assert r.status_code == 200
    assert r["Content-Type"] == "application/json"
    assert r["Content-Disposition"] == f'attachment; filename="{record.reference}-record.json"'
    assert "no-store" in r["Cache-Control"]
    data = json.loads(r.content)
    assert data["client"]["reference"] == record.reference
    first = data["members"][0]
    assert (first["address"], first["date_of_birth"], first["gender_identity"]) == (
        "EXPORT-address",
        "1980-04-01",
        "EXPORT-gi",
    )
    assert data["intake"][0]["hopes"] == "EXPORT-hopes" and data["intake"][0]["member"] == 2
    assert [g["text"] for g in data["goals"]] == ["EXPORT-goal"]
    bodies = {n["body"]: n for n in data["notes"]}
    assert set(bodies) == {NOTE, "EXPORT-intake-note"}
    assert [a["body"] for a in bodies[NOTE]["addenda"]] == ["EXPORT-addendum"]
    assert data["consents"][0]["kind"] == "treatment"
    session = data["appointments"][0]
    assert (session["status"], session["modality"], session["members"]) == ("attended", "video", [1, 2])
    assignment = data["assignments"][0]
    assert assignment["note"] == "EXPORT-assignment-note"
    assert assignment["progress"][0]["log"] == "EXPORT-log" and assignment["feedback"][0]["body"] == "EXPORT-feedback"
    assert data["workshop_registrations"][0]["member"] == 1
    assert PSY_OWN not in r.content.decode() and PSY_OTHER not in r.content.decode()
    assert data["includes_own_psychotherapy_notes"] is False


def test_the_box_adds_the_therapists_own_psychotherapy_notes_never_anothers(web, record):
    text = export(web, record, include_psychotherapy="on").content.decode()
    assert PSY_OWN in text and NOTE in text
    assert PSY_OTHER not in text


def test_a_co_therapist_never_gets_alices_psychotherapy_notes(client, dana, record):
    client.force_login(dana.user)
    text = export(client, record, include_psychotherapy="on").content.decode()
    assert PSY_OTHER in text and NOTE in text
    assert PSY_OWN not in text


def test_the_export_is_audited(web, alice, record):
    export(web, record)
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert (event.actor_id, event.target_type, event.target_id, event.client_id) == (
        alice.user.pk,
        "clients.client",
        str(record.pk),
        record.pk,
    )


def test_a_wrong_password_is_refused_audited_and_exports_nothing(web, alice, record):
    r = web.post(url(record), {"password": "not-my-password", "include_psychotherapy": "on"})
    assert r.status_code == 400
    assert r.get("Content-Disposition") is None
    page = r.content.decode()
    assert "That is not your password" in page and "EXPORT" not in page
    denied = AuditEvent.objects.get(action=AuditAction.DENIED)
    assert (denied.actor_id, denied.client_id) == (alice.user.pk, record.pk)
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_an_empty_password_is_a_form_error(web, record):
    r = web.post(url(record), {})
    assert r.status_code == 400 and r.get("Content-Disposition") is None
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_guessing_is_rate_limited(web, record):
    for _ in range(10):
        assert web.post(url(record), {"password": "guess"}).status_code == 400
    r = export(web, record)  # even the right password, once the limit is reached
    assert r.status_code == 429 and r.get("Content-Disposition") is None
    assert "Too many attempts" in r.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.DENIED).count() == 11


@pytest.mark.parametrize("who", ["charlie", "staff_user", "client_user"])
def test_outsiders_get_404_and_nothing_is_exported(client, request, record, who):
    person = request.getfixturevalue(who)
    client.force_login(getattr(person, "user", person))
    assert client.get(url(record)).status_code == 404
    assert export(client, record).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_anonymous_is_sent_to_sign_in(client, record):
    for r in (client.get(url(record)), export(client, record)):
        assert r.status_code == 302 and r.url.startswith("/accounts/login/")


def test_other_methods_are_refused(web, record):
    assert web.put(url(record)).status_code == 405


def test_the_query_count_does_not_grow_with_the_record(web, alice, record):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert export(web, record).status_code == 200
        return len(captured)

    export(web, record)  # the first request of a session records it (allauth's user sessions)
    few = queries()
    for i in range(8):
        note = Note.objects.create(client=record, author=alice, body=f"more {i}")
        Addendum.objects.create(note=note, author=alice, body=f"addendum {i}")
        Goal.objects.create(client=record, text=f"goal {i}", created_by=alice)
    assert Note.objects.filter(client=record).exclude(kind=Note.Kind.PSYCHOTHERAPY).count() == 10  # 2 before
    assert queries() == few
