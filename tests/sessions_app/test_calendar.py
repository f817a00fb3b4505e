"""The therapist and staff calendar: week and day views, booking from the calendar, one session's page
and its move / cancel / mark actions."""

import re
from datetime import UTC, datetime
from datetime import time as dt_time

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from practice.models import AuditAction, AuditEvent
from sessions_app import services
from sessions_app.models import Appointment, Attendance, CalendarFeed, Modality, Room, TimeOff, WorkingHours
from tests.factories import ClientFactory, TherapistFactory, couple, give_totp, sign_for_video


def at(day, hour, minute=0, month=1):
    return datetime(2027, month, day, hour, minute, tzinfo=UTC)


def book(therapist, unit, start, **kwargs):
    kwargs.setdefault("modality", Modality.VIDEO)
    if kwargs["modality"] == Modality.VIDEO:
        sign_for_video(unit)
    return services.appointment_book(
        therapist=therapist, client=unit, members=list(unit.members.all()), start=start, by=therapist.user, **kwargs
    )


def new_data(unit, day="2027-01-06", time="10:00", **extra):
    """The booking form's fields; for a video session the unit has consented to video sessions."""
    data = {"client": unit.pk, "date": day, "start_time": time, "modality": "video", "repeat": "", **extra}
    if data["modality"] == "video":
        sign_for_video(unit)
    return data


@pytest.fixture(autouse=True)
def working_week(alice):
    """Alice works Monday to Friday, 09:00–17:00 (her zone): bookings there need no "Book anyway"."""
    return [
        WorkingHours.objects.create(therapist=alice, weekday=d, start=dt_time(9), end=dt_time(17)) for d in range(5)
    ]


SCHEDULE = reverse("sessions_app:schedule")
NEW = reverse("sessions_app:appointment_new")


# --- week and day views ---------------------------------------------------------------------------


def test_therapist_sees_own_week_with_references_and_names(client, alice, charlie, solo, pair, room, monday):
    book(alice, solo, at(6, 10))
    book(alice, pair, at(7, 14), modality=Modality.IN_PERSON)
    theirs = ClientFactory(primary_therapist=charlie)
    book(charlie, theirs, at(6, 12))
    client.force_login(alice.user)
    r = client.get(SCHEDULE)
    body = r.content.decode()
    assert r.status_code == 200
    assert solo.reference in body and pair.reference in body and theirs.reference not in body
    assert solo.members.get().display_name in body and "10:00" in body and "Room 1" in body
    assert theirs.members.get().display_name not in body
    assert "Europe/London" in body and reverse("sessions_app:availability") in body


def test_times_are_shown_in_the_viewers_zone(client, alice, solo, monday):
    alice.time_zone = "America/New_York"
    alice.save(update_fields=["time_zone"])
    book(alice, solo, at(6, 15))  # 15:00 UTC is 10:00 in New York in January
    client.force_login(alice.user)
    body = client.get(SCHEDULE).content.decode()
    assert "10:00–11:00" in re.sub(r"<time[^>]*>|</time>", "", body)  # the visible text, tags dropped


def test_default_is_this_week_and_a_date_chooses_another(client, alice, solo, monday):
    later = book(alice, solo, at(13, 10))
    client.force_login(alice.user)
    assert solo.reference not in client.get(SCHEDULE).content.decode()
    body = client.get(SCHEDULE, {"date": "2027-01-14"}).content.decode()
    assert solo.reference in body and reverse("sessions_app:appointment", args=[later.pk]) in body


def test_day_view_shows_that_day_only(client, alice, solo, monday):
    book(alice, solo, at(6, 10))
    client.force_login(alice.user)
    assert solo.reference in client.get(SCHEDULE, {"view": "day", "date": "2027-01-06"}).content.decode()
    assert solo.reference not in client.get(SCHEDULE, {"view": "day", "date": "2027-01-07"}).content.decode()


def test_a_bad_date_shows_this_week_rather_than_failing(client, alice, solo, monday):
    book(alice, solo, at(6, 10))
    client.force_login(alice.user)
    r = client.get(SCHEDULE, {"view": "year", "date": "not-a-date"})
    assert r.status_code == 200 and solo.reference in r.content.decode()


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_far_off_dates_do_not_break_the_calendar(client, alice, day):
    client.force_login(alice.user)
    assert client.get(SCHEDULE, {"date": day}).status_code == 200
    r = client.post(NEW, {"date": day, "start_time": "10:00", "modality": "video"})
    assert r.status_code == 400 and "Choose a date between 1900 and 2200" in r.content.decode()


