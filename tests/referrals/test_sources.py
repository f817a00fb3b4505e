"""Referral sources at a glance: counts per referrer kind and month, and how many became clients."""

import zoneinfo
from datetime import UTC, datetime

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from clients.services import client_update
from referrals.models import Referral
from referrals.selectors import referral_sources
from tests.factories import ClientFactory, ReferralFactory, ReferrerFactory


def made_on(when: datetime, **kwargs) -> Referral:
    """A referral dated `when`, saved through the model (as the admin would), so its counts move."""
    referral = ReferralFactory(**kwargs)
    referral.created_at = when
    referral.save(update_fields=["created_at"])
    return referral


def test_counts_by_kind_and_month_and_clients(alice, django_assert_num_queries):
    clergy, physician = ReferrerFactory(kind="clergy"), ReferrerFactory(kind="physician")
    made_on(datetime(2027, 1, 10, tzinfo=UTC), referrer=clergy)
    made_on(datetime(2027, 3, 2, tzinfo=UTC), referrer=clergy)
    made_on(
        datetime(2027, 3, 20, tzinfo=UTC),
        referrer=physician,
        client=ClientFactory(primary_therapist=alice, status=Client.Status.ACTIVE),
    )
    made_on(
        datetime(2027, 3, 21, tzinfo=UTC),
        referrer=physician,
        client=ClientFactory(primary_therapist=alice, status=Client.Status.PROSPECTIVE),
    )
    made_on(datetime(2026, 1, 5, tzinfo=UTC), referrer=physician)  # more than a year ago: left out

    with time_machine.travel(datetime(2027, 3, 25, 12, tzinfo=UTC)), django_assert_num_queries(2):
        sources = referral_sources()  # the kept months, and the referrals near a month's edge
    columns = {c.month.strftime("%Y-%m"): c for c in sources["columns"]}
    months = list(columns)
    assert (months[0], months[-1], len(months)) == ("2026-04", "2027-03", 12)
    march = {s.kind: s.count for s in columns["2027-03"].segments}
    assert march["clergy"] == 1 and march["physician"] == 2 and columns["2027-03"].became_clients == 1
    assert columns["2027-01"].total == 1 and columns["2027-02"].total == 0
    assert (sources["total"], sources["became_clients"]) == (4, 1)
    assert {k["label"]: k["count"] for k in sources["by_kind"]}["Clergy"] == 2


def test_bars_fit_the_chart(db):
    for _ in range(3):
        ReferralFactory()
    sources = referral_sources()
    tallest = max(sources["columns"], key=lambda c: c.total)
    assert tallest.total == 3 and 0 <= tallest.top < sources["height"]
    assert all(s.y >= 0 for c in sources["columns"] for s in c.segments)


def test_the_dashboard_chart_shows_a_new_referral_on_the_next_request(client, alice):
    """The counts are kept as things change: what changed is on the next page."""
    client.force_login(alice.user)
    url = reverse("dashboard")
    assert "Became clients: 0 of 0" in client.get(url).content.decode()
    referral = ReferralFactory(referrer=ReferrerFactory(kind="clergy"))
    body = client.get(url).content.decode()
    assert "Became clients: 0 of 1" in body and "Clergy: 1" in body
    referral.client = ClientFactory(primary_therapist=alice, status=Client.Status.PROSPECTIVE)
    referral.save()
    assert "Became clients: 0 of 1" in client.get(url).content.decode()
    client_update(client=referral.client, by=alice.user, status=Client.Status.ACTIVE)  # the intake done
    assert "Became clients: 1 of 1" in client.get(url).content.decode()
    referral.delete()
    assert "Became clients: 0 of 0" in client.get(url).content.decode()


