"""The client's booking pages: book, move, cancel, and the sessions panel of the portal home.

Now is Monday 4 January 2027, 08:00 UTC (London is on UTC in January, New York on UTC-5). Alice
works Monday to Friday 09:00–17:00 London time; by default clients need 24 hours' notice, may book
60 days ahead, and cancelling less than 48 hours before counts as late.
"""

import re
from datetime import UTC, datetime, time

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients.models import Client, Member
from sessions_app import services
from sessions_app.models import Appointment, Attendance, BookingRules, Modality, Room, WorkingHours
from tests.factories import ClientFactory, portal_user_for, sign_for_video

BOOK = reverse("portal:book")
PORTAL = reverse("portal:home")
VIDEO = {"modality": "video"}
NOT_OPEN = "Online booking is not open for you yet. Please contact your therapist."


def at(day, hour, month=1, year=2027):
    return datetime(year, month, day, hour, tzinfo=UTC)


def cancel_url(appointment):
    return reverse("portal:session_cancel", args=[appointment.pk])


def move_url(appointment):
    return reverse("portal:session_move", args=[appointment.pk])


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(at(4, 8), tick=False):
        yield


@pytest.fixture
def workweek(alice):
    return [WorkingHours.objects.create(therapist=alice, weekday=d, start=time(9), end=time(17)) for d in range(5)]


@pytest.fixture
def room1(db):
    return Room.objects.create(name="Room 1", location="12 Quay Street, first floor")


def open_booking(unit):
    Client.objects.filter(pk=unit.pk).update(self_booking=True)
    unit.refresh_from_db()
    return unit


@pytest.fixture
def me(solo, workweek):
    """The member of Alice's individual client, with a portal login and booking open."""
    open_booking(solo)
    member = solo.members.get()
    portal_user_for(member)
    sign_for_video(member)  # the member has consented to video sessions (checked by the booking)
    return member


@pytest.fixture
def web(client, me):
    client.force_login(me.user)
    return client


@pytest.fixture
def partners(pair, workweek):
    """Both partners of Alice's couple, with logins and booking open."""
    open_booking(pair)
    members = list(pair.members.order_by("position"))
    for member in members:
        portal_user_for(member)
    sign_for_video(*members)
    return members


def as_member(client, member):
    client.force_login(member.user)
    return client


def set_zone(member, zone):
    Member.objects.filter(pk=member.pk).update(time_zone=zone)


def session(therapist, unit, start, members=None, modality=Modality.VIDEO):
    """A session booked by the therapist in the calendar (not the portal)."""
    if modality == Modality.VIDEO:
        sign_for_video(*(members or [unit]))
    return services.appointment_book(
        therapist=therapist,
        client=unit,
        members=members or list(unit.members.all()),
        start=start,
        by=therapist.user,
        modality=modality,
    )


def slot_values(body):
    return re.findall(r'name="start" value="([^"]+)"', body)


# --- Who may reach the pages ----------------------------------------------------------------------


@pytest.fixture
def urls(alice, me):
    appointment = session(alice, me.client, at(8, 10))
    return {"book": BOOK, "cancel": cancel_url(appointment), "move": move_url(appointment)}