def test_cancelled_sessions_are_shown_struck_through_and_say_so(client, alice, solo, monday):
    appointment = book(alice, solo, at(6, 10))
    services.appointment_cancel(appointment=appointment, by=alice.user, via="calendar", late=False)
    client.force_login(alice.user)
    body = client.get(SCHEDULE).content.decode()
    assert solo.reference in body and "cal-status-cancelled" in body and "Cancelled</span>" in body
    assert 'draggable="true"' not in body  # a cancelled session is not moved


def test_staff_see_every_therapist_or_the_one_they_choose(client, staff_user, alice, charlie, solo, monday):
    theirs = ClientFactory(primary_therapist=charlie)
    book(alice, solo, at(6, 10))
    book(charlie, theirs, at(6, 10))
    client.force_login(staff_user)
    everyone = client.get(SCHEDULE, {"view": "week"}).content.decode()
    assert solo.reference in everyone and theirs.reference in everyone and alice.display_name in everyone
    chosen = client.get(SCHEDULE, {"therapist": charlie.pk}).content.decode()
    assert theirs.reference in chosen and solo.reference not in chosen
    assert reverse("sessions_app:feed_reset") not in chosen  # the feed box is the therapist's own


def test_staff_choosing_an_unknown_therapist_see_everyone(client, staff_user, alice, solo, monday):
    book(alice, solo, at(6, 10))
    client.force_login(staff_user)
    r = client.get(SCHEDULE, {"therapist": "999999", "view": "week"})
    assert r.status_code == 200 and solo.reference in r.content.decode()


def test_schedule_refuses_clients_anonymous_and_post(client, client_user, alice):
    assert client.get(SCHEDULE).url.startswith("/accounts/login/")
    client.force_login(client_user)
    assert client.get(SCHEDULE).status_code == 404
    client.force_login(alice.user)
    assert client.post(SCHEDULE).status_code == 405


def test_week_view_query_count_does_not_grow(client, alice, room, monday):
    client.force_login(alice.user)
    for hour in (9, 10):
        book(alice, couple(alice), at(5, hour), modality=Modality.IN_PERSON)
    with CaptureQueriesContext(connection) as small:
        assert client.get(SCHEDULE).status_code == 200
    for day in (6, 7):
        for hour in (9, 10, 11, 12):
            book(alice, couple(alice), at(day, hour), modality=Modality.IN_PERSON)
    with CaptureQueriesContext(connection) as large:
        body = client.get(SCHEDULE).content.decode()
    assert body.count('class="cal-appt-link"') == 10  # each session once (its page, a move link, a drag target)
    assert len(large.captured_queries) == len(small.captured_queries)


def test_staff_week_of_everyone_query_count_does_not_grow(client, staff_user, alice, charlie, monday):
    client.force_login(staff_user)
    book(alice, ClientFactory(primary_therapist=alice), at(5, 9))
    book(charlie, ClientFactory(primary_therapist=charlie), at(5, 9))
    with CaptureQueriesContext(connection) as small:
        client.get(SCHEDULE)
    for hour in (10, 11, 12, 13):
        book(alice, ClientFactory(primary_therapist=alice), at(6, hour))
        book(charlie, couple(charlie), at(6, hour))
    with CaptureQueriesContext(connection) as large:
        client.get(SCHEDULE)
    assert len(large.captured_queries) == len(small.captured_queries)


# --- the hour grid and the month -------------------------------------------------------------------


def slot_href(body: str, day: str, hour: str) -> str | None:
    """The booking link of the free hour `hour` on `day` (therapist's zone), or None when there is none."""
    found = re.search(rf'<a class="cal-slot[^"]*" href="([^"]+)" data-date="{day}" data-time="{hour}"', body)
    return found.group(1).replace("&amp;", "&") if found else None


