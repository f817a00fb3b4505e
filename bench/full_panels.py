"""The dashboard with its panels as full as at size L, on a kept bench database of any size.

    DATABASE_URL=sqlite:///var/bench/bench-S.sqlite3 DJANGO_SETTINGS_MODULE=bench.settings \\
        python -m bench.full_panels [--requests 150]

At S the bench's therapist has 10 units with work and the panels are half full; at L they are full
(20 rows each, and 10 open alerts). This times the dashboard as seeded, then with work for every unit
of the therapist and an open alert for one in four (`devdata.scale.add_clinical_work`, made in one
transaction and rolled back), then as seeded again: the same rows shown at S as at L, so S and L
compare the practice's size alone (docs/benchmarks.md, tenth pass). Medians, in ms, in this process.
"""

import argparse
import random
import statistics
import time

import django


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=150)
    args = parser.parse_args()
    django.setup()
    from django.db import transaction
    from django.test import Client as Browser
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    from devdata import scale
    from practice.models import Therapist

    setup_test_environment()  # the response's context: how many rows each panel shows
    therapist = Therapist.objects.select_related("user").order_by("pk").first()
    browser = Browser()
    browser.force_login(therapist.user)

    def measure(label: str) -> None:
        for _ in range(10):
            browser.get("/dashboard/")
        times = []
        for _ in range(args.requests):
            start = time.perf_counter()
            browser.get("/dashboard/")
            times.append(time.perf_counter() - start)
        context = browser.get("/dashboard/").context
        rows = [len(context[k]) for k in ("risk_alerts", "overdue_homework", "measures_due", "measures_completed")]
        print(f"{label}: {statistics.median(times) * 1000:.2f} ms; alerts, overdue, due, answered: {rows}")

    measure("as seeded")
    with transaction.atomic():
        scale.WORK_EVERY, scale.ALERT_EVERY = 1, 4
        scale.add_clinical_work([therapist], rng=random.Random(3), now=timezone.now())  # noqa: S311 (a seed, not a secret)
        measure("panels full")
        transaction.set_rollback(True)
    measure("as seeded")


if __name__ == "__main__":
    main()
