"""The ICS feed: a secret, revocable address; reference codes only; cancelled sessions marked."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from icalendar import Calendar

from practice.models import AuditAction, AuditEvent
from sessions_app import services
from sessions_app.models import Modality
from tests.factories import ClientFactory, couple, sign_for_video


def at(day, hour, month=1, year=2027):
    return datetime(year, month, day, hour, tzinfo=UTC)


def book(therapist, unit, start, **kwargs):
    kwargs.setdefault("modality", Modality.VIDEO)
    if kwargs["modality"] == Modality.VIDEO:
        sign_for_video(unit)
    return services.appointment_book(
        therapist=therapist, client=unit, members=list(unit.members.all()), start=start, by=therapist.user, **kwargs
    )


@pytest.fixture
def feed(alice):
    return services.calendar_feed_reset(therapist=alice, by=alice.user)


def feed_url(feed):
    return reverse("sessions_app:feed", args=[feed.token])


def events(response) -> dict:
    calendar = Calendar.from_ical(response.content)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def test_feed_lists_sessions_by_reference_without_names(client, alice, pair, room, feed, monday):
    in_person = book(alice, pair, at(6, 10), modality=Modality.IN_PERSON)
    video = book(alice, ClientFactory(primary_therapist=alice), at(6, 12))
    r = client.get(feed_url(feed))
    assert r.status_code == 200
    assert r["Content-Type"] == "text/calendar; charset=utf-8"
    assert r["Cache-Control"] == "no-store" and r["X-Robots-Tag"] == "noindex"
    found = events(r)
    event = found[f"appointment-{in_person.pk}@practice"]
    assert str(event["SUMMARY"]) == f"Session {pair.reference}" and str(event["LOCATION"]) == "Room 1"
    assert event.decoded("DTSTART") == at(6, 10) and event.decoded("DTEND") == at(6, 11)
    assert str(event["STATUS"]) == "CONFIRMED" and "DESCRIPTION" not in event
    assert str(found[f"appointment-{video.pk}@practice"]["LOCATION"]) == "Video"
    body = r.content.decode()
    for member in pair.members.all():
        for name in (member.first_name, member.last_name):
            assert name not in body
    assert "Z\r\n" in body and "DTSTART:20270106T100000Z" in body  # UTC


def test_cancelled_sessions_are_marked_cancelled(client, alice, solo, feed, monday):
    appointment = book(alice, solo, at(6, 10))
    services.appointment_cancel(appointment=appointment, by=alice.user, via="calendar", late=False)
    event = events(client.get(feed_url(feed)))[f"appointment-{appointment.pk}@practice"]
    assert str(event["STATUS"]) == "CANCELLED"


def test_a_moved_session_gets_a_higher_sequence(client, alice, solo, feed, monday):
    appointment = book(alice, solo, at(6, 10))
    uid = f"appointment-{appointment.pk}@practice"
    before = int(events(client.get(feed_url(feed)))[uid]["SEQUENCE"])
    with time_machine.travel(monday + timedelta(minutes=5), tick=False):
        services.appointment_move(appointment=appointment, start=at(7, 10), by=alice.user, via="calendar")
        after = events(client.get(feed_url(feed)))[uid]
    assert int(after["SEQUENCE"]) > before and after.decoded("DTSTART") == at(7, 10)


def test_only_this_therapists_sessions_in_the_window(client, alice, charlie, solo, feed, monday):
    mine = book(alice, solo, at(6, 10))
    old = book(alice, solo, at(1, 10, month=12, year=2026))  # 34 days before the fixed now
    far = book(alice, solo, at(6, 10, year=2028))  # more than a year ahead
    theirs = book(charlie, ClientFactory(primary_therapist=charlie), at(6, 10))
    found = events(client.get(feed_url(feed)))
    assert set(found) == {f"appointment-{mine.pk}@practice"}
    assert all(f"appointment-{a.pk}@" not in "".join(found) for a in (old, far, theirs))


def test_feed_query_count_does_not_grow(client, alice, feed, monday):
    book(alice, couple(alice), at(5, 9))
    with CaptureQueriesContext(connection) as small:
        client.get(feed_url(feed))
    for hour in range(9, 18):
        book(alice, couple(alice), at(6, hour))
    with CaptureQueriesContext(connection) as large:
        r = client.get(feed_url(feed))
    assert len(events(r)) == 10
    assert len(large.captured_queries) == len(small.captured_queries)


def test_each_fetch_is_recorded_as_an_export(client, feed):
    client.get(feed_url(feed))
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT, target_type="sessions_app.calendarfeed").count() == 1


def test_unknown_token_is_404(client, feed):
    assert client.get(reverse("sessions_app:feed", args=["not-a-real-token"])).status_code == 404


def test_reset_kills_the_old_address_and_the_new_one_works(client, alice, feed):
    old_url = feed_url(feed)
    client.force_login(alice.user)
    client.post(reverse("sessions_app:feed_reset"))
    client.logout()
    feed.refresh_from_db()
    assert client.get(old_url).status_code == 404
    assert client.get(feed_url(feed)).status_code == 200


def test_feed_is_get_only(client, feed):
    assert client.post(feed_url(feed)).status_code == 405
