"""Intake review, goals, notes (sign, lock, addenda) and consents on the therapist's side."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import Addendum, Consent, Goal, IntakeResponse, Note
from practice.models import AuditAction, AuditEvent
from referrals.models import Referrer

MARKER = "MARKER-dyspareunia-3307"


@pytest.fixture
def intake(pair):
    member = pair.members.first()
    return IntakeResponse.objects.create(member=member, hopes=MARKER, status="submitted", risk_self_harm="yes")


@pytest.fixture
def draft(alice, solo):
    return Note.objects.create(client=solo, author=alice, body="first draft")


# --- intake ---------------------------------------------------------------------------------------


def test_therapist_reads_an_intake_and_the_read_is_audited(client, alice, pair, intake):
    client.force_login(alice.user)
    r = client.get(reverse("clients:intake", args=[pair.pk, intake.member_id]))
    body = r.content.decode()
    assert r.status_code == 200 and MARKER in body and "Risk answers need attention" in body
    event = AuditEvent.objects.get(action=AuditAction.VIEW, target_type="clients.intakeresponse")
    assert (event.target_id, event.client_id) == (str(intake.pk), pair.pk)


def test_intake_is_404_for_outsiders_and_when_missing(client, alice, charlie, pair, intake):
    other = pair.members.exclude(pk=intake.member_id).get()
    client.force_login(alice.user)
    assert client.get(reverse("clients:intake", args=[pair.pk, other.pk])).status_code == 404
    client.force_login(charlie.user)
    assert client.get(reverse("clients:intake", args=[pair.pk, intake.member_id])).status_code == 404


def test_marking_an_intake_reviewed(client, alice, pair, intake):
    client.force_login(alice.user)
    url = reverse("clients:intake_reviewed", args=[pair.pk, intake.member_id])
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    intake.refresh_from_db()
    assert intake.reviewed_by == alice and intake.reviewed_at


# --- goals ----------------------------------------------------------------------------------------


def test_add_and_edit_a_goal(client, alice, solo):
    client.force_login(alice.user)
    review_on = (timezone.localdate() + timedelta(days=45)).isoformat()  # a review is planned ahead
    data = {"text": "Sensate focus stage 1", "status": "active", "review_on": review_on, "shared_with_client": "on"}
    assert client.post(reverse("clients:goal_create", args=[solo.pk]), data).status_code == 302
    goal = Goal.objects.get()
    assert (goal.text, goal.shared_with_client, goal.created_by) == ("Sensate focus stage 1", True, alice)
    client.post(reverse("clients:goal_edit", args=[goal.pk]), {**data, "status": "achieved", "shared_with_client": ""})
    goal.refresh_from_db()
    assert (goal.status, goal.shared_with_client) == ("achieved", False) and goal.completed_on


def test_goal_errors_keep_the_text(client, alice, solo):
    client.force_login(alice.user)
    r = client.post(reverse("clients:goal_create", args=[solo.pk]), {"text": MARKER, "status": "bogus"})
    assert r.status_code == 400 and MARKER in r.content.decode() and not Goal.objects.exists()


def test_goals_are_404_for_another_therapist(client, alice, charlie, solo):
    goal = Goal.objects.create(client=solo, text="x", created_by=alice)
    client.force_login(charlie.user)
    assert client.get(reverse("clients:goal_edit", args=[goal.pk])).status_code == 404
    assert client.post(reverse("clients:goal_create", args=[solo.pk]), {"text": "y"}).status_code == 404


# --- notes ----------------------------------------------------------------------------------------


def test_write_a_draft_note(client, alice, solo):
    client.force_login(alice.user)
    data = {"kind": "progress", "session_date": "2026-11-20", "body": MARKER}
    r = client.post(reverse("clients:note_create", args=[solo.pk]), data)
    note = Note.objects.get()
    assert r.url == reverse("clients:note", args=[note.pk])
    assert (note.body, note.author, note.is_signed) == (MARKER, alice, False)


def test_reading_a_note_is_audited(client, alice, draft):
    client.force_login(alice.user)
    assert "first draft" in client.get(reverse("clients:note", args=[draft.pk])).content.decode()
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, target_type="clients.note", target_id=str(draft.pk)
    ).exists()


def test_a_signed_note_cannot_be_edited_but_takes_an_addendum(client, alice, draft):
    client.force_login(alice.user)
    assert client.post(reverse("clients:note_sign", args=[draft.pk])).status_code == 302
    draft.refresh_from_db()
    assert draft.is_signed
    r = client.post(
        reverse("clients:note_edit", args=[draft.pk]),
        {"kind": "progress", "session_date": "2026-11-20", "body": "changed"},
    )
    assert r.status_code == 302
    draft.refresh_from_db()
    assert draft.body == "first draft"
    assert (
        "signed and locked" in client.get(reverse("clients:note_edit", args=[draft.pk]), follow=True).content.decode()
    )
    client.post(reverse("clients:addendum_add", args=[draft.pk]), {"body": "Later: client reported progress."})
    assert [a.body for a in Addendum.objects.filter(note=draft)] == ["Later: client reported progress."]


def test_signing_twice_and_addenda_on_drafts_are_refused(client, alice, draft):
    client.force_login(alice.user)
    r = client.post(reverse("clients:addendum_add", args=[draft.pk]), {"body": "too early"})
    assert r.status_code == 400 and "not signed yet" in r.content.decode() and not Addendum.objects.exists()
    client.post(reverse("clients:note_sign", args=[draft.pk]))
    r = client.post(reverse("clients:note_sign", args=[draft.pk]), follow=True)
    assert "already signed" in r.content.decode()


def test_editing_a_draft(client, alice, draft):
    client.force_login(alice.user)
    data = {"kind": "intake", "session_date": "2026-11-21", "body": "better words"}
    assert client.post(reverse("clients:note_edit", args=[draft.pk]), data).status_code == 302
    draft.refresh_from_db()
    assert (draft.kind, draft.body) == ("intake", "better words")


def test_couple_individual_session_note_must_say_if_it_may_be_raised_jointly(client, alice, pair):
    partner = pair.members.first()
    client.force_login(alice.user)
    data = {"kind": "progress", "session_date": "2026-11-20", "about_member": partner.pk, "body": MARKER}
    r = client.post(reverse("clients:note_create", args=[pair.pk]), data)
    assert r.status_code == 400 and MARKER in r.content.decode() and not Note.objects.exists()
    client.post(reverse("clients:note_create", args=[pair.pk]), {**data, "joint_use": "keep_private"})
    assert Note.objects.get().joint_use == "keep_private"


def test_private_psychotherapy_notes_are_for_their_author_only(client, alice, charlie, solo):
    solo.co_therapists.add(charlie)
    private = Note.objects.create(client=solo, author=alice, kind=Note.Kind.PSYCHOTHERAPY, body=MARKER)
    client.force_login(charlie.user)
    assert client.get(reverse("clients:note", args=[private.pk])).status_code == 404
    client.force_login(alice.user)
    assert MARKER in client.get(reverse("clients:note", args=[private.pk])).content.decode()


@pytest.mark.parametrize("outsider", ["charlie", "staff_user", "client_user"])
def test_notes_are_404_for_outsiders(client, request, draft, outsider):
    person = request.getfixturevalue(outsider)
    client.force_login(getattr(person, "user", person))
    assert client.get(reverse("clients:note", args=[draft.pk])).status_code == 404
    assert client.post(reverse("clients:note_sign", args=[draft.pk])).status_code == 404
    draft.refresh_from_db()
    assert not draft.is_signed


def test_only_the_author_signs(client, alice, charlie, draft):
    draft.client.co_therapists.add(charlie)
    client.force_login(charlie.user)
    r = client.post(reverse("clients:note_sign", args=[draft.pk]), follow=True)
    assert "Only the note&#x27;s author can sign it." in r.content.decode()
    draft.refresh_from_db()
    assert not draft.is_signed


# --- consents -------------------------------------------------------------------------------------


def test_record_and_withdraw_a_consent(client, alice, solo):
    member = solo.members.get()
    client.force_login(alice.user)
    client.post(reverse("clients:consent_create", args=[solo.pk]), {"member": member.pk, "kind": "reminders_email"})
    consent = Consent.objects.get()
    assert (consent.member, consent.kind, consent.recorded_by, consent.revoked_at) == (
        member,
        "reminders_email",
        alice.user,
        None,
    )
    client.post(reverse("clients:consent_revoke", args=[consent.pk]))
    consent.refresh_from_db()
    assert consent.revoked_at is not None
    r = client.post(reverse("clients:consent_revoke", args=[consent.pk]), follow=True)
    assert "already withdrawn" in r.content.decode()


def test_the_consent_form_offers_only_the_kinds_still_recorded_here(client, alice, solo):
    client.force_login(alice.user)
    page = client.get(reverse("clients:consent_create", args=[solo.pk])).content.decode()
    assert 'value="reminders_email"' in page and 'value="couple_export"' in page
    assert 'value="treatment"' not in page and 'value="telehealth"' not in page and 'value="release"' not in page
    assert reverse("documents:paper", args=[solo.pk]) in page  # where those are recorded now
    assert 'name="referrer"' not in page


@pytest.mark.parametrize("kind", ["treatment", "telehealth", "release"])
def test_treatment_telehealth_and_releases_are_signed_documents_now(client, alice, solo, kind):
    member = solo.members.get()
    client.force_login(alice.user)
    referrer = Referrer.objects.create(kind="psychiatrist", name="Dr Who", email="who@example.org")
    r = client.post(
        reverse("clients:consent_create", args=[solo.pk]), {"member": member.pk, "kind": kind, "referrer": referrer.pk}
    )
    assert r.status_code == 400 and "signed document now" in r.content.decode()
    assert not Consent.objects.exists()


def test_an_old_treatment_consent_is_withdrawn_from_the_signed_documents(client, alice, solo):
    member = solo.members.get()
    consent = Consent.objects.create(client=solo, member=member, kind="treatment", recorded_by=alice.user)
    client.force_login(alice.user)
    page = client.get(reverse("clients:detail", args=[solo.pk]), {"tab": "documents"}).content.decode()
    assert reverse("clients:consent_revoke", args=[consent.pk]) not in page and "In signed documents" in page
    r = client.post(reverse("clients:consent_revoke", args=[consent.pk]), follow=True)
    assert "Withdraw this consent from the signed documents" in r.content.decode()
    consent.refresh_from_db()
    assert consent.revoked_at is None


def test_the_same_consent_twice_is_refused(client, alice, solo):
    member = solo.members.get()
    client.force_login(alice.user)
    data = {"member": member.pk, "kind": "reminders_sms"}
    client.post(reverse("clients:consent_create", args=[solo.pk]), data)
    r = client.post(reverse("clients:consent_create", args=[solo.pk]), data)
    assert r.status_code == 400 and "already given" in r.content.decode() and Consent.objects.count() == 1


def test_consents_are_404_for_another_therapist(client, alice, charlie, solo):
    member = solo.members.get()
    consent = Consent.objects.create(client=solo, member=member, kind="treatment", recorded_by=alice.user)
    client.force_login(charlie.user)
    assert client.post(reverse("clients:consent_revoke", args=[consent.pk])).status_code == 404
    assert (
        client.post(
            reverse("clients:consent_create", args=[solo.pk]), {"member": member.pk, "kind": "telehealth"}
        ).status_code
        == 404
    )
    consent.refresh_from_db()
    assert consent.revoked_at is None