def test_the_chart_reads_two_queries_and_no_cache_whatever_the_number_of_referrals(
    alice, django_assert_num_queries, settings
):
    """Neither query reads the year's referrals: the kept months (at most 5 kinds x 13 months) and the
    few near a month's edge. No cache is involved, so an unreachable cache cannot break the page."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    ReferralFactory(referrer=ReferrerFactory(kind="clergy"))
    with django_assert_num_queries(2):
        assert referral_sources()["total"] == 1
    clergy, physician = ReferrerFactory(kind="clergy"), ReferrerFactory(kind="physician")
    for day in range(2, 28):
        made_on(datetime(2026, 11, day, 12, tzinfo=UTC), referrer=physician if day % 2 else clergy)
    with django_assert_num_queries(2) as queries:
        assert referral_sources()["total"] == 27
    kept, edges = queries.captured_queries
    assert "referrals_referralmonth" in kept["sql"] and 'referrals_referral"' not in kept["sql"]
    assert 'referrals_referral"' in edges["sql"]


def test_an_admin_edit_moves_the_counts(admin_client, alice):
    """The admin saves through the model, so its changes reach the chart too."""
    referral = ReferralFactory(client=ClientFactory(primary_therapist=alice, status=Client.Status.PROSPECTIVE))
    assert referral_sources()["became_clients"] == 0
    unit = referral.client
    unit.status = Client.Status.ACTIVE
    unit.save()  # what the admin's change form does
    assert referral_sources()["became_clients"] == 1


def test_each_zone_counts_its_own_months(db):
    """A referral made at noon UTC on 31 March is March's in London and April's in Auckland."""
    made_on(datetime(2027, 3, 31, 12, tzinfo=UTC))
    with time_machine.travel(datetime(2027, 4, 10, 12, tzinfo=UTC)):
        with timezone.override(zoneinfo.ZoneInfo("Europe/London")):
            london = {c.month.month: c.total for c in referral_sources()["columns"]}
        with timezone.override(zoneinfo.ZoneInfo("Pacific/Auckland")):
            auckland = {c.month.month: c.total for c in referral_sources()["columns"]}
    assert (london[3], london[4]) == (1, 0)  # 13:00 BST on 31 March
    assert (auckland[3], auckland[4]) == (0, 1)  # 01:00 NZDT on 1 April


def test_a_bulk_load_rebuilds_the_counts(alice):
    """seed_scale's bulk insert sends no signals: it rebuilds the counts itself."""
    import random

    from devdata.scale import add_referrals

    assert referral_sources()["total"] == 0
    add_referrals(5, rng=random.Random(1), therapists=[alice])
    assert referral_sources()["total"] == 5


def test_paused_and_discharged_units_count_as_became_clients_and_a_referral_without_one_does_not(alice):
    physician = ReferrerFactory(kind="physician")
    for status in (Client.Status.PAUSED, Client.Status.DISCHARGED, Client.Status.PROSPECTIVE):
        made_on(
            datetime(2027, 2, 3, tzinfo=UTC),
            referrer=physician,
            client=ClientFactory(primary_therapist=alice, status=status),
        )
    made_on(datetime(2027, 2, 4, tzinfo=UTC), referrer=physician)

    with time_machine.travel(datetime(2027, 3, 25, 12, tzinfo=UTC)):
        sources = referral_sources()
    february = {c.month.strftime("%Y-%m"): c for c in sources["columns"]}["2027-02"]
    assert (february.total, february.became_clients) == (4, 2)


def test_the_edge_query_asks_about_a_unit_only_for_a_referral_that_has_one(alice):
    # A join to the units would read every unit of the practice to read the referrals near an edge.
    made_on(datetime(2027, 3, 1, 2, tzinfo=UTC), client=ClientFactory(primary_therapist=alice))
    with (
        time_machine.travel(datetime(2027, 3, 25, 12, tzinfo=UTC)),
        timezone.override(zoneinfo.ZoneInfo("America/New_York")),
        CaptureQueriesContext(connection) as queries,
    ):
        february = {c.month.month: c.total for c in referral_sources()["columns"]}[2]
    assert february == 1  # 21:00 on 28 February in New York
    (edges,) = [q["sql"] for q in queries.captured_queries if 'referrals_referral"' in q["sql"]]
    assert "JOIN" in edges and "clients_client" in edges  # the referrer's kind is joined; the unit is asked
    assert 'JOIN "clients_client"' not in edges
    assert "EXISTS" in edges.upper()
