"""Telehealth: each video session its own unguessable room from the configured pattern, shown only to
the attending members (and the therapist) and only from 15 minutes before to the end, never in a
message; the telehealth consent gate at booking and at joining; the client's location recorded at
joining and shown on the therapist's session page."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from clients.services import consent_grant
from documents import services as documents
from documents.models import Signature
from outbox import services as outbox
from outbox.models import Notification
from practice.models import AuditAction, AuditEvent
from sessions_app import services
from sessions_app.models import Appointment, Attendance, BookingRules, Modality
from tests.factories import ClientFactory, portal_user_for, sign_for_video

START = datetime(2027, 1, 8, 10, 0, tzinfo=UTC)  # Friday 10:00 London
PATTERN = "https://meet.example.org/{room}"


@pytest.fixture(autouse=True)
def rooms(settings):
    settings.TELEHEALTH_ROOM_PATTERN = PATTERN


@pytest.fixture
def couple_session(alice, pair, monday):
    sign_for_video(pair)
    ada, bea = pair.members.order_by("position")
    portal_user_for(ada), portal_user_for(bea)
    alone = services.appointment_book(
        therapist=alice, client=pair, members=[ada], start=START, by=alice.user, modality=Modality.VIDEO
    )
    return alone, ada, bea


def join_url(appointment):
    return reverse("portal:session_join", args=[appointment.pk])


def test_each_video_session_gets_its_own_unguessable_room_never_sent_in_a_message(alice, pair, monday):
    sign_for_video(pair)
    members = list(pair.members.all())
    first = services.appointment_book(
        therapist=alice,
        client=pair,
        members=members,
        start=START + timedelta(days=2),
        by=alice.user,
        modality=Modality.VIDEO,
    )
    second = services.appointment_book(
        therapist=alice,
        client=pair,
        members=members,
        start=START + timedelta(days=3),
        by=alice.user,
        modality=Modality.VIDEO,
    )
    assert re.fullmatch(r"[0-9a-f]{32}", first.video_room) and first.video_room != second.video_room
    for row in Notification.objects.filter(member__isnull=False):
        message = outbox._build(row)
        if message is not None:
            assert first.video_room not in message.text + message.html + message.sms


def test_the_room_shows_to_the_attending_member_only_in_its_window(client, couple_session):
    alone, ada, bea = couple_session
    client.force_login(ada.user)
    early = client.get(join_url(alone)).content.decode()
    assert "The room opens 15 minutes before the start" in early and "meet.example.org" not in early
    with time_machine.travel(START - timedelta(minutes=15), tick=False):
        client.force_login(ada.user)  # days later: the idle sign-out has ended the first session
        form = client.get(join_url(alone)).content.decode()
        assert "Where are you now?" in form and "meet.example.org" not in form
        joined = client.post(join_url(alone), {"location": "  Ontario,   Canada "}).content.decode()
        assert f'href="{PATTERN.format(room=alone.video_room)}"' in joined
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        client.force_login(ada.user)
        assert "meet.example.org" not in client.get(join_url(alone)).content.decode()  # over
    client.force_login(bea.user)  # her partner's individual session is not hers
    assert client.get(join_url(alone)).status_code == 404
    with time_machine.travel(START, tick=False):
        client.force_login(bea.user)
        assert client.post(join_url(alone), {"location": "Ontario"}).status_code == 404


def test_the_location_is_recorded_encrypted_audited_and_shown_to_the_therapist(
    client, alice, staff_user, couple_session
):
    alone, ada, _bea = couple_session
    with time_machine.travel(START - timedelta(minutes=5), tick=False):
        client.force_login(ada.user)
        client.post(join_url(alone), {"location": "Ontario, Canada"})
    attendance = Attendance.objects.get(appointment=alone, member=ada)
    assert attendance.location == "Ontario, Canada" and attendance.location_confirmed_at == START - timedelta(minutes=5)
    with connection.cursor() as cursor:
        cursor.execute("SELECT location FROM sessions_app_attendance WHERE id = %s", [attendance.pk])
        assert "Ontario" not in cursor.fetchone()[0]
    assert AuditEvent.objects.filter(
        actor=ada.user, action=AuditAction.UPDATE, target_type="sessions_app.attendance"
    ).exists()
    with time_machine.travel(START, tick=False):
        client.force_login(alice.user)
        page = client.get(reverse("sessions_app:appointment", args=[alone.pk])).content.decode()
    assert f"{ada.display_name}: Ontario, Canada" in page
    assert f'href="{PATTERN.format(room=alone.video_room)}"' in page  # the therapist joins too
    with time_machine.travel(START, tick=False):
        client.force_login(staff_user)
        staff_page = client.get(reverse("sessions_app:appointment", args=[alone.pk])).content.decode()
    assert "Ontario" not in staff_page and alone.video_room not in staff_page


def test_the_therapist_sees_no_room_link_outside_the_window(client, alice, couple_session):
    alone, _ada, _bea = couple_session
    client.force_login(alice.user)
    page = client.get(reverse("sessions_app:appointment", args=[alone.pk])).content.decode()
    assert alone.video_room not in page and "shows here from 15 minutes before" in page


def test_no_location_no_room(client, couple_session):
    alone, ada, _bea = couple_session
    with time_machine.travel(START, tick=False):
        client.force_login(ada.user)
        response = client.post(join_url(alone), {"location": "   "})
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    assert alone.video_room not in response.content.decode()
    assert Attendance.objects.get(appointment=alone, member=ada).location == ""


def test_a_withdrawn_telehealth_consent_closes_the_room(client, alice, couple_session):
    alone, ada, _bea = couple_session
    signature = Signature.objects.get(member=ada, version__template__required_before="video", withdrawn_at=None)
    documents.signature_withdraw(signature=signature, by=alice.user)
    with time_machine.travel(START, tick=False):
        client.force_login(ada.user)
        response = client.get(join_url(alone))
        posted = client.post(join_url(alone), {"location": "Ontario"})
    assert response.status_code == posted.status_code == 403
    assert (
        "sign the telehealth consent" in response.content.decode() and alone.video_room not in response.content.decode()
    )
    assert Attendance.objects.get(appointment=alone, member=ada).location == ""


def test_a_video_session_needs_the_telehealth_consent_to_be_booked(alice, monday):
    unit = ClientFactory(primary_therapist=alice)
    with pytest.raises(Exception, match="Telehealth"):
        services.appointment_book(
            therapist=alice,
            client=unit,
            members=list(unit.members.all()),
            start=START,
            by=alice.user,
            modality=Modality.VIDEO,
        )
    assert not Appointment.objects.exists()


def test_moving_to_in_person_drops_the_room_and_back_to_video_makes_a_new_one(alice, room, couple_session):
    alone, _ada, _bea = couple_session
    old = alone.video_room
    moved = services.appointment_move(
        appointment=alone, start=START + timedelta(hours=2), by=alice.user, via="calendar", modality=Modality.IN_PERSON
    )
    assert moved.video_room == ""
    back = services.appointment_move(
        appointment=moved, start=START + timedelta(hours=3), by=alice.user, via="calendar", modality=Modality.VIDEO
    )
    assert back.video_room and back.video_room != old


def test_without_a_pattern_the_therapists_link_is_used_the_same_way_and_never_sent(
    client, alice, pair, monday, settings
):
    settings.TELEHEALTH_ROOM_PATTERN = ""
    BookingRules.objects.update_or_create(therapist=alice, defaults={"video_link": "https://video.example/alice"})
    sign_for_video(pair)
    ada = pair.members.order_by("position").first()
    portal_user_for(ada)
    consent_grant(member=ada, kind="reminders_email", by=alice.user)
    session = services.appointment_book(
        therapist=alice, client=pair, members=[ada], start=START, by=alice.user, modality=Modality.VIDEO
    )
    assert session.video_room == ""
    built = [outbox._build(row) for row in Notification.objects.filter(member=ada)]
    assert built and all(m is not None and "video.example" not in m.text + m.html + m.sms for m in built)
    with time_machine.travel(START - timedelta(minutes=10), tick=False):
        client.force_login(ada.user)
        joined = client.post(join_url(session), {"location": "Wales"}).content.decode()
    assert 'href="https://video.example/alice"' in joined
