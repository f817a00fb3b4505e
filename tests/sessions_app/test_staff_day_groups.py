"""Staff's calendar of everyone (the day, the week and the month) shows the therapists ten at a time,
by name, and pages through the rest.

Fifty columns side by side cannot be read, and the page grew with the practice (the staff calendar 2.1-2.8x
from S to L: a column, its hours, time off and sessions per therapist). The week of everyone grew the same
way (every session of the practice's week on one grid: 117 ms at S, 503 ms at L on SQLite), and the month
of everyone read every session of the month (1.7x)."""

import re
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sessions_app.calendar_selectors import SIDE_BY_SIDE_COLUMNS
from tests.factories import ClientFactory, TherapistFactory, video_sessions

SCHEDULE = reverse("sessions_app:schedule")
DAY = "2027-01-04"  # the conftest's Monday


def practice(count: int) -> list:
    """`count` therapists named so that their order by name is plain, each with a session at 10:00."""
    therapists = [TherapistFactory(display_name=f"Dr {n:02}") for n in range(1, count + 1)]
    for therapist in therapists:
        video_sessions(therapist, ClientFactory(primary_therapist=therapist), [datetime(2027, 1, 4, 10, tzinfo=UTC)])
    return therapists


def columns(body: str) -> list[str]:
    """The therapists whose columns the page shows, in order."""
    return re.findall(r"&amp;therapist=\d+\">(Dr \d\d)</a>", body)


def test_the_first_ten_by_name_then_the_next(client, staff_user, monday):
    everyone = practice(23)
    client.force_login(staff_user)
    body = client.get(SCHEDULE).content.decode()
    assert columns(body) == [f"Dr {n:02}" for n in range(1, SIDE_BY_SIDE_COLUMNS + 1)]
    assert "Therapists 1–10 of 23, by name" in body
    assert "Previous therapists" not in body
    # Only the shown therapists' sessions are on the page.
    assert everyone[0].appointments.get().client.reference in body
    assert everyone[10].appointments.get().client.reference not in body
    following = re.search(r'href="([^"]+)">Next therapists', body).group(1).replace("&amp;", "&")
    assert "group=2" in following and f"date={DAY}" in following
    body = client.get(following).content.decode()
    assert columns(body) == [f"Dr {n:02}" for n in range(11, 21)]
    assert everyone[10].appointments.get().client.reference in body
    assert everyone[0].appointments.get().client.reference not in body
    # The next day keeps the therapists shown.
    next_day = re.search(r'href="([^"]+)" rel="next"', body).group(1).replace("&amp;", "&")
    assert "group=2" in next_day and "date=2027-01-05" in next_day
    last = client.get(f"{SCHEDULE}?view=day&date={DAY}&group=3").content.decode()
    assert columns(last) == ["Dr 21", "Dr 22", "Dr 23"]
    assert "Therapists 21–23 of 23, by name" in last
    assert "Next therapists" not in last and "Previous therapists" in last


@pytest.mark.parametrize("group", ["0", "-1", "abc", "", "99", "1e9"])
def test_a_bad_group_shows_the_first_or_the_last_never_an_error(client, staff_user, monday, group):
    practice(12)
    client.force_login(staff_user)
    response = client.get(f"{SCHEDULE}?view=day&date={DAY}&group={group}")
    assert response.status_code == 200
    shown = columns(response.content.decode())
    assert shown == ([f"Dr {n:02}" for n in range(11, 13)] if group == "99" else [f"Dr {n:02}" for n in range(1, 11)])


def test_a_practice_of_ten_or_fewer_shows_everyone_without_paging(client, staff_user, monday):
    practice(SIDE_BY_SIDE_COLUMNS)
    client.force_login(staff_user)
    body = client.get(SCHEDULE).content.decode()
    assert len(columns(body)) == SIDE_BY_SIDE_COLUMNS
    assert "Therapists 1–" not in body and "Next therapists" not in body


def test_the_day_of_everyone_costs_the_same_for_a_practice_of_ten_and_of_thirty(client, staff_user, monday):
    practice(10)
    client.force_login(staff_user)
    with CaptureQueriesContext(connection) as ten:
        client.get(SCHEDULE)
    practice_10 = ten.captured_queries
    for therapist in practice(20):  # 30 in all, more sessions, more hours
        therapist.working_hours.create(weekday=0, start="09:00", end="17:00")
    with CaptureQueriesContext(connection) as thirty:
        body = client.get(SCHEDULE).content.decode()
    assert len(columns(body)) == SIDE_BY_SIDE_COLUMNS
    assert len(thirty.captured_queries) == len(practice_10)


