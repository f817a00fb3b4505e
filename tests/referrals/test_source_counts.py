"""The sources chart's kept counts (`referrals.counts`): whatever happens to referrals, units and
referrers, the kept months match a count of the referrals, and the chart in any zone matches a
referral-by-referral count in that zone."""

import random
import zoneinfo
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import ProtectedError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clients.models import Client
from clients.services import client_update
from referrals import counts, services
from referrals.models import Referral, ReferralMonth, Referrer
from referrals.selectors import _month_starts
from tests.factories import ClientFactory, ReferralFactory, ReferrerFactory
from tests.racing import at_once
from tests.referrals.conftest import form_data

ZONES = [
    "UTC",
    "Europe/London",
    "America/New_York",
    "America/St_Johns",  # -3:30
    "Asia/Kathmandu",  # +5:45
    "Pacific/Chatham",  # +12:45 / +13:45
    "Pacific/Kiritimati",  # +14
    "Pacific/Pago_Pago",  # -11
    "Etc/GMT+12",  # -12
    "America/Havana",  # clocks change at midnight
    "America/Santiago",  # clocks change at midnight (24:00)
    "Australia/Lord_Howe",  # a half-hour change of clocks
]
STATUSES = [s for s, _label in Client.Status.choices]
KINDS = [k for k, _label in Referrer.Kind.choices]
EDGES = [datetime(2026, month, 1, tzinfo=UTC) for month in range(1, 13)] + [datetime(2027, 1, 1, tzinfo=UTC)]


def reference(starts: list[date], zone) -> dict[tuple[date, str], tuple[int, int]]:
    """Each referral counted one by one in `zone`: the chart's definition."""
    got: dict[tuple[date, str], list[int]] = defaultdict(lambda: [0, 0])
    for referral in Referral.objects.select_related("referrer", "client"):
        month = referral.created_at.astimezone(zone).date().replace(day=1)
        if month in starts:
            got[(month, referral.referrer.kind)][0] += 1
            if referral.client is not None and referral.client.status in counts.BECAME_CLIENT:
                got[(month, referral.referrer.kind)][1] += 1
    return {key: tuple(value) for key, value in got.items()}


def shown(starts, zone) -> dict:
    return {key: value for key, value in counts.local_counts(starts, zone).items() if value != (0, 0)}


def dated(moment: datetime, **kwargs) -> Referral:
    referral = ReferralFactory(**kwargs)
    referral.created_at = moment
    referral.save(update_fields=["created_at"])
    return referral


# A moment: near a UTC month's edge (within 16 hours either side) or anywhere in the year.
_moment = st.one_of(
    st.tuples(st.sampled_from(EDGES), st.integers(-16 * 60, 16 * 60)).map(lambda t: t[0] + timedelta(minutes=t[1])),
    st.integers(0, 364 * 24).map(lambda h: datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=h)),
)
_op = st.one_of(
    st.tuples(st.just("refer"), st.integers(0, 2), _moment, st.sampled_from([None, *STATUSES])),
    st.tuples(st.just("status"), st.integers(0, 9), st.sampled_from(STATUSES)),
    st.tuples(st.just("kind"), st.integers(0, 2), st.sampled_from(KINDS)),
    st.tuples(st.just("redate"), st.integers(0, 9), _moment),
    st.tuples(st.just("relink"), st.integers(0, 9), st.integers(0, 9), st.booleans()),
    st.tuples(st.just("rerefer"), st.integers(0, 9), st.integers(0, 2)),
    st.tuples(st.just("delete_referral"), st.integers(0, 9)),
    st.tuples(st.just("delete_unit"), st.integers(0, 9)),
)