def test_free_hours_start_a_booking_with_the_time_and_a_free_room(client, alice, charlie, solo, room, monday):
    other = Room.objects.create(name="Room 2")
    book(alice, solo, at(6, 10), modality=Modality.IN_PERSON, room=room)
    theirs = ClientFactory(primary_therapist=charlie)
    book(charlie, theirs, at(6, 12), modality=Modality.IN_PERSON, room=room)
    client.force_login(alice.user)
    body = client.get(SCHEDULE).content.decode()
    assert slot_href(body, "2027-01-06", "10:00") is None  # taken by her session
    assert slot_href(body, "2027-01-06", "11:00") == f"{NEW}?date=2027-01-06&start_time=11:00&room={room.pk}"
    assert slot_href(body, "2027-01-06", "12:00").endswith(f"&room={other.pk}")  # Charlie has Room 1 then
    assert "therapist=" not in slot_href(body, "2027-01-06", "11:00")  # she books for herself
    form = client.get(slot_href(body, "2027-01-06", "11:00")).content.decode()
    assert 'value="2027-01-06"' in form and 'value="11:00"' in form
    assert f'<option value="{room.pk}" selected>' in form


def test_slot_times_are_in_the_therapists_zone_when_the_viewer_is_elsewhere(client, staff_user, alice, monday):
    alice.time_zone = "America/New_York"
    alice.save(update_fields=["time_zone"])
    client.force_login(staff_user)  # staff see the practice's zone (London): 15:00 there is 10:00 in New York
    body = client.get(SCHEDULE, {"view": "day", "date": "2027-01-06", "therapist": alice.pk}).content.decode()
    href = slot_href(body, "2027-01-06", "10:00")
    assert href is not None and f"therapist={alice.pk}" in href
    assert ">+ 15:00<" in body.split(href.replace("&", "&amp;"))[1][:200]


def test_working_hours_time_off_and_the_now_line_are_on_the_grid(client, alice, monday):
    TimeOff.objects.create(therapist=alice, start=at(7, 13), end=at(7, 15), label="Training")
    client.force_login(alice.user)
    body = client.get(SCHEDULE).content.decode()
    assert body.count('class="cal-hours ') == 5  # Monday to Friday
    assert "Time off: Training" in body
    assert body.count('class="cal-now ') == 1  # Monday 08:00, the first row of the day
    assert 'class="cal-now cal-r-1"' in body
    assert "cal-slot-away" in body and "cal-slot-off" in body  # 13:00 Thursday; 08:00 before work


def test_sessions_say_their_status_confirmation_and_note_due(client, alice, staff_user, solo, pair, monday):
    held = book(alice, solo, at(4, 6))  # this morning, before 08:00: over and not marked
    missed = book(alice, pair, at(4, 4))
    Appointment.objects.filter(pk=missed.pk).update(status=Appointment.Status.NO_SHOW)  # not held: no note due
    later = book(alice, pair, at(6, 10))
    Attendance.objects.filter(appointment=later).update(confirmed_at=at(4, 7))
    client.force_login(alice.user)
    body = client.get(SCHEDULE).content.decode()
    assert body.count(">Note due</a>") == 1
    assert f"{reverse('clients:note_create', args=[solo.pk])}?appointment={held.pk}" in body
    assert '<span class="badge text-bg-success">Confirmed</span>' in body
    assert 'draggable="true"' in body and body.count('class="cal-move"') == 1  # only the one still to come
    client.force_login(staff_user)
    assert "Note due" not in client.get(SCHEDULE, {"therapist": alice.pk}).content.decode()


def test_overlapping_sessions_share_the_column(client, alice, solo, pair, monday):
    cancelled = book(alice, solo, at(6, 10))
    services.appointment_cancel(appointment=cancelled, by=alice.user, via="calendar", late=False)
    book(alice, pair, at(6, 10, 30))
    client.force_login(alice.user)
    body = client.get(SCHEDULE).content.decode()
    assert "cal-l0-2" in body and "cal-l1-2" in body


def test_staffs_day_of_everyone_puts_the_therapists_side_by_side(client, staff_user, alice, charlie, solo, monday):
    theirs = ClientFactory(primary_therapist=charlie)
    book(alice, solo, at(6, 10))
    book(charlie, theirs, at(6, 10))
    client.force_login(staff_user)
    body = client.get(SCHEDULE, {"view": "day", "date": "2027-01-06"}).content.decode()
    assert body.count('<section class="cal-col') == 2
    assert f'data-therapist="{alice.pk}"' in body and f'data-therapist="{charlie.pk}"' in body
    hrefs = re.findall(r'<a class="cal-slot[^"]*" href="([^"]+)" data-date="2027-01-06" data-time="11:00"', body)
    assert {re.search(r"therapist=(\d+)", h).group(1) for h in hrefs} == {str(alice.pk), str(charlie.pk)}
    week = client.get(SCHEDULE, {"date": "2027-01-06", "view": "week"}).content.decode()  # everyone: no slots
    assert 'class="cal-slot' not in week and solo.reference in week and theirs.reference in week