def test_a_therapist_never_gets_the_groups(client, alice, monday):
    practice(12)
    client.force_login(alice.user)
    body = client.get(f"{SCHEDULE}?view=day&date={DAY}&group=2").content.decode()
    assert "Next therapists" not in body and "Therapists 1–" not in body
    assert columns(body) == []  # her own day, one column, not everyone's


def link(body: str, text: str) -> str:
    return re.search(rf'href="([^"]+)"[^>]*>{re.escape(text)}', body).group(1).replace("&amp;", "&")


def test_the_week_of_everyone_pages_through_the_therapists_and_keeps_them(client, staff_user, monday):
    everyone = practice(23)
    client.force_login(staff_user)
    body = client.get(f"{SCHEDULE}?view=week&date={DAY}").content.decode()
    assert "Therapists 1–10 of 23, by name" in body and "· 10 sessions" in body
    assert everyone[0].appointments.get().client.reference in body
    assert everyone[10].appointments.get().client.reference not in body
    following = link(body, "Next therapists")
    assert "view=week" in following and "group=2" in following
    body = client.get(following).content.decode()
    assert "Therapists 11–20 of 23, by name" in body
    assert everyone[10].appointments.get().client.reference in body
    assert everyone[0].appointments.get().client.reference not in body
    # The next week, the day and the month keep the therapists shown; so does a day's heading.
    next_week = re.search(r'href="([^"]+)" rel="next"', body).group(1).replace("&amp;", "&")
    assert "group=2" in next_week and "date=2027-01-11" in next_week and "view=week" in next_week
    for text in ("Day", "Month"):
        assert "group=2" in link(body, text)
    assert re.search(r'href="[^"]*view=day&amp;date=2027-01-04&amp;group=2">Mon 4 Jan', body)
    day = client.get(link(body, "Day")).content.decode()
    assert columns(day) == [f"Dr {n:02}" for n in range(11, 21)]


def test_the_month_of_everyone_counts_the_therapists_shown(client, staff_user, monday):
    practice(23)
    client.force_login(staff_user)
    body = client.get(f"{SCHEDULE}?view=month&date={DAY}").content.decode()
    assert "Therapists 1–10 of 23, by name" in body and "· 10 sessions" in body
    assert "view=month" in link(body, "Next therapists")
    last = client.get(f"{SCHEDULE}?view=month&date={DAY}&group=3").content.decode()
    assert "Therapists 21–23 of 23, by name" in last and "· 3 sessions" in last
    assert re.search(r'href="[^"]*view=day&amp;date=2027-01-04&amp;group=3"', last)  # the day opens on them


@pytest.mark.parametrize("view", ["week", "month"])
@pytest.mark.parametrize("group", ["0", "abc", "99"])
def test_a_bad_group_in_the_week_or_month_shows_the_first_or_last(client, staff_user, monday, view, group):
    practice(12)
    client.force_login(staff_user)
    response = client.get(f"{SCHEDULE}?view={view}&date={DAY}&group={group}")
    assert response.status_code == 200
    shown = "Therapists 11–12 of 12" if group == "99" else "Therapists 1–10 of 12"
    assert shown in response.content.decode()


@pytest.mark.parametrize("view", ["week", "month"])
def test_the_week_and_month_of_everyone_cost_the_same_for_ten_and_thirty(client, staff_user, monday, view):
    practice(10)
    client.force_login(staff_user)
    url = f"{SCHEDULE}?view={view}&date={DAY}"
    with CaptureQueriesContext(connection) as ten:
        client.get(url)
    practice_10 = len(ten.captured_queries)
    practice(20)
    with CaptureQueriesContext(connection) as thirty:
        body = client.get(url).content.decode()
    assert "· 10 sessions" in body  # the first ten's, not thirty
    assert len(thirty.captured_queries) == practice_10


def test_one_therapists_week_has_no_groups(client, staff_user, monday):
    everyone = practice(12)
    client.force_login(staff_user)
    body = client.get(f"{SCHEDULE}?view=week&date={DAY}&therapist={everyone[11].pk}&group=2").content.decode()
    assert "Therapists 1–" not in body and "Next therapists" not in body
    assert everyone[11].appointments.get().client.reference in body