def apply(op, referrers, referrals, units, therapist):
    name, *args = op
    if name == "refer":
        who, moment, status = args
        unit = ClientFactory(primary_therapist=therapist, status=status) if status else None
        if unit is not None:
            units.append(unit)
        referrals.append(dated(moment, referrer=referrers[who], client=unit))
    elif name == "status" and units:
        unit = Client.objects.get(pk=units[args[0] % len(units)].pk)
        client_update(client=unit, by=therapist.user, status=args[1])
    elif name == "kind":
        referrer = Referrer.objects.get(pk=referrers[args[0]].pk)
        referrer.kind = args[1]
        referrer.save()  # what the admin's change form does
    elif name == "redate" and referrals:
        referral = Referral.objects.get(pk=referrals[args[0] % len(referrals)].pk)
        referral.created_at = args[1]
        referral.save()
    elif name == "relink" and referrals:
        # read without its counted fields (`.only()`): the save reads them before it changes them
        referral = Referral.objects.only("id", "status").get(pk=referrals[args[0] % len(referrals)].pk)
        referral.client = units[args[1] % len(units)] if units and args[2] else None
        referral.save()
    elif name == "rerefer" and referrals:
        referral = Referral.objects.get(pk=referrals[args[0] % len(referrals)].pk)
        referral.referrer = referrers[args[1]]
        referral.save(update_fields=["referrer", "updated_at"])
    elif name == "delete_referral" and referrals:
        referral = referrals.pop(args[0] % len(referrals))
        Referral.objects.filter(pk=referral.pk).delete()
    elif name == "delete_unit" and units:
        unit = units.pop(args[0] % len(units))
        try:
            with transaction.atomic():
                Client.objects.get(pk=unit.pk).delete()
        except ProtectedError:  # something of the unit's refuses to go: it stays
            units.append(unit)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(_op, min_size=1, max_size=14), zone=st.sampled_from(ZONES))
def test_the_kept_counts_match_the_referrals_whatever_happens(alice, ops, zone):
    with transaction.atomic():
        referrers = [ReferrerFactory(kind=kind) for kind in ("physician", "clergy", "psychiatrist")]
        referrals, units = [], []
        for op in ops:
            apply(op, referrers, referrals, units, alice)
        assert counts.differences() == []
        where = zoneinfo.ZoneInfo(zone)
        for today in (date(2026, 12, 15), date(2026, 7, 1), date(2027, 1, 1)):
            starts = _month_starts(today, 12)
            assert shown(starts, where) == reference(starts, where), (zone, today)
        transaction.set_rollback(True)


def test_a_months_counts_move_when_a_unit_becomes_a_client_and_when_it_is_deleted(alice):
    referral = dated(datetime(2026, 11, 3, 9, tzinfo=UTC), referrer=ReferrerFactory(kind="clergy"))
    services.referral_accept(referral=referral, by=alice.user, therapist=alice, base_url="http://x/")
    november = ReferralMonth.objects.get(month=date(2026, 11, 1), kind="clergy")
    assert (november.total, november.became) == (1, 0)  # prospective: not yet a client
    unit = Referral.objects.get(pk=referral.pk).client
    client_update(client=unit, by=alice.user, status=Client.Status.ACTIVE)
    november.refresh_from_db()
    assert (november.total, november.became) == (1, 1)
    Client.objects.get(pk=unit.pk).delete()
    november.refresh_from_db()
    assert (november.total, november.became) == (1, 0)  # the referral stays; the unit it became is gone
    assert counts.differences() == []


def test_a_referrers_new_kind_takes_its_referrals_with_it(db):
    referrer = ReferrerFactory(kind="physician")
    for day in (2, 3, 4):
        dated(datetime(2026, 10, day, tzinfo=UTC), referrer=referrer)
    referrer.kind = "psychiatrist"
    referrer.save()
    assert set(counts.kept()) == {(date(2026, 10, 1), "psychiatrist")}
    assert counts.kept()[(date(2026, 10, 1), "psychiatrist")] == (3, 0)


def test_the_command_finds_drift_and_the_rebuild_mends_it(db, capsys):
    dated(datetime(2026, 9, 10, tzinfo=UTC), referrer=ReferrerFactory(kind="clergy"))
    call_command("referral_counts", "--check")
    Referral.objects.update(created_at=datetime(2026, 8, 10, tzinfo=UTC))  # a bulk edit sends no signals
    with pytest.raises(CommandError, match="2 months and kinds are wrong"):
        call_command("referral_counts", "--check")
    out = capsys.readouterr().out
    assert "2026-09 clergy: kept 1 referrals (0 became clients), counted 0 (0)" in out
    assert "2026-08 clergy: kept 0 referrals (0 became clients), counted 1 (0)" in out
    call_command("referral_counts")
    assert "2 months and kinds were wrong" in capsys.readouterr().out
    assert counts.kept() == {(date(2026, 8, 1), "clergy"): (1, 0)}
    call_command("referral_counts", "--check")
    assert "match the referrals" in capsys.readouterr().out