def test_staff_open_on_today_with_the_therapists_side_by_side(client, staff_user, alice, charlie, solo, monday):
    """The front desk works the day; a therapist opens on their week."""
    theirs = ClientFactory(primary_therapist=charlie)
    book(alice, solo, monday.replace(hour=10))
    book(charlie, theirs, at(6, 10))  # Wednesday: not today
    client.force_login(staff_user)
    body = client.get(SCHEDULE).content.decode()
    assert body.count('<section class="cal-col') == 2 and solo.reference in body and theirs.reference not in body
    client.force_login(alice.user)
    assert client.get(SCHEDULE).content.decode().count('<section class="cal-col') == 7


def test_the_month_counts_each_days_sessions_but_not_the_cancelled(client, alice, solo, pair, monday):
    book(alice, solo, at(6, 10))
    book(alice, pair, at(6, 12))
    gone = book(alice, solo, at(20, 10))
    services.appointment_cancel(appointment=gone, by=alice.user, via="calendar", late=False)
    TimeOff.objects.create(therapist=alice, start=at(25, 0), end=at(27, 0))
    client.force_login(alice.user)
    r = client.get(SCHEDULE, {"view": "month", "date": "2027-01-15"})
    body = re.sub(r"<[^>]+>", "", r.content.decode())  # the text a screen reader reads
    assert r.status_code == 200 and "January 2027" in body
    assert "6 January, 2 sessions" in body and "20 January, no sessions" in body
    assert "25 January, no sessions, time off" in body and "27 January, no sessions\n" in body
    html = r.content.decode()
    assert html.count("<tr>") == 1 + 5  # the header and five weeks (28 Dec to 31 Jan)
    assert "view=month&amp;date=2026-12-01" in html and "view=month&amp;date=2027-02-01" in html


def test_a_move_dragged_on_the_calendar_returns_to_it(client, alice, solo, monday):
    appointment = book(alice, solo, at(6, 10))
    client.force_login(alice.user)
    move = reverse("sessions_app:appointment_move", args=[appointment.pk])
    back = f"{SCHEDULE}?view=week&date=2027-01-06"
    r = client.post(move, {"date": "2027-01-07", "start_time": "11:00", "next": back})
    assert r.status_code == 302 and r.url == back
    appointment.refresh_from_db()
    assert appointment.start == at(7, 11)


@pytest.mark.parametrize("elsewhere", ["https://evil.example/schedule/", "//evil.example/", "/clients/"])
def test_a_move_never_goes_back_to_another_site_or_page(client, alice, solo, monday, elsewhere):
    appointment = book(alice, solo, at(6, 10))
    client.force_login(alice.user)
    r = client.post(
        reverse("sessions_app:appointment_move", args=[appointment.pk]),
        {"date": "2027-01-07", "start_time": "11:00", "next": elsewhere},
    )
    assert r.status_code == 302 and r.url == reverse("sessions_app:appointment", args=[appointment.pk])


def test_a_dragged_move_with_warnings_keeps_the_way_back(client, alice, solo, monday):
    appointment = book(alice, solo, at(6, 10))
    client.force_login(alice.user)
    back = f"{SCHEDULE}?view=week&date=2027-01-06"
    move = reverse("sessions_app:appointment_move", args=[appointment.pk])
    r = client.post(move, {"date": "2027-01-07", "start_time": "18:00", "next": back})
    body = r.content.decode()
    assert r.status_code == 200 and "outside" in body and f'name="next" value="{back.replace("&", "&amp;")}"' in body
    appointment.refresh_from_db()
    assert appointment.start == at(6, 10)


def _grid_queries(client, url, params) -> int:
    client.get(url, params)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    return len(queries.captured_queries)


