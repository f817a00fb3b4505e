"""The calendar in a real Chromium: a therapist books by clicking a free hour of the week grid and
moves a session by dragging it; the same two by keyboard only; staff see two therapists side by side,
and page through a large practice ten at a time.

Dates are next week's (the grid shows what is coming: nothing here depends on the hour the suite runs).
"""

import re
from datetime import date, datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from sessions_app import services
from sessions_app.models import Appointment, Room, TimeOff, WorkingHours
from tests.e2e.conftest import DESKTOP, sign_in
from tests.factories import PASSWORD, ClientFactory, TherapistFactory, couple, sign_for_video

SCHEDULE = reverse("sessions_app:schedule")


def next_monday(therapist):
    today = timezone.now().astimezone(therapist.zone).date()
    return today - timedelta(days=today.weekday()) + timedelta(days=7)


def at(therapist, day, hour) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=therapist.zone)


def works_weekdays(*therapists):
    for therapist in therapists:
        for weekday in range(5):
            WorkingHours.objects.create(therapist=therapist, weekday=weekday, start=time(9), end=time(17))


def week_url(day, **extra) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"view": "week", "date": day.isoformat(), **extra}.items())
    return f"{SCHEDULE}?{query}"


def slot(page, day, hour: int, therapist=None):
    grid = f'.cal-grid[data-therapist="{therapist.pk}"] ' if therapist else ""
    return page.locator(f'{grid}a.cal-slot[data-date="{day.isoformat()}"][data-time="{hour:02d}:00"]')


def tab_to(page, selector: str, presses: int = 400) -> None:
    """Press Tab until the focused element matches `selector`: it is reachable by keyboard alone."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def this_monday(therapist):
    return next_monday(therapist) - timedelta(days=7)


def seed_week(therapist, monday: date | None = None) -> date:
    """A week of the therapist's that shows everything the grid can say, whatever day it is today:
    sessions held, missed, to come, cancelled, confirmed and overlapping; time off. This week unless
    another Monday is given (next week's: every booked session still to come). Returns its Monday."""
    works_weekdays(therapist)
    monday = monday or this_monday(therapist)
    room = Room.objects.get_or_create(name="Room 1")[0]
    kinds = [
        (0, 9, "attended", "video"),
        (0, 13, "booked", "in_person"),
        (1, 10, "no_show", "phone"),
        (1, 15, "booked", "video"),
        (2, 11, "booked", "in_person"),
        (2, 11, "late_cancelled", "video"),  # cancelled late, its hour rebooked: the two side by side
        (3, 14, "cancelled", "video"),
        (3, 9, "booked", "video"),
        (4, 10, "booked", "in_person"),
    ]
    for n, (offset, hour, status, modality) in enumerate(kinds):
        unit = couple(therapist) if n % 3 == 0 else ClientFactory(primary_therapist=therapist)
        sign_for_video(unit)
        start = at(therapist, monday + timedelta(days=offset), hour) + timedelta(minutes=30 if n == 5 else 0)
        # Written straight to the table, as a week already lived would be: the services do not book the past.
        appointment = Appointment.objects.create(
            therapist=therapist,
            client=unit,
            start=start,
            end=start + timedelta(hours=1),
            status=status,
            modality=modality,
            room=room if modality == "in_person" and n != 5 else None,
            booked_by=therapist.user,
        )
        for member in unit.members.all():
            appointment.attendances.create(member=member, start=appointment.start, end=appointment.end, live=True)
    first = Appointment.objects.filter(therapist=therapist, status="booked").order_by("start").first()
    first.attendances.update(confirmed_at=timezone.now())
    away = at(therapist, monday + timedelta(days=4), 13)
    TimeOff.objects.create(therapist=therapist, start=away, end=away + timedelta(hours=4), label="Training")
    return monday


@pytest.fixture
def week(alice):
    works_weekdays(alice)
    Room.objects.create(name="Room 1", location="12 Quay Street")
    unit = ClientFactory(primary_therapist=alice)
    return {"monday": next_monday(alice), "unit": unit}


@pytest.mark.django_db(transaction=True)
def test_a_therapist_books_by_clicking_a_free_hour_and_moves_by_dragging(page, shoot, alice, week):
    monday, unit = week["monday"], week["unit"]
    wednesday, thursday = monday + timedelta(days=2), monday + timedelta(days=3)
    sign_in(page, alice.user.email, PASSWORD, alice.totp_secret)
    page.goto(week_url(monday))
    slot(page, wednesday, 10).click()

    # The booking form comes prefilled with the hour and a free room.
    assert page.locator("#id_date").input_value() == wednesday.isoformat()
    assert page.locator("#id_start_time").input_value() == "10:00"
    assert page.locator("#id_room").locator("option:checked").inner_text() == "Room 1"
    page.locator("#id_client").select_option(value=str(unit.pk))
    page.get_by_role("button", name="Book", exact=True).click()
    page.get_by_text("Booked:").wait_for()
    booked = Appointment.objects.get(client=unit)
    assert booked.start == at(alice, wednesday, 10) and booked.room.name == "Room 1"

    page.goto(week_url(monday))
    session = page.locator(f'.cal-appt[data-move-url="{reverse("sessions_app:appointment_move", args=[booked.pk])}"]')
    session.drag_to(slot(page, thursday, 14))
    page.get_by_text("Moved:").wait_for()
    assert f"date={monday.isoformat()}" in page.url  # back on the week it was dragged in
    booked.refresh_from_db()
    assert booked.start == at(alice, thursday, 14) and booked.status == Appointment.Status.BOOKED
    assert page.locator(".cal-appt", has_text=unit.reference).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_drag_outside_working_hours_asks_before_it_moves(page, alice, week):
    monday, unit = week["monday"], week["unit"]
    sign_for_video(unit)
    booked = services.appointment_book(
        therapist=alice,
        client=unit,
        members=list(unit.members.all()),
        start=at(alice, monday, 10),
        by=alice.user,
        modality="video",
    )
    sign_in(page, alice.user.email, PASSWORD, alice.totp_secret)
    page.goto(week_url(monday))
    page.locator(".cal-appt", has_text=unit.reference).drag_to(
        slot(page, monday + timedelta(days=1), 8)
    )  # before her working day
    page.locator("#move-warnings").wait_for()
    assert "outside" in page.locator("#move-warnings").inner_text()
    booked.refresh_from_db()
    assert booked.start == at(alice, monday, 10)  # nothing moved until "Move anyway"
    page.get_by_label("Move anyway").check()
    page.get_by_role("button", name="Move anyway").click()
    page.get_by_text("Moved:").wait_for()
    booked.refresh_from_db()
    assert booked.start == at(alice, monday + timedelta(days=1), 8) and "view=week" in page.url


@pytest.mark.django_db(transaction=True)
def test_the_same_booking_and_move_by_keyboard_only(browser, live_server, alice, week):
    monday, unit = week["monday"], week["unit"]
    tuesday = monday + timedelta(days=1)
    context = browser.new_context(viewport=DESKTOP, base_url=live_server.url, locale="en-GB")
    page = context.new_page()
    sign_in(page, alice.user.email, PASSWORD, alice.totp_secret)
    page.goto(week_url(monday))

    tab_to(page, f'a.cal-slot[data-date="{tuesday.isoformat()}"][data-time="11:00"]')
    assert "Book" in page.evaluate("document.activeElement.textContent")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="New appointment").wait_for()
    tab_to(page, "#id_client")
    page.keyboard.type(unit.reference)  # a select chooses the option its typed text begins
    tab_to(page, "form button[type=submit]:not([name=refresh])")
    page.keyboard.press("Enter")
    page.get_by_text("Booked:").wait_for()
    booked = Appointment.objects.get(client=unit)
    assert booked.start == at(alice, tuesday, 11)

    page.goto(week_url(monday))
    tab_to(page, ".cal-move")  # the session's "Move" link: its page's move form
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Move").wait_for()
    tab_to(page, "#id_start_time")
    page.keyboard.type("1500")
    tab_to(page, "#move button[type=submit]")
    page.keyboard.press("Enter")
    page.get_by_text("Moved:").wait_for()
    booked.refresh_from_db()
    assert booked.start == at(alice, tuesday, 15)
    context.close()


