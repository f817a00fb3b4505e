"""Every list and dashboard page makes as many queries at size S as with twice S's data.

Seed S (10 therapists, 500 units, 10,000 past sessions, measures, homework, messages and open risk
alerts for one active unit in five), count each page's queries (after one
warm-up request), add as much again through the scale module, and assert the same counts. Speed is
measured in `make bench`, never here.
"""

import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from devdata import scale
from practice.models import Therapist, User


def pages(therapist, unit):
    staff = User.objects.get(email=f"staff@{scale.DOMAIN}")
    return {
        "dashboard": (therapist.user, reverse("dashboard")),
        "client list": (therapist.user, reverse("clients:list")),
        "client page": (therapist.user, reverse("clients:detail", args=[unit.pk])),
        "calendar week": (therapist.user, reverse("sessions_app:schedule")),
        "calendar month": (therapist.user, f"{reverse('sessions_app:schedule')}?view=month"),
        "calendar day, staff, side by side": (staff, f"{reverse('sessions_app:schedule')}?view=day"),
        "calendar week, staff, everyone": (staff, f"{reverse('sessions_app:schedule')}?view=week"),
        "calendar month, staff": (staff, f"{reverse('sessions_app:schedule')}?view=month"),
        "portal home": (User.objects.by_address(f"client@{scale.DOMAIN}").get(), reverse("portal:home")),
        "referral triage": (User.objects.get(email=f"staff@{scale.DOMAIN}"), reverse("referrals:triage")),
        "resources library": (therapist.user, reverse("resources:library")),
        "outbox page": (User.objects.get(email=f"staff@{scale.DOMAIN}"), reverse("outbox")),
    }


def measure(client, user, url) -> int:
    client.force_login(user)
    assert client.get(url).status_code == 200  # warm-up: sessions, caches
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


@pytest.mark.django_db
def test_page_query_counts_do_not_grow_with_the_data(client, django_assert_num_queries):
    scale.seed("S")
    therapist = Therapist.objects.order_by("pk").first()
    unit = Client.objects.filter(primary_therapist=therapist, members__user__isnull=False).get()
    small = {name: measure(client, user, url) for name, (user, url) in pages(therapist, unit).items()}

    size, rng = scale.SIZES["S"], random.Random(1)
    therapists = list(Therapist.objects.order_by("pk"))
    scale.add_units(therapists, size.units, rng=rng)
    scale.add_appointments(therapists, past=size.past, future=size.future, rng=rng, now=timezone.now())
    scale.add_referrals(size.referrals, rng=rng, therapists=therapists)
    scale.add_clinical_work(therapists, rng=rng, now=timezone.now())
    scale.add_outbox(size.outbox, due=size.due, rng=rng, now=timezone.now())
    assert Client.objects.count() == 2 * size.units

    for name, (user, url) in pages(therapist, unit).items():
        client.force_login(user)
        client.get(url)
        with django_assert_num_queries(small[name]):
            assert client.get(url).status_code == 200, name