@pytest.mark.parametrize(
    ("who", "params"),
    [
        ("alice", {"view": "month", "date": "2027-01-06"}),
        ("staff", {"view": "month", "date": "2027-01-06"}),
        ("staff", {"view": "day", "date": "2027-01-06"}),
        ("alice", {"view": "day", "date": "2027-01-06"}),
    ],
)
def test_month_and_day_query_counts_do_not_grow(client, alice, charlie, staff_user, room, monday, who, params):
    client.force_login(alice.user if who == "alice" else staff_user)
    book(alice, couple(alice), at(6, 9), modality=Modality.IN_PERSON)
    small = _grid_queries(client, SCHEDULE, params)
    for day in (6, 7, 20):
        for hour in (10, 11, 12):
            book(alice, couple(alice), at(day, hour), modality=Modality.IN_PERSON)
            book(charlie, couple(charlie), at(day, hour))
    TimeOff.objects.create(therapist=alice, start=at(6, 14), end=at(6, 16))
    TherapistFactory()
    assert _grid_queries(client, SCHEDULE, params) == small


def test_feed_box_offers_an_address_then_shows_it(client, alice):
    client.force_login(alice.user)
    assert "Create a subscription address" in client.get(SCHEDULE).content.decode()
    r = client.post(reverse("sessions_app:feed_reset"))
    assert r.status_code == 302 and r.url == SCHEDULE
    token = CalendarFeed.objects.get(therapist=alice).token
    assert f"http://testserver/calendar/{token}.ics" in client.get(SCHEDULE).content.decode()


def test_feed_reset_changes_the_token_and_is_for_therapists_only(client, alice, staff_user):
    old = services.calendar_feed_reset(therapist=alice, by=alice.user).token
    client.force_login(alice.user)
    r = client.get(reverse("sessions_app:feed_reset"))  # the confirm page: the address is unchanged
    assert r.status_code == 200 and "stop receiving your sessions" in r.content.decode()
    assert CalendarFeed.objects.get(therapist=alice).token == old
    client.post(reverse("sessions_app:feed_reset"))
    assert CalendarFeed.objects.get(therapist=alice).token != old
    client.force_login(staff_user)
    assert client.post(reverse("sessions_app:feed_reset")).status_code == 404


# --- booking from the calendar --------------------------------------------------------------------


def test_new_form_lists_my_clients_with_first_names_and_states_the_zone(client, alice, charlie, solo, monday):
    theirs = ClientFactory(primary_therapist=charlie)
    client.force_login(alice.user)
    r = client.get(NEW, {"date": "2027-01-06"})
    body = r.content.decode()
    assert r.status_code == 200 and "Europe/London" in body and 'value="2027-01-06"' in body
    assert f"{solo.reference} · {solo.members.get().display_name}" in body and theirs.reference not in body
    assert 'name="therapist"' not in body  # a therapist books for themselves


def test_book_one_session(client, alice, pair, monday):
    client.force_login(alice.user)
    r = client.post(NEW, new_data(pair))
    appointment = Appointment.objects.get()
    assert r.status_code == 302 and r.url == f"{SCHEDULE}?view=day&date=2027-01-06"
    assert (appointment.start, appointment.end, appointment.therapist) == (at(6, 10), at(6, 11), alice)
    assert (appointment.booked_by, appointment.booked_via) == (alice.user, Appointment.Via.CALENDAR)
    assert set(Attendance.objects.values_list("member_id", flat=True)) == set(pair.members.values_list("pk", flat=True))
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, target_type="sessions_app.appointment").count() == 1


def test_one_partner_of_a_couple_alone_is_an_individual_session(client, alice, pair, monday):
    first, _second = pair.members.order_by("position")
    client.force_login(alice.user)
    client.post(NEW, new_data(pair, members=[first.pk], members_for=pair.pk))
    assert list(Appointment.objects.get().members.all()) == [first]


def test_untick_everyone_is_refused(client, alice, pair, monday):
    client.force_login(alice.user)
    r = client.post(NEW, new_data(pair, members_for=pair.pk))
    assert r.status_code == 400 and "Choose who attends" in r.content.decode()
    assert not Appointment.objects.exists()


def test_ticks_for_another_unit_mean_everyone_in_the_chosen_one(client, alice, pair, solo, monday):
    client.force_login(alice.user)
    r = client.post(NEW, new_data(solo, members=[pair.members.first().pk], members_for=pair.pk))
    assert r.status_code == 302
    assert list(Appointment.objects.get().members.all()) == [solo.members.get()]