@pytest.mark.django_db(transaction=True)
def test_staff_see_two_therapists_side_by_side_and_book_for_either(page, shoot, staff_user, alice, charlie):
    works_weekdays(alice, charlie)
    monday = next_monday(alice)
    hers, his = ClientFactory(primary_therapist=alice), couple(charlie)
    for therapist, unit in ((alice, hers), (charlie, his)):
        sign_for_video(unit)
        services.appointment_book(
            therapist=therapist,
            client=unit,
            members=list(unit.members.all()),
            start=at(therapist, monday, 10),
            by=therapist.user,
            modality="video",
        )
    TimeOff.objects.create(therapist=charlie, start=at(charlie, monday, 14), end=at(charlie, monday, 17), label="")
    sign_in(page, staff_user.email, PASSWORD, staff_user.totp_secret)
    page.goto(f"{SCHEDULE}?view=day&date={monday.isoformat()}")

    columns = page.locator(".cal-col")
    assert columns.count() == 2
    first, second = columns.nth(0), columns.nth(1)
    names = sorted([alice.display_name, charlie.display_name])
    assert first.locator("h2").inner_text().startswith(names[0])
    assert second.locator("h2").inner_text().startswith(names[1])
    own = {alice.display_name: hers, charlie.display_name: his}
    assert first.locator(".cal-ref").inner_text() == own[names[0]].reference
    assert second.locator(".cal-ref").inner_text() == own[names[1]].reference
    assert page.locator(f'.cal-grid[data-therapist="{charlie.pk}"] .cal-away').is_visible()
    # side by side, on one shared hour axis
    assert abs(first.locator(".cal-appt").bounding_box()["y"] - second.locator(".cal-appt").bounding_box()["y"]) < 2
    shoot(page, "calendar-staff-day")

    slot(page, monday, 11, therapist=charlie).click()
    assert page.get_by_label("Therapist").locator("option:checked").inner_text().startswith(charlie.display_name)
    assert page.locator("#id_start_time").input_value() == "11:00"


