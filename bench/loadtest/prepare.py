"""Accounts the load test's simulated people sign in with, on top of `seed_scale` (run by bin/loadtest).

    DATABASE_URL=postgres://... python -m bench.loadtest.prepare --portal-users 30 --out accounts.json

Runs with the local settings (ALLOW_DEMO_DATA is on there; the production settings refuse scale data)
against the load test's throwaway database. It gives `--portal-users` units (spread over the
therapists) a client sign-in for their first member, opens online booking for them, assigns each a
reading, and writes what the Locust users need (emails, the shared password and TOTP secret, the
units each therapist may open, the assignments) to a JSON file that lives in the run's scratch folder.

`--reminders-per-minute R` paces the reminders `seed_scale` leaves due at once (10,000 at M): the
first is due now and one more every 60/R seconds after it, so the worker sends a steady stream
during the measured levels, as on a working day. 0 leaves them all due at once: the catch-up after
an outage, which the worker then sends on the same cores as the pages.
"""

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--portal-users", type=int, default=30)
    parser.add_argument("--reminders-per-minute", type=int, default=0)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "practice.settings.local")
    import django

    django.setup()
    accounts = prepare(args.portal_users)
    Path(args.out).write_text(json.dumps(accounts, indent=1))
    print(f"loadtest: {len(accounts['therapists'])} therapists, {len(accounts['clients'])} portal clients")
    if args.reminders_per_minute > 0:
        paced = pace_reminders(args.reminders_per_minute)
        print(f"loadtest: {paced} due reminders paced at {args.reminders_per_minute} a minute")
    return 0


def prepare(portal_users: int) -> dict:
    from django.db import transaction

    from clients.models import Client, Member
    from devdata import scale
    from practice.models import Therapist, User
    from resources.models import Assignment, Resource

    with transaction.atomic():
        therapists = list(Therapist.objects.select_related("user").filter(user__email__endswith=scale.DOMAIN))
        therapists.sort(key=lambda t: t.pk)
        reading, _ = Resource.objects.get_or_create(
            title="Sensate focus: an introduction",
            defaults={
                "kind": Resource.Kind.READING,
                "summary": "What the exercise is for and how the stages go.",
                "instructions": "Read it before the next session.",
                "created_by": therapists[0].user,
            },
        )
        clients = []
        individual = {
            t.pk: list(
                Client.objects.filter(primary_therapist=t, kind=Client.Kind.INDIVIDUAL)
                .order_by("pk")
                .values_list("pk", flat=True)[:portal_users]
            )
            for t in therapists
        }
        for i in range(portal_users):
            therapist = therapists[i % len(therapists)]
            # Individual units (a couple's member books a joint session for both, which the
            # couples' own tests cover): seed_scale makes every third unit a couple.
            mine = individual[therapist.pk]
            if i // len(therapists) >= len(mine):
                break  # a small size has fewer units than portal users
            unit = Client.objects.get(pk=mine[i // len(therapists)])
            member = Member.objects.filter(client=unit).order_by("position").first()
            email = f"loadclient-{i}@{scale.DOMAIN}"
            user = scale._user(email, User.Role.CLIENT, "Load", f"Client {i}", totp=False)
            if member.user_id != user.pk:
                Member.objects.filter(user=user).update(user=None)
                member.user = user
                member.save(update_fields=["user"])
            Client.objects.filter(pk=unit.pk).update(self_booking=True)
            assignment, _ = Assignment.objects.get_or_create(
                resource=reading, client=unit, defaults={"created_by": therapist, "note": "Take your time."}
            )
            clients.append({"email": email, "client": unit.pk, "assignment": assignment.pk})
        mine = {}
        for therapist in therapists:
            mine[therapist.user.email] = list(
                Client.objects.filter(primary_therapist=therapist).order_by("pk").values_list("pk", flat=True)[:200]
            )
    return {
        "password": scale.PASSWORD,
        "totp_secret": scale.TOTP_SECRET,
        "therapists": [{"email": t.user.email, "clients": mine[t.user.email]} for t in therapists],
        "staff": [f"staff@{scale.DOMAIN}"],
        "clients": clients,
    }


def pace_reminders(per_minute: int, *, now=None) -> int:
    """The pending reminders due by `now`, oldest first, re-timed one every 60/`per_minute` seconds
    from `now`. Returns how many."""
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from outbox.models import Notification

    now = now or timezone.now()
    step = timedelta(seconds=60 / per_minute)
    with transaction.atomic():
        rows = list(
            Notification.objects.select_for_update()
            .filter(status=Notification.Status.PENDING, send_at__lte=now)
            .order_by("send_at", "pk")
            .only("pk", "send_at")
        )
        for i, row in enumerate(rows):
            row.send_at = now + i * step
        Notification.objects.bulk_update(rows, ["send_at"], batch_size=1000)
    return len(rows)


if __name__ == "__main__":
    sys.exit(main())