def test_update_the_form_shows_who_attends_and_books_nothing(client, alice, pair, monday):
    client.force_login(alice.user)
    r = client.post(NEW, new_data(pair, refresh="1", time="15:30"))
    body = r.content.decode()
    assert r.status_code == 200 and not Appointment.objects.exists()
    for member in pair.members.all():
        assert f'value="{member.pk}"' in body and member.display_name in body
    assert 'value="15:30"' in body and "This field is required" not in body


def test_book_a_weekly_series_keeps_the_local_hour_across_the_clock_change(client, alice, solo, monday):
    client.force_login(alice.user)
    r = client.post(NEW, new_data(solo, day="2027-03-22", repeat="weekly", count=4))  # BST begins 28 March
    appointments = list(Appointment.objects.order_by("start"))
    assert r.status_code == 302 and len(appointments) == 4
    assert [a.start for a in appointments] == [
        at(22, 10, month=3),
        at(29, 9, month=3),
        at(5, 9, month=4),
        at(12, 9, month=4),
    ]
    assert len({a.series_id for a in appointments}) == 1 and appointments[0].series_id is not None


def test_a_series_until_a_date(client, alice, solo, monday):
    client.force_login(alice.user)
    client.post(NEW, new_data(solo, repeat="fortnightly", until="2027-02-03"))
    assert [a.start for a in Appointment.objects.order_by("start")] == [at(6, 10), at(20, 10), at(3, 10, month=2)]


def test_a_series_needs_a_count_or_an_end(client, alice, solo, monday):
    client.force_login(alice.user)
    r = client.post(NEW, new_data(solo, repeat="weekly"))
    assert r.status_code == 400 and "Give a number of sessions or an end date" in r.content.decode()


def test_a_clash_is_refused_naming_the_other_session_and_keeps_the_input(client, alice, solo, monday):
    book(alice, solo, at(6, 10))
    other = ClientFactory(primary_therapist=alice)
    client.force_login(alice.user)
    r = client.post(NEW, new_data(other, time="10:30", minutes="50"))
    body = r.content.decode()
    assert r.status_code == 400
    assert f"clashes with Session {solo.reference} on Wed 6 Jan 2027, 10:00–11:00 (Europe/London)" in body
    assert 'value="10:30"' in body and 'value="50"' in body and f'value="{other.pk}" selected' in body
    assert Appointment.objects.count() == 1


def test_a_series_with_one_clash_books_nothing(client, alice, solo, monday):
    book(alice, ClientFactory(primary_therapist=alice), at(20, 10))
    client.force_login(alice.user)
    r = client.post(NEW, new_data(solo, repeat="weekly", count=4))
    assert r.status_code == 400 and "No sessions were created" in r.content.decode()
    assert Appointment.objects.count() == 1


def test_a_time_that_does_not_exist_is_a_field_error(client, alice, solo, monday):
    client.force_login(alice.user)
    r = client.post(NEW, new_data(solo, day="2027-03-28", time="01:30"))
    assert r.status_code == 400
    assert "That time does not exist in Europe/London (clocks change)" in r.content.decode()
    assert not Appointment.objects.exists()


def test_a_modality_the_therapist_does_not_offer_is_refused(client, alice, solo, monday):
    client.force_login(alice.user)
    r = client.post(NEW, new_data(solo, modality="phone"))
    assert r.status_code == 400 and not Appointment.objects.exists()


def test_in_person_without_a_room_picks_one(client, alice, solo, room, monday):
    client.force_login(alice.user)
    client.post(NEW, new_data(solo, modality="in_person"))
    assert Appointment.objects.get().room == room


def test_staff_book_for_a_therapist_in_that_therapists_zone(client, staff_user, alice, solo, monday):
    alice.time_zone = "America/New_York"
    alice.save(update_fields=["time_zone"])
    client.force_login(staff_user)
    assert f"{alice.display_name} (America/New_York)" in client.get(NEW).content.decode()
    r = client.post(NEW, new_data(solo, therapist=alice.pk))
    appointment = Appointment.objects.get()
    assert r.status_code == 302 and f"therapist={alice.pk}" in r.url
    assert (appointment.therapist, appointment.start, appointment.booked_by) == (alice, at(6, 15), staff_user)


