"""The dashboard's schedule panels, and sessions on the client page and in notes."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients.models import Note
from frontdesk.selectors import _weekly_sessions
from sessions_app.models import Appointment, Modality
from tests.factories import ClientFactory, couple


def session(therapist, unit, start, status="booked", **kwargs):
    appointment = Appointment.objects.create(
        therapist=therapist,
        client=unit,
        start=start,
        end=start + timedelta(hours=1),
        status=status,
        booked_by=therapist.user,
        modality=kwargs.pop("modality", Modality.VIDEO),
        **kwargs,
    )
    for member in unit.members.all():
        appointment.attendances.create(member=member, start=appointment.start, end=appointment.end)
    return appointment


def at(day, hour):
    return datetime(2027, 1, day, hour, tzinfo=UTC)


def test_today_in_order_then_the_week_ahead(client, alice, charlie, monday, room):
    pair = couple(alice)
    solo = ClientFactory(primary_therapist=alice)
    session(alice, solo, at(4, 14), modality=Modality.IN_PERSON, room=room)
    session(alice, pair, at(4, 10))
    session(alice, solo, at(6, 9))
    session(charlie, ClientFactory(primary_therapist=charlie), at(4, 11))
    client.force_login(alice.user)
    body = client.get(reverse("dashboard")).content.decode()
    today, week = body.split("The week ahead")
    assert today.index(pair.reference) < today.index(solo.reference)  # 10:00 before 14:00
    assert "Room 1" in today and pair.members.first().display_name in today
    assert "Wednesday 6 Jan" in week and solo.reference in week
    assert body.count("C-") == 3  # charlie's client is nowhere


def test_a_past_session_without_a_note_is_flagged(client, alice, solo, monday):
    done = session(alice, solo, at(4, 6), status="attended")
    client.force_login(alice.user)
    assert "Note due" in client.get(reverse("dashboard")).content.decode()
    Note.objects.create(client=solo, author=alice, appointment=done, body="x")
    assert "Note due" not in client.get(reverse("dashboard")).content.decode()


def test_the_dashboard_query_count_is_fixed(client, alice, monday, django_assert_num_queries):
    client.force_login(alice.user)
    session(alice, ClientFactory(primary_therapist=alice), at(4, 9))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("dashboard"))
    # The session, the signed-in person, the units Alice co-treats (none: read once for every panel)
    # and one statement for each panel's read: no panel reads twice (the inbox line is one statement,
    # whether Alice is the clinical lead is part of the alerts'). With one session today: 17 (its
    # members are read for today's list).
    assert len(few.captured_queries) == 17, [q["sql"][:60] for q in few.captured_queries]
    for day in range(4, 9):
        for hour in (10, 12, 14):
            session(alice, couple(alice), at(day, hour))
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(reverse("dashboard"))


def test_a_co_therapist_s_dashboard_reads_the_co_treated_units_in_three_more_statements(
    client, alice, charlie, monday, django_assert_num_queries
):
    client.force_login(alice.user)
    session(alice, ClientFactory(primary_therapist=alice), at(4, 9))
    with CaptureQueriesContext(connection) as alone:
        client.get(reverse("dashboard"))
    first = ClientFactory(primary_therapist=charlie)
    first.co_therapists.add(alice)
    # Overdue homework, measures due and measures answered each read the co-treated units by id once
    # (the inbox line reads them in its one statement), however many there are.
    with CaptureQueriesContext(connection) as co:
        client.get(reverse("dashboard"))
    assert len(co.captured_queries) == len(alone.captured_queries) + 3, [q["sql"][:60] for q in co.captured_queries]
    for _ in range(5):
        ClientFactory(primary_therapist=charlie).co_therapists.add(alice)
    with django_assert_num_queries(len(co.captured_queries)):
        client.get(reverse("dashboard"))


def test_the_client_page_lists_sessions_and_notes_can_be_tied_to_them(client, alice, solo, monday):
    past = session(alice, solo, at(1, 10), status="attended")
    session(alice, solo, at(11, 10))
    client.force_login(alice.user)
    body = client.get(reverse("clients:detail", args=[solo.pk]), {"tab": "sessions"}).content.decode()
    assert reverse("sessions_app:appointment", args=[past.pk]) in body and "Mon 11 Jan 2027, 10:00" in body
    form = client.get(reverse("clients:note_create", args=[solo.pk]), {"appointment": past.pk}).content.decode()
    assert f'<option value="{past.pk}" selected>' in form
    data = {"kind": "progress", "session_date": "2027-01-01", "appointment": past.pk, "body": "tied"}
    client.post(reverse("clients:note_create", args=[solo.pk]), data)
    assert Note.objects.get().appointment == past


def test_a_note_cannot_be_tied_to_another_clients_session(client, alice, solo, monday):
    other = session(alice, ClientFactory(primary_therapist=alice), at(1, 10))
    client.force_login(alice.user)
    data = {"kind": "progress", "session_date": "2027-01-01", "appointment": other.pk, "body": "x"}
    r = client.post(reverse("clients:note_create", args=[solo.pk]), data)
    assert r.status_code == 400 and not Note.objects.exists()


def test_unsigned_notes_and_the_weekly_chart(client, alice, solo, monday):
    Note.objects.create(client=solo, author=alice, body="draft")
    session(alice, solo, at(1, 10), status="attended")
    session(alice, solo, datetime(2026, 12, 28, 10, tzinfo=UTC), status="no_show")
    client.force_login(alice.user)
    body = client.get(reverse("dashboard")).content.decode()
    assert f"{solo.reference} · Progress note" in body
    assert "Week of 28 Dec: 1 held, 1 no-show." in body  # the chart's text alternative
    assert "1 attended, 1 no-show (50% of marked sessions), 0 late cancellations." in body


def test_new_referrals_and_upcoming_workshops(client, alice, monday):
    from tests.factories import ReferralFactory, WorkshopFactory

    referral = ReferralFactory()
    workshop = WorkshopFactory(title="Talking about desire", starts_at=datetime(2027, 1, 20, 18, tzinfo=UTC))
    client.force_login(alice.user)
    body = client.get(reverse("dashboard")).content.decode()
    assert referral.reference in body and workshop.title in body


def test_a_malformed_appointment_parameter_gives_an_untied_note_form(client, alice, solo):
    client.force_login(alice.user)
    for value in ("abc", "1e9", "-1", "99999999999999999999"):
        r = client.get(reverse("clients:note_create", args=[solo.pk]), {"appointment": value})
        assert r.status_code == 200 and 'value="" selected>Not tied to a session' in r.content.decode()


def test_the_weekly_chart_splits_weeks_at_local_midnight_across_a_clock_change(alice, solo):
    alice.time_zone = "Europe/London"  # clocks go forward on Sunday 28 March 2027
    session(alice, solo, datetime(2027, 3, 28, 22, 30, tzinfo=UTC), status="attended")  # Sun 23:30 BST
    session(alice, solo, datetime(2027, 3, 28, 23, 30, tzinfo=UTC), status="attended")  # Mon 00:30 BST
    session(alice, solo, datetime(2027, 4, 5, 9, tzinfo=UTC), status="no_show")
    session(alice, solo, datetime(2027, 4, 5, 11, tzinfo=UTC), status="late_cancelled")
    session(alice, solo, datetime(2027, 2, 14, 12, tzinfo=UTC), status="attended")  # before the eight weeks
    day_start = datetime(2027, 4, 7, tzinfo=ZoneInfo("Europe/London"))  # a Wednesday
    weeks = {w["monday"].isoformat(): w for w in _weekly_sessions(alice, day_start)}
    mondays = list(weeks)
    assert (mondays[0], mondays[-1], len(mondays)) == ("2027-02-15", "2027-04-05", 8)
    assert (weeks["2027-03-22"]["held"], weeks["2027-03-29"]["held"]) == (1, 1)
    assert (weeks["2027-04-05"]["no_show"], weeks["2027-04-05"]["late"], weeks["2027-04-05"]["held"]) == (1, 1, 0)
    assert sum(w["attended"] for w in weeks.values()) == 2


def test_the_new_referrals_panel_shows_the_newest_five_new_ones_the_therapist_may_see(client, alice, charlie, monday):
    """Newest first, five at most, only status "new", and never a referral that became another
    therapist's client (`referrals.selectors.visible_referrals`, the triage queue's own rule)."""
    from referrals.models import Referral
    from tests.factories import ReferralFactory

    def made(hours_ago, **kwargs):
        referral = ReferralFactory(**kwargs)
        # created_at is set on insert: back-dated afterwards, as an older referral's would be.
        Referral.objects.filter(pk=referral.pk).update(
            created_at=datetime(2027, 1, 3, 9, tzinfo=UTC) - timedelta(hours=hours_ago)
        )
        return referral

    new = [made(i) for i in range(6)]  # new[0] the newest
    contacted = made(-1, status="contacted")
    others = made(-2, client=ClientFactory(primary_therapist=charlie))  # became charlie's client, still new
    client.force_login(alice.user)
    body = client.get(reverse("dashboard")).content.decode()
    panel = body.split('id="new-referrals-heading"')[1].split("</section>")[0]
    shown = [r.reference for r in new if r.reference in panel]
    assert shown == [r.reference for r in new[:5]]  # the sixth, oldest, is not shown
    assert [panel.index(ref) for ref in shown] == sorted(panel.index(ref) for ref in shown)  # newest first
    assert contacted.reference not in panel and others.reference not in body
    assert new[0].first_name not in body  # the panel shows the reference, never the person's name
    client.force_login(charlie.user)
    assert others.reference in client.get(reverse("dashboard")).content.decode()
