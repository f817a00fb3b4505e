"""Between the partners of a couple: an export answers one partner's request and holds nothing of the
other partner's; the whole couple's record needs both partners' consent; under "no secrets" a note
cannot be kept out of joint sessions."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from clients import services
from clients.models import Client, Consent, IntakeResponse, Note
from resources.models import Assignment, Feedback, Registration, StepProgress
from sessions_app.models import Appointment, Attendance, Modality
from tests.factories import PASSWORD, WorkshopFactory, programme, sign_for_video

MINE = "MINE-"  # everything of partner A (the one whose request it is), or joint
THEIRS = "THEIRS-"  # everything of partner B alone: must never be in A's export


def _session(therapist, unit, members, days_ago):
    start = timezone.now().replace(microsecond=0) - timedelta(days=days_ago)
    session = Appointment.objects.create(
        therapist=therapist,
        client=unit,
        start=start,
        end=start + timedelta(hours=1),
        booked_by=therapist.user,
        modality=Modality.VIDEO,
        status=Appointment.Status.ATTENDED,
    )
    for member in members:
        Attendance.objects.create(appointment=session, member=member, start=session.start, end=session.end)
    return session


@pytest.fixture
def record(alice, pair):
    """A couple where each kind of material exists for A, for B alone, and jointly, each with a marker."""
    a, b = pair.members.order_by("position")
    a.address, b.address = f"{MINE}address", f"{THEIRS}address"
    a.save(), b.save()
    IntakeResponse.objects.create(member=a, status="submitted", hopes=f"{MINE}intake")
    IntakeResponse.objects.create(member=b, status="submitted", hopes=f"{THEIRS}intake")
    joint = _session(alice, pair, [a, b], 14)
    alone_a, alone_b = _session(alice, pair, [a], 10), _session(alice, pair, [b], 7)
    Note.objects.create(client=pair, author=alice, appointment=joint, body=f"{MINE}joint-note")
    Note.objects.create(
        client=pair,
        author=alice,
        appointment=alone_a,
        about_member=a,
        joint_use="may_raise",
        body=f"{MINE}own-individual-note",
    )
    for joint_use in ("may_raise", "keep_private"):
        Note.objects.create(
            client=pair,
            author=alice,
            appointment=alone_b,
            about_member=b,
            joint_use=joint_use,
            body=f"{THEIRS}individual-note-{joint_use}",
        )
    Note.objects.create(client=pair, author=alice, appointment=alone_b, body=f"{THEIRS}note-of-a-session-a-missed")
    resource = programme(stages=2)
    shared = Assignment.objects.create(
        resource=resource, client=pair, note=f"{MINE}shared-work", created_by=alice, released_stage=1
    )
    StepProgress.objects.create(assignment=shared, member=a, step=resource.steps.first(), log=f"{MINE}log")
    StepProgress.objects.create(assignment=shared, member=b, step=resource.steps.first(), log=f"{THEIRS}log")
    Feedback.objects.create(assignment=shared, author=alice, for_member=b, body=f"{THEIRS}feedback")
    Feedback.objects.create(assignment=shared, author=alice, body=f"{MINE}feedback-to-both")
    Assignment.objects.create(
        resource=resource, client=pair, member=b, note=f"{THEIRS}work-for-b-alone", created_by=alice
    )
    Registration.objects.create(workshop=WorkshopFactory(), member=b, status="registered")
    Consent.objects.create(client=pair, member=b, kind="treatment", recorded_by=alice.user)
    return {"unit": pair, "a": a, "b": b, "alone_b": alone_b}


def export(client, unit, scope):
    return client.post(reverse("clients:export", args=[unit.pk]), {"password": PASSWORD, "scope": scope})


def test_one_partners_export_holds_nothing_of_the_others(client, alice, record):
    client.force_login(alice.user)
    r = export(client, record["unit"], str(record["a"].pk))
    assert r.status_code == 200
    text = r.content.decode()
    assert THEIRS not in text
    data = json.loads(text)
    assert {m["id"] for m in data["members"]} == {record["a"].pk}
    assert {n["body"] for n in data["notes"]} == {f"{MINE}joint-note", f"{MINE}own-individual-note"}
    assert record["alone_b"].pk not in {s["id"] for s in data["appointments"]}
    assert all(s["members"] == [1] for s in data["appointments"])  # who else came is not A's record
    assert [a["note"] for a in data["assignments"]] == [f"{MINE}shared-work"]
    assert [p["log"] for p in data["assignments"][0]["progress"]] == [f"{MINE}log"]
    assert data["workshop_registrations"] == [] and data["consents"] == []
    assert data["intake"][0]["hopes"] == f"{MINE}intake" and len(data["intake"]) == 1


def test_the_other_partners_export_is_the_mirror(client, alice, record):
    client.force_login(alice.user)
    text = export(client, record["unit"], str(record["b"].pk)).content.decode()
    assert f"{MINE}intake" not in text and f"{MINE}log" not in text and f"{MINE}own-individual-note" not in text
    assert f"{THEIRS}intake" in text and f"{THEIRS}individual-note-keep_private" in text


def test_the_whole_couple_needs_both_partners_consent(client, alice, record):
    client.force_login(alice.user)
    unit = record["unit"]
    Consent.objects.create(client=unit, member=record["a"], kind="couple_export", recorded_by=alice.user)
    r = export(client, unit, "couple")
    assert r.status_code == 400 and "both partners have consented" in r.content.decode()
    assert r["Content-Type"].startswith("text/html")  # nothing was exported
    Consent.objects.create(client=unit, member=record["b"], kind="couple_export", recorded_by=alice.user)
    whole = export(client, unit, "couple")
    assert whole.status_code == 200 and THEIRS in whole.content.decode() and MINE in whole.content.decode()


def test_a_draft_intake_is_never_exported(client, alice, record):
    IntakeResponse.objects.filter(member=record["a"]).update(status="draft")
    client.force_login(alice.user)
    data = json.loads(export(client, record["unit"], str(record["a"].pk)).content)
    assert data["intake"] == []


@pytest.fixture
def no_secrets(record):
    unit = record["unit"]
    Client.objects.filter(pk=unit.pk).update(confidentiality_policy=Client.Policy.NO_SECRETS)
    unit.refresh_from_db()
    return unit


def test_under_no_secrets_keep_private_is_not_offered(client, alice, no_secrets):
    client.force_login(alice.user)
    page = client.get(reverse("clients:note_create", args=[no_secrets.pk])).content.decode()
    assert 'value="may_raise"' in page and 'value="keep_private"' not in page


def test_under_no_secrets_a_crafted_post_is_refused_with_a_clear_message(client, alice, no_secrets, record):
    client.force_login(alice.user)
    before = Note.objects.count()
    r = client.post(
        reverse("clients:note_create", args=[no_secrets.pk]),
        {
            "kind": "progress",
            "session_date": "2026-11-30",
            "about_member": record["a"].pk,
            "joint_use": "keep_private",
            "body": "typed text kept",
        },
    )
    body = r.content.decode()
    assert r.status_code == 400 and "no-secrets policy" in body and "typed text kept" in body
    assert Note.objects.count() == before


def test_the_service_refuses_keep_private_under_no_secrets(alice, no_secrets, record):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="no-secrets policy"):
        services.note_create(
            client=no_secrets,
            author=alice,
            kind="progress",
            session_date=timezone.localdate(),
            about_member=record["a"],
            joint_use="keep_private",
            body="x",
        )


def test_under_limited_secrets_keep_private_is_still_a_choice(client, alice, record):
    unit = record["unit"]
    Client.objects.filter(pk=unit.pk).update(confidentiality_policy=Client.Policy.LIMITED_SECRETS)
    client.force_login(alice.user)
    page = client.get(reverse("clients:note_create", args=[unit.pk])).content.decode()
    assert 'value="keep_private"' in page


# --- Letters back to a referrer about a couple ----------------------------------------------------


@pytest.fixture
def couple_referral(alice):
    from referrals import services as referral_services
    from tests.factories import ReferralFactory, ReferrerFactory

    referral = ReferralFactory(kind="couple", referrer=ReferrerFactory(kind="physician"))
    referral, _problems = referral_services.referral_accept(
        referral=referral, by=alice.user, therapist=alice, base_url="http://testserver/"
    )
    return referral


def _letter_page(client, referral):
    return client.get(reverse("referrals:letter", args=[referral.pk]))


def _send_letter(client, referral, **extra):
    token = _letter_page(client, referral).context["form"].initial["token"]
    data = {"kind": "first_seen", "body": "Dear colleague, LETTER-TEXT", "token": token, **extra}
    return client.post(reverse("referrals:letter", args=[referral.pk]), data)


def test_one_partners_release_lets_the_letter_speak_of_that_partner_alone(client, alice, couple_referral):
    from referrals.models import ReferralLetter
    from tests.referrals.conftest import grant_release

    first, _second = couple_referral.client.members.order_by("position")
    grant_release(couple_referral, alice.user, members=[first])
    client.force_login(alice.user)
    page = _letter_page(client, couple_referral).content.decode()
    assert "speaks of" in page and first.display_name in page

    refused = _send_letter(client, couple_referral)
    assert refused.status_code == 400 and "LETTER-TEXT" in refused.content.decode()  # nothing lost
    assert not ReferralLetter.objects.exists()

    assert _send_letter(client, couple_referral, speaks_of_released_only="on").status_code == 302
    assert ReferralLetter.objects.get().about_member == first


def test_a_letter_about_both_needs_both_releases_still_live_when_sent(client, alice, couple_referral):
    from documents.models import Signature
    from outbox import services as outbox
    from outbox.models import Notification
    from tests.referrals.conftest import grant_release, withdraw_release

    _first, second = couple_referral.client.members.order_by("position")
    grant_release(couple_referral, alice.user)
    client.force_login(alice.user)
    assert _send_letter(client, couple_referral).status_code == 302  # both released: no confirmation
    second_release = Signature.objects.get(member=second, version__template__kind="release")
    withdraw_release(second_release, alice.user)
    notification = Notification.objects.get(kind="referral_letter")
    assert outbox._BUILDERS["referral_letter"](notification) is None  # no longer sent: it speaks of both


# --- The couple's policy, versioned ---------------------------------------------------------------


@pytest.fixture
def acknowledged(alice, pair):
    """A couple under "limited secrets", version 1, acknowledged by both partners in the portal."""
    from tests.factories import portal_user_for

    services.client_update(client=pair, by=alice.user, confidentiality_policy=Client.Policy.LIMITED_SECRETS)
    for member in pair.members.all():
        portal_user_for(member)
        services.policy_acknowledge(member=member, by=member.user)
    pair.refresh_from_db()
    return pair


def test_changing_the_policy_makes_a_new_version_both_partners_acknowledge_again(client, alice, acknowledged):
    version = acknowledged.policy_version
    assert all(m.has_acknowledged_policy for m in acknowledged.members.all())
    services.client_update(client=acknowledged, by=alice.user, confidentiality_policy=Client.Policy.NO_SECRETS)
    acknowledged.refresh_from_db()
    assert acknowledged.policy_version == version + 1
    a, b = acknowledged.members.order_by("position")
    assert not a.has_acknowledged_policy and not b.has_acknowledged_policy

    client.force_login(a.user)
    assert 'action="/portal/policy/acknowledge/"' in client.get(reverse("portal:home")).content.decode()
    client.post(reverse("portal:policy_acknowledge"))
    a.refresh_from_db()
    assert a.has_acknowledged_policy and a.policy_acknowledged_version == version + 1


def test_the_couple_page_shows_who_has_not_acknowledged_the_current_version(client, alice, acknowledged):
    services.client_update(client=acknowledged, by=alice.user, confidentiality_policy=Client.Policy.NO_SECRETS)
    acknowledged.refresh_from_db()
    client.force_login(alice.user)
    page = client.get(reverse("clients:detail", args=[acknowledged.pk])).content.decode()
    assert page.count(f"not yet acknowledged (version {acknowledged.policy_version})") == 2


def test_booking_a_joint_session_warns_when_a_partner_has_not_acknowledged(client, alice, acknowledged):
    services.client_update(client=acknowledged, by=alice.user, confidentiality_policy=Client.Policy.NO_SECRETS)
    a, b = acknowledged.members.order_by("position")
    services.policy_acknowledge(member=a, by=a.user)
    client.force_login(alice.user)
    form = client.get(reverse("sessions_app:appointment_new"), {"client": acknowledged.pk}).content.decode()
    assert "Not yet acknowledged by" in form and b.display_name in form.split("Not yet acknowledged by")[1][:200]

    start = timezone.localdate() + timedelta(days=3)
    sign_for_video(acknowledged)
    r = client.post(
        reverse("sessions_app:appointment_new"),
        {
            "client": acknowledged.pk,
            "members_for": acknowledged.pk,
            "members": [a.pk, b.pk],
            "date": start.isoformat(),
            "start_time": "10:00",
            "modality": "video",
            "repeat": "",
            "confirm": "on",  # Alice has no working hours set: she books anyway
        },
        follow=True,
    )
    shown = [str(m) for m in r.context["messages"]]
    assert any("Not yet acknowledged by" in m and b.display_name in m for m in shown), shown
