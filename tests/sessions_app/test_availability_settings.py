"""The therapist's availability page: booking rules, working hours, time off, and deleting them."""

from datetime import UTC, datetime, time

import pytest
from django.urls import reverse

from practice.models import AuditAction, AuditEvent
from sessions_app import services
from sessions_app.models import BookingRules, Modality, TimeOff, WorkingHours
from tests.factories import sign_for_video

URL = reverse("sessions_app:availability")


def rules_data(**changes):
    data = {
        "session_minutes": 50,
        "buffer_minutes": 10,
        "slot_grid_minutes": 30,
        "min_notice_hours": 12,
        "max_days_ahead": 90,
        "late_cancel_hours": 24,
        "offers_in_person": "on",
        "offers_video": "on",
        "video_link": "https://video.example.org/alice",
    }
    data.update(changes)
    return {"form": "rules", **{f"rules-{k}": v for k, v in data.items() if v is not None}}


def hours_data(weekday=0, start="09:00", end="12:00"):
    return {"form": "hours", "hours-weekday": weekday, "hours-start": start, "hours-end": end}


def off_data(start_date="2027-08-02", end_date="2027-08-13", **extra):
    data = {
        "form": "time_off",
        "time_off-start_date": start_date,
        "time_off-end_date": end_date,
        "time_off-label": "Holiday",
    }
    data.update({f"time_off-{k}": v for k, v in extra.items()})
    return data


@pytest.fixture
def signed_in(client, alice):
    client.force_login(alice.user)
    return client


def test_page_shows_rules_hours_and_time_off(signed_in, alice):
    WorkingHours.objects.create(therapist=alice, weekday=2, start=time(9), end=time(13))
    TimeOff.objects.create(
        therapist=alice, start=datetime(2099, 8, 1, tzinfo=UTC), end=datetime(2099, 8, 2, tzinfo=UTC), label="Training"
    )
    r = signed_in.get(URL)
    body = r.content.decode()
    assert r.status_code == 200 and "Wednesday 09:00–13:00" in body and "Training" in body
    assert "Europe/London" in body and 'name="rules-session_minutes"' in body


def test_rules_are_saved_and_audited(signed_in, alice):
    r = signed_in.post(URL, rules_data())
    rules = BookingRules.objects.get(therapist=alice)
    assert r.status_code == 302 and r.url == URL
    assert (rules.session_minutes, rules.buffer_minutes, rules.slot_grid_minutes) == (50, 10, 30)
    assert (rules.offers_in_person, rules.offers_video, rules.offers_phone) == (True, True, False)
    assert rules.video_link == "https://video.example.org/alice"
    assert AuditEvent.objects.filter(
        action=AuditAction.UPDATE, target_type="sessions_app.bookingrules", target_id=str(rules.pk)
    ).exists()


def test_rules_need_at_least_one_kind_of_session(signed_in, alice):
    r = signed_in.post(URL, rules_data(offers_in_person=None, offers_video=None))
    assert r.status_code == 400 and "Offer at least one kind of session" in r.content.decode()
    assert not BookingRules.objects.filter(therapist=alice).exists()


def test_bad_rules_keep_what_was_typed(signed_in, alice):
    r = signed_in.post(URL, rules_data(session_minutes=5, max_days_ahead=77))
    body = r.content.decode()
    assert r.status_code == 400 and "Between 15 and 240 minutes" in body and 'value="77"' in body


def test_a_working_hours_block_is_added_and_audited(signed_in, alice):
    r = signed_in.post(URL, hours_data())
    block = WorkingHours.objects.get(therapist=alice)
    assert r.status_code == 302
    assert (block.weekday, block.start, block.end) == (0, time(9), time(12))
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, target_type="sessions_app.workinghours").exists()


def test_an_overlapping_block_is_refused(signed_in, alice):
    WorkingHours.objects.create(therapist=alice, weekday=0, start=time(9), end=time(17))
    r = signed_in.post(URL, hours_data(start="16:00", end="18:00"))
    body = r.content.decode()
    assert r.status_code == 400 and "This overlaps your block Monday 09:00–17:00" in body
    assert 'value="16:00"' in body and WorkingHours.objects.count() == 1


def test_blocks_on_other_days_or_of_other_therapists_do_not_overlap(signed_in, alice, charlie):
    WorkingHours.objects.create(therapist=alice, weekday=1, start=time(9), end=time(17))
    WorkingHours.objects.create(therapist=charlie, weekday=0, start=time(9), end=time(17))
    signed_in.post(URL, hours_data(weekday=0, start="13:00", end="17:00"))
    signed_in.post(URL, hours_data(weekday=0, start="09:00", end="13:00"))  # back to back is fine
    assert WorkingHours.objects.filter(therapist=alice, weekday=0).count() == 2