def test_staff_must_choose_a_therapist_who_treats_the_client(client, staff_user, charlie, solo, monday):
    client.force_login(staff_user)
    assert client.post(NEW, new_data(solo)).status_code == 400
    r = client.post(NEW, new_data(solo, therapist=charlie.pk))
    assert r.status_code == 400 and f"{solo.reference} is not a client of {charlie.display_name}" in r.content.decode()
    assert not Appointment.objects.exists()


def test_a_therapist_cannot_book_another_therapists_client(client, charlie, solo, monday):
    client.force_login(charlie.user)
    r = client.post(NEW, new_data(solo))
    assert r.status_code == 400 and not Appointment.objects.exists()


def test_new_refuses_clients_anonymous_and_put(client, client_user, alice):
    assert client.get(NEW).url.startswith("/accounts/login/")
    client.force_login(client_user)
    assert client.get(NEW).status_code == 404
    client.force_login(alice.user)
    assert client.put(NEW).status_code == 405


# --- one appointment ------------------------------------------------------------------------------


@pytest.fixture
def session(alice, pair, monday):
    return book(alice, pair, at(6, 10))


def url(name, appointment):
    return reverse(f"sessions_app:{name}", args=[appointment.pk])


def test_detail_shows_the_session_and_links_for_the_therapist(client, alice, pair, session):
    client.force_login(alice.user)
    r = client.get(url("appointment", session))
    body = r.content.decode()
    assert r.status_code == 200 and pair.reference in body and "Wednesday 6 January 2027, 10:00" in body
    assert all(m.display_name in body for m in pair.members.all())
    assert reverse("clients:detail", args=[pair.pk]) in body
    assert f"{reverse('clients:note_create', args=[pair.pk])}?appointment={session.pk}" in body
    assert alice.display_name in body and "practice calendar" in body
    assert "Mark attended" not in body  # not started yet
    assert "The therapist's time" not in body  # the viewer is the therapist: one zone only
    assert AuditEvent.objects.filter(action=AuditAction.VIEW, target_id=str(session.pk)).count() == 1


def test_staff_see_the_detail_without_clinical_links(client, staff_user, pair, session):
    client.force_login(staff_user)
    body = client.get(url("appointment", session)).content.decode()
    assert pair.reference in body and reverse("clients:contact", args=[pair.pk]) in body
    assert f'href="{reverse("clients:detail", args=[pair.pk])}"' not in body and "Write a note" not in body


@pytest.mark.parametrize("name", ["appointment", "appointment_move", "appointment_cancel", "appointment_mark"])
@pytest.mark.parametrize("who", ["charlie", "client_user"])
def test_outsiders_get_404_and_change_nothing(client, request, session, name, who):
    person = request.getfixturevalue(who)
    client.force_login(getattr(person, "user", person))
    method = client.get if name == "appointment" else client.post
    data = {"date": "2027-01-08", "start_time": "12:00", "status": "attended", "late": "on"}
    assert method(url(name, session), data).status_code == 404
    session.refresh_from_db()
    assert (session.start, session.status) == (at(6, 10), "booked")


@pytest.mark.parametrize("name", ["appointment", "appointment_move", "appointment_cancel", "appointment_mark"])
def test_anonymous_is_sent_to_sign_in(client, session, name):
    method = client.get if name == "appointment" else client.post
    r = method(url(name, session))
    assert r.status_code == 302 and r.url.startswith("/accounts/login/")


@pytest.mark.parametrize("name", ["appointment_move", "appointment_mark"])  # cancel: GET is its confirm page
def test_actions_refuse_get(client, alice, session, name):
    client.force_login(alice.user)
    assert client.get(url(name, session)).status_code == 405
    assert client.post(url("appointment", session)).status_code == 405


def test_staff_in_another_zone_also_see_the_therapists_local_time(client, staff_user, alice, solo, monday):
    alice.time_zone = "America/New_York"
    alice.save(update_fields=["time_zone"])
    appointment = book(alice, solo, at(6, 15))
    client.force_login(staff_user)
    body = client.get(url("appointment", appointment)).content.decode()
    assert "15:00–16:00 (Europe/London)" in re.sub(r"<time[^>]*>|</time>", "", body)  # the practice's zone
    assert "The therapist's time: Session" in body and "10:00–11:00 (America/New_York)" in body


def test_a_co_therapist_reaches_the_session(client, pair, session):
    bob = TherapistFactory()
    give_totp(bob.user)
    pair.co_therapists.add(bob)
    client.force_login(bob.user)
    assert client.get(url("appointment", session)).status_code == 200