def test_the_nightly_rebuild_is_on_the_beat_schedule_and_counts_from_the_referrals(db, settings):
    from referrals.tasks import referral_counts_rebuild

    entry = settings.CELERY_BEAT_SCHEDULE["referral-counts"]
    assert entry["task"] == "referrals.tasks.referral_counts_rebuild" and entry["schedule"] == 86400.0
    dated(datetime(2026, 9, 10, tzinfo=UTC))
    ReferralMonth.objects.all().delete()
    assert referral_counts_rebuild() == 1
    assert counts.kept() == {(date(2026, 9, 1), "physician"): (1, 0)}


def test_random_referrals_in_bulk_then_rebuilt_match_in_every_zone(alice):
    from devdata.scale import add_referrals

    add_referrals(40, rng=random.Random(7), therapists=[alice])
    assert counts.differences() == []
    today = datetime.now(UTC).date()
    starts = _month_starts(today, 12)
    for zone in ZONES:
        assert shown(starts, zoneinfo.ZoneInfo(zone)) == reference(starts, zoneinfo.ZoneInfo(zone))


SUBMITTERS = 8


@pytest.mark.django_db(transaction=True)
def test_referrals_submitted_at_once_are_each_counted_once(db):
    """Eight people submit the public form at the same moment, the first referrals of a month: the
    one-statement upsert adds them all (no lost update, no duplicate row), on both databases."""
    from django.test import Client as Browser

    def submit(i):
        data = form_data(referrer_email=f"doctor{i}@clinic.example", referrer_kind=KINDS[i % 2])
        return Browser(REMOTE_ADDR=f"10.0.0.{i + 1}").post("/refer/", data).status_code

    outcomes = at_once(submit, SUBMITTERS)
    assert outcomes == [302] * SUBMITTERS, outcomes
    assert Referral.objects.count() == SUBMITTERS
    month = datetime.now(UTC).date().replace(day=1)
    assert counts.kept() == {(month, KINDS[0]): (4, 0), (month, KINDS[1]): (4, 0)}
    assert ReferralMonth.objects.count() == 2


def test_in_utc_nothing_is_moved_and_the_chart_is_one_query(db, django_assert_num_queries):
    dated(datetime(2026, 10, 31, 23, 30, tzinfo=UTC), referrer=ReferrerFactory(kind="clergy"))
    starts = _month_starts(date(2026, 12, 2), 12)
    with django_assert_num_queries(1):  # the kept months only
        got = shown(starts, UTC)
    assert got == {(date(2026, 10, 1), "clergy"): (1, 0)}
    with django_assert_num_queries(2):  # in Auckland the same referral is November's
        got = shown(starts, zoneinfo.ZoneInfo("Pacific/Auckland"))
    assert got == {(date(2026, 11, 1), "clergy"): (1, 0)}


def test_the_demo_data_leaves_the_counts_matching_the_referrals(db):
    from django.core.management import call_command as run

    run("seed_demo", verbosity=0)
    assert Referral.objects.count() >= 3
    assert counts.differences() == []


def test_the_rebuild_warns_of_drift_but_not_after_a_bulk_load(db, caplog):
    dated(datetime(2026, 9, 10, tzinfo=UTC))
    ReferralMonth.objects.all().delete()
    with caplog.at_level("WARNING", logger="referrals.counts"):
        assert counts.rebuild(after_bulk_load=True) == 1
    assert caplog.records == []
    ReferralMonth.objects.all().delete()
    with caplog.at_level("WARNING", logger="referrals.counts"):
        assert counts.rebuild() == 1
    assert [r.getMessage() for r in caplog.records] == [
        "The referral sources counts were rebuilt: 1 months and kinds had drifted."
    ]