def test_a_block_ending_before_it_starts_is_refused(signed_in, alice):
    r = signed_in.post(URL, hours_data(start="12:00", end="09:00"))
    assert r.status_code == 400 and "The end must be after the start" in r.content.decode()
    assert not WorkingHours.objects.exists()


def test_time_off_is_added_in_the_therapists_zone(signed_in, alice):
    r = signed_in.post(URL, off_data(start_time="13:00"))
    time_off = TimeOff.objects.get(therapist=alice)
    assert r.status_code == 302 and time_off.label == "Holiday"
    assert time_off.start == datetime(2027, 8, 2, 12, tzinfo=UTC)  # 13:00 in London in summer
    assert time_off.end == datetime(2027, 8, 13, 23, tzinfo=UTC)  # through the whole last day
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, target_type="sessions_app.timeoff").exists()


def test_time_off_over_booked_sessions_warns(monday, client, alice, solo):
    start = datetime(2027, 1, 6, 10, tzinfo=UTC)
    members = list(sign_for_video(solo).members.all())
    services.appointment_book(
        therapist=alice, client=solo, members=members, start=start, by=alice.user, modality=Modality.VIDEO
    )
    client.force_login(alice.user)  # after the clock is set: a session from "before" would have expired
    r = client.post(URL, off_data(start_date="2027-01-06", end_date="2027-01-06"), follow=True)
    assert "1 booked session falls in it: move or cancel it." in r.content.decode()


def test_time_off_ending_before_it_starts_or_at_a_missing_time_is_refused(signed_in, alice):
    r = signed_in.post(URL, off_data(start_date="2027-08-13", end_date="2027-08-02"))
    assert r.status_code == 400 and "The end must be after the start" in r.content.decode()
    r = signed_in.post(URL, off_data(start_date="2027-03-28", end_date="2027-03-29", start_time="01:15"))
    assert r.status_code == 400 and "That time does not exist in Europe/London" in r.content.decode()
    assert not TimeOff.objects.exists()


def test_an_unknown_form_saves_nothing(signed_in, alice):
    r = signed_in.post(URL, {"form": "other", **hours_data()} | {"form": "other"})
    assert r.status_code == 400 and not WorkingHours.objects.exists()


def test_availability_is_for_therapists(client, staff_user, client_user, alice):
    assert client.get(URL).url.startswith("/accounts/login/")
    for user in (staff_user, client_user):
        client.force_login(user)
        assert client.get(URL).status_code == 404
    client.force_login(alice.user)
    assert client.put(URL).status_code == 405


# --- deleting -------------------------------------------------------------------------------------


def test_delete_my_block_and_time_off(signed_in, alice):
    block = WorkingHours.objects.create(therapist=alice, weekday=0, start=time(9), end=time(17))
    time_off = TimeOff.objects.create(
        therapist=alice, start=datetime(2099, 8, 1, tzinfo=UTC), end=datetime(2099, 8, 2, tzinfo=UTC)
    )
    assert signed_in.post(reverse("sessions_app:hours_delete", args=[block.pk])).url == URL
    assert signed_in.post(reverse("sessions_app:time_off_delete", args=[time_off.pk])).url == URL
    assert not WorkingHours.objects.exists() and not TimeOff.objects.exists()
    assert AuditEvent.objects.filter(action=AuditAction.DELETE).count() == 2


def test_another_therapists_rows_are_404(signed_in, charlie):
    block = WorkingHours.objects.create(therapist=charlie, weekday=0, start=time(9), end=time(17))
    time_off = TimeOff.objects.create(
        therapist=charlie, start=datetime(2099, 8, 1, tzinfo=UTC), end=datetime(2099, 8, 2, tzinfo=UTC)
    )
    assert signed_in.post(reverse("sessions_app:hours_delete", args=[block.pk])).status_code == 404
    assert signed_in.post(reverse("sessions_app:time_off_delete", args=[time_off.pk])).status_code == 404
    assert WorkingHours.objects.count() == 1 and TimeOff.objects.count() == 1


def test_delete_refuses_get_staff_and_anonymous(client, alice, staff_user):
    block = WorkingHours.objects.create(therapist=alice, weekday=0, start=time(9), end=time(17))
    url = reverse("sessions_app:hours_delete", args=[block.pk])
    assert client.post(url).url.startswith("/accounts/login/")
    client.force_login(staff_user)
    assert client.post(url).status_code == 404
    client.force_login(alice.user)
    r = client.get(url)  # the confirm page: it asks, and removes nothing
    assert r.status_code == 200 and "Remove your working hours Monday 09:00–17:00?" in r.content.decode()
    assert client.put(url).status_code == 405
    assert WorkingHours.objects.count() == 1