def test_move(client, alice, session):
    client.force_login(alice.user)
    r = client.post(url("appointment_move", session), {"date": "2027-01-08", "start_time": "14:00"})
    session.refresh_from_db()
    assert r.status_code == 302 and r.url == url("appointment", session)
    assert (session.start, session.end) == (at(8, 14), at(8, 15))
    assert set(Attendance.objects.values_list("start", flat=True)) == {at(8, 14)}


def test_a_move_onto_a_clash_is_refused(client, alice, session):
    other = book(alice, ClientFactory(primary_therapist=alice), at(8, 14))
    client.force_login(alice.user)
    r = client.post(url("appointment_move", session), {"date": "2027-01-08", "start_time": "14:30"})
    body = r.content.decode()
    assert r.status_code == 400 and f"clashes with Session {other.client.reference}" in body
    assert 'value="14:30"' in body
    session.refresh_from_db()
    assert session.start == at(6, 10)


def test_a_move_to_a_missing_local_time_is_a_field_error(client, alice, session):
    client.force_login(alice.user)
    r = client.post(url("appointment_move", session), {"date": "2027-03-28", "start_time": "01:00"})
    assert r.status_code == 400 and "does not exist in Europe/London" in r.content.decode()


def test_cancel(client, alice, session):
    client.force_login(alice.user)
    r = client.post(url("appointment_cancel", session))
    session.refresh_from_db()
    assert r.status_code == 302 and session.status == Appointment.Status.CANCELLED
    assert session.cancelled_by == alice.user
    assert not Attendance.objects.filter(live=True).exists()


def test_cancel_recorded_as_late(client, staff_user, session):
    client.force_login(staff_user)
    client.post(url("appointment_cancel", session), {"late": "on"})
    session.refresh_from_db()
    assert session.status == Appointment.Status.LATE_CANCELLED


def test_cancelling_twice_says_so(client, alice, session):
    client.force_login(alice.user)
    client.post(url("appointment_cancel", session))
    r = client.post(url("appointment_cancel", session), follow=True)
    assert "not booked any more" in r.content.decode()


def test_mark_attended_is_refused_before_the_start(client, alice, session):
    client.force_login(alice.user)
    r = client.post(url("appointment_mark", session), {"status": "attended"}, follow=True)
    assert "only once it has started" in r.content.decode()
    session.refresh_from_db()
    assert session.status == Appointment.Status.BOOKED


def test_mark_attended_and_no_show_after_the_start(client, alice, session):
    with time_machine.travel(at(6, 10, 5), tick=False):
        client.force_login(alice.user)  # signed in at the time of the session: sessions expire when idle
        assert "Mark attended" in client.get(url("appointment", session)).content.decode()
        client.post(url("appointment_mark", session), {"status": "attended"})
        session.refresh_from_db()
        assert session.status == Appointment.Status.ATTENDED
        client.post(url("appointment_mark", session), {"status": "no_show"})
        session.refresh_from_db()
        assert session.status == Appointment.Status.NO_SHOW


def test_mark_with_a_bad_status_changes_nothing(client, alice, session):
    with time_machine.travel(at(6, 10, 5), tick=False):
        client.force_login(alice.user)
        r = client.post(url("appointment_mark", session), {"status": "cancelled"}, follow=True)
    assert "Choose attended or no-show" in r.content.decode()
    session.refresh_from_db()
    assert session.status == Appointment.Status.BOOKED


# --- admin ----------------------------------------------------------------------------------------


def test_admin_lists_sessions_by_reference_without_names_and_read_only(client, admin_user, alice, pair, session):
    client.force_login(admin_user)
    listing = client.get(reverse("admin:sessions_app_appointment_changelist"), {"q": pair.reference})
    body = listing.content.decode()
    assert listing.status_code == 200 and pair.reference in body
    assert all(m.first_name not in body and m.last_name not in body for m in pair.members.all())
    page = client.get(reverse("admin:sessions_app_appointment_change", args=[session.pk])).content.decode()
    assert pair.reference in page and all(m.first_name not in page for m in pair.members.all())
    assert 'name="start"' not in page  # changes go through the calendar's services
    assert client.get(reverse("admin:sessions_app_room_add")).status_code == 200
