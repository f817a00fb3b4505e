"""Discretion in every message the practice sends.

One busy day runs through the real services and queues every kind of message there is; each
queued row is then built by its real builder. A new message kind fails
`test_the_busy_day_sends_every_kind_of_message` until the day below produces it, so every kind is
checked by the rules that follow:

- no clinical text anywhere in a message (notes, goals, intake answers, referral reasons, concerns);
- no person's name in a subject or an SMS (both show on a locked phone);
- for a member who asked for discreet wording, neither "therapy" nor "sex" anywhere.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from clients import services as clients
from clients.models import Concern, Consent
from documents import services as documents
from documents.models import DocumentVersion
from measures import services as measures
from messaging import access as messaging_access
from messaging import services as messaging
from outbox import services as outbox
from outbox.models import Notification
from practice.models import User
from referrals import services as referrals
from resources import services as resources
from sessions_app import services as sessions
from sessions_app.models import Appointment, BookingRules, Room, Series
from tests.factories import (
    ResourceFactory,
    TherapistFactory,
    UserFactory,
    WorkshopFactory,
    couple,
    portal_user_for,
)
from tests.referrals.conftest import grant_release

NOW = datetime(2027, 1, 4, 9, tzinfo=UTC)  # a Monday
CLINICAL = "MARKER-CLINICAL-arousal-difficulty"
NAMES = ("Wilhelmina", "Ottoline", "Quarrington", "Zebedee", "Fenwick")
TEST_ONLY_KINDS = {"test_message"}  # tests/testapp's own kind
# The letter a therapist writes to a referrer under a live release consent is clinical by design:
# it is the one message whose body may speak of the client (tests/referrals/test_letters.py).
RELEASED = {"referral_letter"}


@pytest.fixture
def day(db):
    with time_machine.travel(NOW, tick=False):
        yield _busy_day()


def _busy_day() -> dict:
    alice = TherapistFactory(user__email="alice@example.org", display_name="Dr Alice Moreau")
    bob = TherapistFactory(user__email="bob@example.org", display_name="Dr Bob Okafor")
    BookingRules.objects.update_or_create(therapist=alice, defaults={"late_cancel_hours": 48})
    Room.objects.create(name="Room 1", location="12 Quay Street")
    pair = couple(alice)
    ada, bea = pair.members.order_by("position")
    for member, (first, last) in ((ada, NAMES[0:2]), (bea, (NAMES[2], NAMES[4]))):
        clients.member_update(
            member=member,
            by=alice.user,
            first_name=first,
            last_name=last,
            discreet_wording=True,
            contact_by_sms=True,
            phone=f"+44 7700 90012{member.position}",
        )
        for kind in (Consent.Kind.REMINDERS_EMAIL, Consent.Kind.REMINDERS_SMS):
            clients.consent_grant(member=member, kind=kind, by=alice.user)
    pair.concerns.set([Concern.objects.get(slug="low-desire")])
    clients.goal_create(client=pair, by=alice.user, text=CLINICAL)
    clients.note_create(client=pair, author=alice, body=CLINICAL)

    clients.member_invite(member=ada, by=alice.user, base_url="http://testserver/")
    portal_user_for(bea)
    clients.intake_save(
        member=bea, by=bea.user, submit=True, hopes=CLINICAL, risk_self_harm="yes", risk_details=CLINICAL
    )  # a risk alert to Alice

    first = sessions.appointment_book(
        therapist=alice, client=pair, members=[ada, bea], start=NOW + timedelta(days=1, hours=1), by=alice.user
    )
    sessions.appointment_book(
        therapist=alice, client=pair, members=[ada, bea], start=NOW + timedelta(days=3, hours=1), by=alice.user
    )
    kept = sessions.appointment_book(
        therapist=alice, client=pair, members=[ada, bea], start=NOW + timedelta(days=2, hours=1), by=alice.user
    )
    sessions.appointment_move(appointment=kept, start=NOW + timedelta(days=2, hours=3), by=alice.user, via="calendar")
    sessions.appointment_cancel(appointment=first, by=None, via=Appointment.Via.LINK)  # late: inside 48 h
    series = sessions.series_create(
        therapist=alice,
        client=pair,
        members=[ada, bea],
        first_start=NOW + timedelta(days=7),
        frequency=Series.Frequency.WEEKLY,
        count=4,
        by=alice.user,
    )
    weekly = list(series.appointments.order_by("start"))
    sessions.series_move_following(appointment=weekly[1], start=weekly[1].start + timedelta(hours=1), by=alice.user)
    third = series.appointments.filter(status=Appointment.Status.BOOKED).order_by("start")[2]
    sessions.series_cancel_following(appointment=third, by=alice.user)  # the third and the fourth
    clients.client_therapists_set(client=pair, primary=alice, co_therapists=[bob], by=alice.user)

    referral = referrals.referral_submit(
        referrer={"kind": "physician", "name": "Dr Ada Stone", "email": "ada.stone@clinic.example"},
        kind="individual",
        first_name=NAMES[3],
        last_name="Referred",
        email="zeb@example.net",
        reason=CLINICAL,
        urgency="routine",
        concerns=[Concern.objects.get(slug="low-desire")],
    )
    referrals.referral_submit(
        referrer={"kind": "clergy", "name": "Revd Jo Bell", "email": "jo.bell@parish.example"},
        kind="couple",
        first_name="Jo",
        last_name=NAMES[4],
        email="jo@example.net",
        partner_first_name=NAMES[1],
        partner_last_name="Partner",
        reason=CLINICAL,
        urgency="soon",
    )  # still new: its notices are still wanted
    referral, _problems = referrals.referral_accept(
        referral=referral, by=alice.user, therapist=alice, base_url="http://testserver/"
    )
    member = referral.client.members.get()
    grant_release(referral, alice.user, members=[member])
    referrals.letter_send(referral=referral, by=alice.user, kind="first_seen", body=CLINICAL, token="t" * 32)

    reading = ResourceFactory()
    resources.assignment_create(client=pair, resource=reading, by=alice.user, due_on=(NOW + timedelta(days=5)).date())
    evening = WorkshopFactory(capacity=1, starts_at=NOW + timedelta(days=10), ends_at=NOW + timedelta(days=10, hours=2))
    taken = resources.registration_create(workshop=evening, member=ada, by=ada.user)
    resources.registration_create(workshop=evening, member=bea, by=bea.user)  # waiting list
    resources.registration_cancel(registration=taken, by=ada.user)  # Bea is promoted
    # Messages: Alice writes to both partners, Ada writes privately and to the office; Bob chose the
    # morning digest. Every message holds clinical text; no notice may.
    staff = UserFactory(email="office@example.org", role=User.Role.STAFF)
    messaging.notice_preference_set(user=bob.user, mode="digest", by=bob.user)
    messaging.message_send(
        channel=messaging_access.get_practice_channel(alice.user, pair.pk, "joint"), by=alice.user, body=CLINICAL
    )
    for channel in ("private", "admin"):
        messaging.message_send(
            channel=messaging_access.get_portal_channel(ada.user, channel), by=ada.user, body=CLINICAL
        )
    assert staff.notifications.exists()
    messaging.digests_queue(now=NOW.replace(hour=9))
    privacy = DocumentVersion.objects.get(template__kind="privacy")  # Ada signed the informed consent already
    documents.signature_request(version=privacy, member=ada, by=alice.user)
    # A questionnaire for both partners (measures): its request names no instrument and no session's purpose.
    measures.assignment_create(client=pair, by=alice.user, instrument="phq9", schedule="once")
    return {"members": [ada, bea, member]}


def _built(day) -> list[tuple[Notification, object]]:
    rows = Notification.objects.filter(status=Notification.Status.PENDING).select_related("member", "user")
    built = [(row, outbox._build(row)) for row in rows]
    return [(row, message) for row, message in built if message is not None]  # None: no longer wanted


def test_the_busy_day_sends_every_kind_of_message(day):
    registered = set(outbox._BUILDERS) | set(outbox._MANY_BUILDERS)
    sent = {row.kind for row, _message in _built(day)}
    assert registered - TEST_ONLY_KINDS - sent == set(), "a message kind the busy day does not send"


def test_no_message_carries_clinical_text(day):
    for row, message in _built(day):
        everything = message.subject + message.text + message.html + message.sms
        if row.kind in RELEASED:
            assert CLINICAL in message.text and CLINICAL not in message.subject, row.kind
            continue
        assert CLINICAL not in everything, row.kind
        assert "mismatched desire" not in everything.lower(), row.kind


def test_no_name_in_a_subject_or_an_sms(day):
    for row, message in _built(day):
        shown_when_locked = message.subject + " " + message.sms
        assert not any(name in shown_when_locked for name in NAMES), (row.kind, message.subject)


def test_discreet_members_get_no_word_of_therapy_or_sex(day):
    discreet = {m.pk for m in day["members"] if m.discreet_wording}
    checked = set()
    for row, message in _built(day):
        if row.member_id in discreet:
            everything = message.subject + message.text + message.html + message.sms
            words = re.sub(r"https?://[^\s\"'<]+", "", everything)  # a signed link's letters are not words
            assert not re.search(r"therap|sex", words, re.IGNORECASE), (row.kind, message.subject)
            checked.add(row.kind)
    assert {
        "appointment_booked",
        "appointment_reminder",
        "workshop_waitlist_promoted",
        "documents_sign_request",
        "measure_request",
        "message_notice",
    } <= checked