@pytest.mark.django_db(transaction=True)
def test_the_week_and_the_month_at_a_glance(page, shoot, alice):
    monday = seed_week(alice)
    sign_in(page, alice.user.email, PASSWORD, alice.totp_secret)
    page.goto(week_url(monday))
    grid = page.locator(".cal")
    assert grid.locator(".cal-col").count() == 7
    assert grid.locator(".cal-appt").count() == 9 and grid.locator(".cal-away").is_visible()
    side = grid.locator(".cal-appt.cal-l1-2")  # the overlapping pair shares Wednesday's column
    assert side.count() == 1 and grid.locator(".cal-appt.cal-l0-2").count() == 1
    assert grid.get_by_text("Confirmed", exact=True).count() == 1 and grid.get_by_text("No-show").count() == 1
    shoot(page, "calendar-week")

    page.goto(f"{SCHEDULE}?view=month&date={(monday + timedelta(days=4)).isoformat()}")  # Friday's month
    counts = page.locator("table.cal-month .cal-count")
    assert counts.count() == 5 and "1 session" in counts.last.inner_text()  # the week's five working days
    shoot(page, "calendar-month")


def test_staff_page_through_a_large_practice_ten_therapists_at_a_time(page, staff_user):
    team = [TherapistFactory(display_name=f"Dr {n:02} Team") for n in range(1, 13)]
    works_weekdays(*team)
    monday = next_monday(team[0])
    sign_in(page, staff_user.email, PASSWORD, staff_user.totp_secret)
    page.goto(f"{SCHEDULE}?view=day&date={monday.isoformat()}")

    # A click returns once the next page starts loading; `expect` waits for it to be drawn (a
    # ten-column day is the largest page, and a busy machine parses it after the click returns).
    expect(page.locator(".cal-col")).to_have_count(10)
    expect(page.get_by_text("Therapists 1–10 of 12, by name")).to_be_visible()
    expect(page.locator(".cal-col h2").first).to_have_text(re.compile(r"^\s*Dr 01 Team"))
    page.get_by_role("link", name="Next therapists").click()
    expect(page.get_by_text("Therapists 11–12 of 12, by name")).to_be_visible()
    expect(page.locator(".cal-col")).to_have_count(2)
    expect(page.locator(".cal-col h2").nth(1)).to_have_text(re.compile(r"^\s*Dr 12 Team"))
    # The next day keeps the same two therapists in view.
    page.get_by_role("link", name="Next day").click()
    expect(page).to_have_url(re.compile(re.escape((monday + timedelta(days=1)).isoformat())))
    expect(page.get_by_text("Therapists 11–12 of 12, by name")).to_be_visible()
    expect(page.locator(".cal-col")).to_have_count(2)
    page.get_by_role("link", name="Previous therapists").click()
    expect(page.get_by_text("Therapists 1–10 of 12, by name")).to_be_visible()
    expect(page.locator(".cal-col")).to_have_count(10)


def test_staff_keep_the_same_ten_therapists_through_the_week_and_the_month(page, staff_user):
    from tests.factories import video_sessions

    team = [TherapistFactory(display_name=f"Dr {n:02} Team") for n in range(1, 13)]
    monday = next_monday(team[0])
    first_unit = ClientFactory(primary_therapist=team[0])
    last_unit = ClientFactory(primary_therapist=team[11])
    video_sessions(team[0], first_unit, [at(team[0], monday, 10)])
    video_sessions(team[11], last_unit, [at(team[11], monday, 11)])
    sign_in(page, staff_user.email, PASSWORD, staff_user.totp_secret)
    page.goto(week_url(monday))

    expect(page.get_by_text("Therapists 1–10 of 12, by name")).to_be_visible()
    expect(page.get_by_text(first_unit.reference)).not_to_have_count(0)
    expect(page.get_by_text(last_unit.reference)).to_have_count(0)
    page.get_by_role("link", name="Next therapists").click()
    expect(page.get_by_text("Therapists 11–12 of 12, by name")).to_be_visible()
    expect(page.get_by_text(last_unit.reference)).not_to_have_count(0)
    expect(page.get_by_text(first_unit.reference)).to_have_count(0)
    # The month counts the same two therapists' sessions, and a day opens on them.
    page.get_by_role("link", name="Month", exact=True).click()
    expect(page).to_have_url(re.compile(r"view=month"))
    expect(page.get_by_text("Therapists 11–12 of 12, by name")).to_be_visible()
    page.locator(".cal-month-day", has_text="session").first.click()
    expect(page).to_have_url(re.compile(r"view=day"))
    expect(page.locator(".cal-col")).to_have_count(2)
    expect(page.locator(".cal-col h2").first).to_have_text(re.compile(r"^\s*Dr 11 Team"))
