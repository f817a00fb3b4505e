"""A goal's review date is planned ahead: a date already past is refused with a clear message and
everything typed comes back; an overdue goal keeps its date when only its text changes."""

from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse

from clients.models import Goal

TODAY = date(2027, 3, 10)
TEXT = "GOALTEXT-slow-rebuilding-of-trust"


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(f"{TODAY.isoformat()} 12:00Z", tick=False):
        yield


def post(web, url, **data):
    return web.post(url, {"text": TEXT, "status": "active", "shared_with_client": "on", **data})


@pytest.mark.parametrize("review_on", ["2027-03-09", "2020-01-01"])
def test_a_past_review_date_is_refused_and_nothing_is_lost(client, alice, solo, review_on):
    client.force_login(alice.user)
    r = post(client, reverse("clients:goal_create", args=[solo.pk]), review_on=review_on)
    assert r.status_code == 400 and not Goal.objects.exists()
    page = r.content.decode()
    assert "is already past (today is 10 March 2027)" in page
    assert TEXT in page and f'value="{review_on}"' in page and "checked" in page


@pytest.mark.parametrize("review_on", ["2027-03-10", "2027-06-01", ""])
def test_today_a_later_date_or_none_is_accepted(client, alice, solo, review_on):
    client.force_login(alice.user)
    r = post(client, reverse("clients:goal_create", args=[solo.pk]), review_on=review_on)
    assert r.status_code == 302
    goal = Goal.objects.get()
    assert goal.review_on == (date.fromisoformat(review_on) if review_on else None)


def test_an_overdue_goal_keeps_its_date_when_only_the_text_changes(client, alice, solo):
    goal = Goal.objects.create(client=solo, text="old", created_by=alice, review_on=TODAY - timedelta(days=20))
    client.force_login(alice.user)
    url = reverse("clients:goal_edit", args=[goal.pk])
    assert post(client, url, review_on=goal.review_on.isoformat()).status_code == 302
    goal.refresh_from_db()
    assert goal.text == TEXT and goal.review_on == TODAY - timedelta(days=20)


def test_moving_a_goals_review_into_the_past_is_refused(client, alice, solo):
    goal = Goal.objects.create(client=solo, text="old", created_by=alice, review_on=TODAY + timedelta(days=5))
    client.force_login(alice.user)
    r = post(client, reverse("clients:goal_edit", args=[goal.pk]), review_on="2027-03-01")
    assert r.status_code == 400 and "is already past" in r.content.decode()
    goal.refresh_from_db()
    assert goal.text == "old" and goal.review_on == TODAY + timedelta(days=5)