@pytest.mark.parametrize("page", ["book", "cancel", "move"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_visitors_are_sent_to_sign_in(client, urls, page, method):
    r = getattr(client, method)(urls[page])
    assert r.status_code == 302 and r.url.startswith("/accounts/login/?next=")


@pytest.mark.parametrize("page", ["book", "cancel", "move"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_therapists_get_404(client, alice, urls, page, method):
    client.force_login(alice.user)
    assert getattr(client, method)(urls[page], {"start": at(8, 12).isoformat()}).status_code == 404
    assert Appointment.objects.get().start == at(8, 10)


@pytest.mark.parametrize(
    ("page", "method"), [("book", "put"), ("book", "delete"), ("cancel", "put"), ("move", "patch")]
)
def test_wrong_methods_are_refused(web, urls, page, method):
    assert getattr(web, method)(urls[page]).status_code == 405
    assert Appointment.objects.get().status == Appointment.Status.BOOKED


@pytest.mark.parametrize("page", ["cancel", "move"])
def test_another_client_gets_404_and_changes_nothing(client, alice, urls, workweek, page):
    stranger = open_booking(ClientFactory(primary_therapist=alice)).members.get()
    client.force_login(portal_user_for(stranger))
    assert client.get(urls[page]).status_code == 404
    assert client.post(urls[page], {"start": at(11, 10).isoformat()}).status_code == 404
    appointment = Appointment.objects.get()
    assert (appointment.status, appointment.start) == (Appointment.Status.BOOKED, at(8, 10))


def test_a_client_account_without_a_member_record_gets_404(client, client_user, urls):
    client.force_login(client_user)
    assert client.get(urls["book"]).status_code == 404
    assert client.post(urls["cancel"]).status_code == 404


# --- Book: the page -------------------------------------------------------------------------------


def test_free_slots_are_shown_in_the_members_zone_and_the_zone_is_named(web, me):
    set_zone(me, "America/New_York")
    body = web.get(BOOK, {"modality": "video"}).content.decode()
    assert "Times are shown in America/New_York" in body
    # Tuesday 09:00 London is 04:00 in New York; the posted value is the UTC instant
    assert 'value="2027-01-05T09:00:00+00:00"' in body
    assert 'aria-label="Book Tuesday 5 January at 04:00">04:00</button>' in body
    assert "Book Tuesday 5 January at 11:00" in body  # 16:00 London, the day's last
    assert "at 12:00" not in body and "at 03:00" not in body


def test_no_slot_inside_the_minimum_notice(web):
    values = slot_values(web.get(BOOK, VIDEO).content.decode())
    assert values[0] == "2027-01-05T09:00:00+00:00"  # nothing on Monday: less than 24 hours away
    assert not [v for v in values if v.startswith("2027-01-04")]
    assert len(values) == 4 * 8  # Tuesday to Friday, eight one-hour sessions a day


def test_weeks_go_forward_but_not_before_this_week_nor_past_the_booking_horizon(web):
    body = web.get(BOOK, VIDEO).content.decode()
    assert "Previous week" not in body and "?week=2027-01-11&amp;modality=video" in body
    values = slot_values(web.get(BOOK, {"week": "2027-01-11", **VIDEO}).content.decode())
    assert values[0] == "2027-01-11T09:00:00+00:00" and len(values) == 5 * 8
    assert "Week of Monday 4 January 2027" in web.get(BOOK, {"week": "2026-12-28"}).content.decode()
    last = web.get(BOOK, {"week": "2027-09-06", **VIDEO}).content.decode()  # 60 days ahead ends Friday 5 March
    assert "Week of Monday 1 March 2027" in last and "Next week" not in last
    assert slot_values(last)[-1] == "2027-03-04T16:00:00+00:00"  # Friday's 09:00 is past the horizon (08:00)


def test_a_bad_week_shows_this_week(web):
    r = web.get(BOOK, {"week": "next tuesday"})
    assert r.status_code == 200 and "Week of Monday 4 January 2027" in r.content.decode()


def test_the_modality_choice_reloads_the_slots(web, alice):
    body = web.get(BOOK, {"modality": "in_person"}).content.decode()
    assert 'value="in_person" selected' in body and 'value="video"' in body and 'value="phone"' not in body
    assert slot_values(body) == []  # no room in the practice: no in-person slot
    Room.objects.create(name="Room 2")
    assert len(slot_values(web.get(BOOK, {"modality": "in_person"}).content.decode())) == 4 * 8


def test_with_booking_closed_the_page_says_so_and_shows_no_slots(client, solo, workweek):
    client.force_login(portal_user_for(solo.members.get()))
    r = client.get(BOOK)
    assert r.status_code == 200 and NOT_OPEN in r.content.decode()
    assert slot_values(r.content.decode()) == []


# --- Book: posting a slot -------------------------------------------------------------------------


def test_booking_creates_one_session_for_the_member_booked_via_the_portal(web, me):
    set_zone(me, "Europe/Paris")
    r = web.post(BOOK, {"start": "2027-01-05T10:00:00+00:00", "modality": "video", "confirm": "1"}, follow=True)
    assert r.redirect_chain == [(PORTAL, 302)]
    assert "Your session is booked for Tuesday 5 January 2027, 11:00 (Europe/Paris)." in r.content.decode()
    appointment = Appointment.objects.get()
    assert (appointment.start, appointment.end, appointment.modality) == (at(5, 10), at(5, 11), "video")
    assert (appointment.booked_via, appointment.booked_by) == (Appointment.Via.PORTAL, me.user)
    assert list(appointment.members.all()) == [me]


def test_a_couples_member_books_a_joint_session_for_both(client, partners, room1):
    a, b = partners
    r = as_member(client, a).post(BOOK, {"start": at(6, 14).isoformat(), "modality": "in_person", "confirm": "1"})
    assert r.status_code == 302
    appointment = Appointment.objects.get()
    assert set(appointment.members.all()) == {a, b}
    assert appointment.room == room1 and appointment.booked_by == a.user


def test_a_slot_taken_meanwhile_gets_409_and_nothing_new(client, web, me, alice):
    other = open_booking(ClientFactory(primary_therapist=alice)).members.get()
    session(alice, other.client, at(5, 10))  # booked by someone else since the page was shown
    r = web.post(BOOK, {"start": at(5, 10).isoformat(), "modality": "video"})
    assert r.status_code == 409
    assert "That time was just taken" in r.content.decode()
    assert slot_values(r.content.decode())  # the week's other free times, to choose again
    assert Appointment.objects.count() == 1 and not me.appointments.exists()


def test_booking_closed_refuses_the_post_and_creates_nothing(client, solo, workweek):
    client.force_login(portal_user_for(solo.members.get()))
    r = client.post(BOOK, {"start": at(5, 10).isoformat(), "modality": "video"})
    assert r.status_code == 403 and NOT_OPEN in r.content.decode()
    assert not Appointment.objects.exists()


def test_a_modality_the_therapist_does_not_offer_is_refused(web):
    r = web.post(BOOK, {"start": at(5, 10).isoformat(), "modality": "phone"})
    assert r.status_code == 400 and "does not offer that kind of session" in r.content.decode()
    assert not Appointment.objects.exists()


BAD_STARTS = [
    "",
    "tomorrow",
    "2027-01-05T10:00:00",
    "2027-13-05T10:00:00+00:00",
    "9999-12-31T23:00:00-05:00",
    "0001-01-01T00:00:00+05:00",
]


@pytest.mark.parametrize("value", BAD_STARTS)
def test_a_start_that_cannot_be_read_is_a_clear_400(web, value):
    r = web.post(BOOK, {"start": value, "modality": "video"})
    assert r.status_code == 400 and "That time could not be read" in r.content.decode()
    assert not Appointment.objects.exists()


def test_a_readable_time_that_is_not_a_slot_is_refused(web):
    r = web.post(BOOK, {"start": "2027-01-05T10:30:00+00:00", "modality": "video"})  # off the hour grid
    assert r.status_code == 409
    assert not Appointment.objects.exists()


# --- Cancel ---------------------------------------------------------------------------------------


def test_cancel_in_good_time_is_not_late_and_sends_no_email(
    web, me, alice, mailoutbox, django_capture_on_commit_callbacks
):
    appointment = session(alice, me.client, at(8, 10))  # Friday: more than 48 hours away
    page = web.get(cancel_url(appointment)).content.decode()
    assert "will not count as a late cancellation" in page
    with django_capture_on_commit_callbacks(execute=True):
        r = web.post(cancel_url(appointment), follow=True)
    assert "Your session of Friday 8 January 2027, 10:00 (Europe/London) is cancelled." in r.content.decode()
    appointment.refresh_from_db()
    assert (appointment.status, appointment.cancelled_by) == (Appointment.Status.CANCELLED, me.user)
    assert mailoutbox == []


def test_cancel_inside_the_window_is_late_and_tells_the_therapist_discreetly(
    web, me, alice, mailoutbox, django_capture_on_commit_callbacks, deliver
):
    appointment = session(alice, me.client, at(5, 10))  # Tuesday: 26 hours away
    assert "will count as a <strong>late cancellation</strong>" in web.get(cancel_url(appointment)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        r = web.post(cancel_url(appointment), follow=True)
    assert "cancelled late — your therapist has been told" in r.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.LATE_CANCELLED
    assert not Attendance.objects.filter(live=True).exists()
    deliver()
    [mail] = mailoutbox
    assert mail.to == [alice.user.email] and me.client.reference in mail.subject
    assert me.first_name not in mail.subject + mail.body and me.last_name not in mail.subject + mail.body


def test_a_session_already_cancelled_cannot_be_cancelled_again(web, me, alice):
    appointment = session(alice, me.client, at(8, 10))
    web.post(cancel_url(appointment))
    r = web.post(cancel_url(appointment))
    assert r.status_code == 400 and "not booked any more" in r.content.decode()
    assert Appointment.objects.get().status == Appointment.Status.CANCELLED


def test_booking_closed_refuses_cancelling_online(client, solo, alice, workweek):
    appointment = session(alice, solo, at(8, 10))
    client.force_login(portal_user_for(solo.members.get()))
    assert NOT_OPEN in client.get(cancel_url(appointment)).content.decode()
    assert client.post(cancel_url(appointment)).status_code == 403
    assert Appointment.objects.get().status == Appointment.Status.BOOKED


# --- A couple: joint sessions are shared, individual ones are not -----------------------------------


def test_partner_b_sees_and_cancels_the_joint_session_partner_a_booked(client, partners):
    a, b = partners
    as_member(client, a).post(BOOK, {"start": at(8, 10).isoformat(), "modality": "video", "confirm": "1"})
    appointment = Appointment.objects.get()
    as_member(client, b)
    assert cancel_url(appointment) in client.get(PORTAL).content.decode()
    assert "cancels it for both of you" in client.get(cancel_url(appointment)).content.decode()
    assert client.post(cancel_url(appointment)).status_code == 302
    appointment.refresh_from_db()
    assert (appointment.status, appointment.cancelled_by) == (Appointment.Status.CANCELLED, b.user)


def test_a_partners_individual_session_is_invisible_and_404_to_the_other(client, alice, partners):
    a, b = partners
    theirs = session(alice, a.client, at(8, 10), members=[b])
    as_member(client, a)
    home = client.get(PORTAL).content.decode()
    assert cancel_url(theirs) not in home and "Friday 8 January" not in home
    for url in (cancel_url(theirs), move_url(theirs)):
        assert client.get(url).status_code == 404
        assert client.post(url, {"start": at(11, 10).isoformat()}).status_code == 404
    theirs.refresh_from_db()
    assert (theirs.status, theirs.start) == (Appointment.Status.BOOKED, at(8, 10))
    assert cancel_url(theirs) in as_member(client, b).get(PORTAL).content.decode()


# --- Move -----------------------------------------------------------------------------------------


def test_move_in_good_time_changes_the_times_and_the_attendance(web, me, alice):
    appointment = session(alice, me.client, at(8, 10))
    page = web.get(move_url(appointment)).content.decode()
    assert "Week of Monday 4 January 2027" in page and "10:00 (current)" in page
    r = web.post(move_url(appointment), {"start": at(12, 15).isoformat(), "confirm": "1"}, follow=True)
    assert r.redirect_chain == [(PORTAL, 302)]
    assert "is moved to Tuesday 12 January 2027, 15:00 (Europe/London)" in r.content.decode()
    appointment.refresh_from_db()
    assert (appointment.start, appointment.end, appointment.status) == (at(12, 15), at(12, 16), "booked")
    assert list(Attendance.objects.values_list("member_id", "start", "end")) == [(me.pk, at(12, 15), at(12, 16))]


def test_the_sessions_own_time_does_not_block_its_neighbours(web, me, alice):
    BookingRules.objects.update_or_create(therapist=alice, defaults={"buffer_minutes": 30})
    appointment = session(alice, me.client, at(8, 10))
    values = slot_values(web.get(move_url(appointment)).content.decode())
    assert "2027-01-08T09:00:00+00:00" in values and "2027-01-08T11:00:00+00:00" in values


def test_move_inside_the_window_is_refused_with_the_reason(web, me, alice):
    appointment = session(alice, me.client, at(5, 10))
    page = web.get(move_url(appointment)).content.decode()
    assert "can no longer be moved online" in page and slot_values(page) == []
    r = web.post(move_url(appointment), {"start": at(12, 15).isoformat()})
    assert r.status_code == 400 and "can no longer be moved online" in r.content.decode()
    appointment.refresh_from_db()
    assert appointment.start == at(5, 10)


def test_move_to_a_taken_time_gets_409(web, me, alice):
    appointment = session(alice, me.client, at(8, 10))
    session(alice, ClientFactory(primary_therapist=alice), at(12, 15))
    r = web.post(move_url(appointment), {"start": at(12, 15).isoformat()})
    assert r.status_code == 409 and "That time was just taken" in r.content.decode()
    appointment.refresh_from_db()
    assert appointment.start == at(8, 10)


@pytest.mark.parametrize("value", BAD_STARTS)
def test_move_with_an_unreadable_start_is_a_clear_400(web, me, alice, value):
    appointment = session(alice, me.client, at(8, 10))
    r = web.post(move_url(appointment), {"start": value})
    assert r.status_code == 400 and "That time could not be read" in r.content.decode()
    assert Appointment.objects.get().start == at(8, 10)


def test_booking_closed_refuses_moving_online(client, solo, alice, workweek):
    appointment = session(alice, solo, at(8, 10))
    client.force_login(portal_user_for(solo.members.get()))
    assert NOT_OPEN in client.get(move_url(appointment)).content.decode()
    assert client.post(move_url(appointment), {"start": at(12, 15).isoformat()}).status_code == 403
    assert Appointment.objects.get().start == at(8, 10)


# --- Portal home: the sessions panel --------------------------------------------------------------


def test_home_lists_upcoming_sessions_with_place_and_links(web, me, alice, room1):
    set_zone(me, "America/New_York")
    BookingRules.objects.update_or_create(therapist=alice, defaults={"video_link": "https://video.example/alice"})
    in_person = session(alice, me.client, at(8, 15), modality=Modality.IN_PERSON)
    video = session(alice, me.client, at(12, 9))
    body = web.get(PORTAL).content.decode()
    assert "Friday 8 January 2027, 10:00–11:00" in body and "(America/New_York)" in body
    assert "Room 1, 12 Quay Street, first floor" in body
    # The room's link only shows on the join page, in its window (tests/sessions_app/test_telehealth.py).
    assert "https://video.example/alice" not in body and f'href="/portal/sessions/{video.pk}/join/"' in body
    for appointment in (in_person, video):
        assert cancel_url(appointment) in body and move_url(appointment) in body
    assert f'href="{BOOK}"' in body and "Book a session" in body


def test_home_lists_past_sessions_with_their_status(web, me, alice):
    december = [session(alice, me.client, at(day, 10, month=12, year=2026)) for day in (14, 15, 16, 17)]
    services.appointment_mark(appointment=december[0], status="attended", by=alice.user)
    services.appointment_mark(appointment=december[1], status="no_show", by=alice.user)
    services.appointment_cancel(appointment=december[2], by=alice.user, via="calendar", late=False)
    services.appointment_cancel(appointment=december[3], by=alice.user, via="calendar", late=True)
    body = web.get(PORTAL).content.decode()
    assert "Past and cancelled sessions" in body and "Monday 14 December 2026, 10:00–11:00" in body
    for label in ("Attended", "No-show", "Cancelled", "Cancelled late"):
        assert f">{label}</span>" in body
    assert not any(cancel_url(a) in body or move_url(a) in body for a in december)
    assert "You have no upcoming sessions." in body


def test_home_without_booking_says_it_is_not_open(client, solo, workweek):
    client.force_login(portal_user_for(solo.members.get()))
    body = client.get(PORTAL).content.decode()
    assert "Online booking is not open for you yet" in body and f'href="{BOOK}"' not in body


def test_home_takes_the_same_number_of_queries_with_1_or_6_sessions(web, me, alice, room1, django_assert_num_queries):
    session(alice, me.client, at(5, 9), modality=Modality.IN_PERSON)
    with CaptureQueriesContext(connection) as one:
        assert web.get(PORTAL).status_code == 200
    for hour in (10, 11):
        session(alice, me.client, at(6, hour), modality=Modality.IN_PERSON)
        session(alice, me.client, at(7, hour))
    past = session(alice, me.client, at(11, 9))
    services.appointment_cancel(appointment=past, by=alice.user, via="calendar", late=False)
    assert Appointment.objects.count() == 6
    with django_assert_num_queries(len(one.captured_queries)):
        assert web.get(PORTAL).status_code == 200
