"""The benchmark suite: floors and cases on one database, medians of shuffled rounds.

    python -m bench.run --database sqlite  [--size S] [--rounds 30]
    python -m bench.run --database postgres --pg-url postgres://postgres@127.0.0.1:PORT/postgres

`make bench` (bin/bench) runs both, one process per database, against a throwaway PostgreSQL.
Each run makes a fresh database (var/bench/bench-SIZE.sqlite3, or `practice_bench` on the given
server), migrates, loads `seed_scale --size SIZE` (S by default; M takes minutes), then:

- warms every case up once and counts its queries there (not in the timed rounds, so the capture
  costs nothing in the timings);
- runs `--rounds` rounds, each over every case in a new shuffled order, and keeps the medians.

Views go through Django's test Client in-process (signed in with force_login); availability and
booking are service calls, compared with a floor that is also a call. A booking is rolled back
after each round so rounds stay independent. Results: a table on stdout and bench/results.json
(one key per database; the other database's results are kept).

`--reuse` measures again on the database an earlier run left (the same size, and `--history` if it
had it): no drop, no load. L with history takes more than half an hour to load here; its rounds
take minutes. The rounds add a few rows each (referrals, audit rows), nothing a page counts.
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections import Counter
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from celery import shared_task

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"

# case: (floor it is compared with, max queries or None, max ratio or None)
BUDGETS = {
    "dashboard": ("signed-in page", None, 3.0),
    "client list": ("signed-in page", None, None),
    "client page": ("signed-in page", None, None),
    "calendar week": ("signed-in page", None, None),
    "staff calendar (day of everyone)": ("signed-in page", None, None),
    "staff calendar (week of everyone)": ("signed-in page", None, None),
    "staff calendar (month of everyone)": ("signed-in page", None, None),
    "portal home": ("signed-in page", None, None),
    "portal booking page": ("signed-in page", None, 3.0),
    "outbox page": ("signed-in page", None, None),
    "admin audit list": ("signed-in page", None, None),
    "audit write": ("one-query call", None, None),
    "availability, one therapist, week": ("one-query call", 4, 5.0),
    "availability, all therapists, week": ("one-query call", 4, 5.0),
    "booking (rolled back)": ("one-query call", 10, None),
    "referral form": ("one-query view", None, None),
    "referral submission": ("one-query view", None, 4.0),
}
FLOORS = ["plain view", "one-query view", "signed-in view", "signed-in page", "one-query call"]
# Pages are also shown against the signed-in page floor: the shared layout (base.html) rendered for
# a signed-in therapist, which every real page pays and the bare signed-in view does not.
PAGES = [
    "dashboard",
    "client list",
    "client page",
    "calendar week",
    "staff calendar (day of everyone)",
    "staff calendar (week of everyone)",
    "staff calendar (month of everyone)",
    "portal home",
    "portal booking page",
    "outbox page",
    "admin audit list",
]
# Transaction bookkeeping, not reads or writes (the booking round's own BEGIN and ROLLBACK included), as
# tests/sessions_app/test_booking_queries.py counts them.
NOT_QUERIES = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN", "ROLLBACK")
REMINDERS_RATIO = 2.0


# The raw-Celery floor's tasks. The worker imports this module with `-I bench.run`.
@shared_task(ignore_result=True)
def noop(number: int) -> None:
    return None


@shared_task(ignore_result=True)
def marker(redis_url: str, token: str) -> None:
    """Queued after the no-ops: a solo worker runs tasks in order, so when this runs all ran."""
    import redis

    redis.Redis.from_url(redis_url).set(f"bench:{token}", 1)


def prepare_database(database: str, size: str, pg_url: str, *, reuse: bool = False) -> None:
    """Point DATABASE_URL at a fresh, empty database before Django starts (or, with `reuse`, at the
    one an earlier run left, made empty if there is none)."""
    if database == "sqlite":
        folder = ROOT / "var" / "bench"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"bench-{size}.sqlite3"
        for suffix in ("", "-wal", "-shm") if not reuse else ():
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
        return
    import psycopg2

    if not pg_url:
        sys.exit("bench: --pg-url (or BENCH_PG_URL) is needed for --database postgres")
    connection = psycopg2.connect(pg_url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = 'practice_bench'")
        exists = cursor.fetchone() is not None
        if not (reuse and exists):
            cursor.execute("DROP DATABASE IF EXISTS practice_bench")
            cursor.execute("CREATE DATABASE practice_bench")
    connection.close()
    os.environ["DATABASE_URL"] = pg_url.rsplit("/", 1)[0] + "/practice_bench"


def build_cases():
    """The floors and cases as zero-argument callables, after the data is loaded."""
    from django.db import transaction
    from django.test import Client as Browser
    from django.utils import timezone

    from clients.models import Client, Member
    from devdata import scale
    from practice.audit import audit_record
    from practice.models import AuditAction, Therapist, User
    from sessions_app import selectors as slots
    from sessions_app import services as booking
    from sessions_app.models import Appointment, Modality

    therapists = list(Therapist.objects.select_related("user").order_by("pk"))
    therapist = therapists[0]
    unit = Client.objects.filter(primary_therapist=therapist).order_by("pk").first()
    members = list(unit.members.all())
    reference = unit.reference
    staff = User.objects.get(email=f"staff@{scale.DOMAIN}")

    anonymous, signed_in = Browser(), Browser()
    signed_in.force_login(therapist.user)
    staff_browser = Browser()
    staff_browser.force_login(staff)
    # The portal client seed_scale links to a member; online booking open for the booking page.
    portal_member = Member.objects.select_related("client", "user").get(
        user=User.objects.by_address(f"client@{scale.DOMAIN}").get()
    )
    Client.objects.filter(pk=portal_member.client_id).update(self_booking=True)
    portal = Browser()
    portal.force_login(portal_member.user)
    # An admin (superuser, with a second factor, as the admin requires) for the audit list.
    admin_user = scale._user(f"admin@{scale.DOMAIN}", User.Role.STAFF, "Admin", "Scale", totp=True)
    User.objects.filter(pk=admin_user.pk).update(is_staff=True, is_superuser=True)
    admin = Browser()
    admin.force_login(User.objects.get(pk=admin_user.pk))

    today = timezone.localdate()
    monday = today + timedelta(days=7 - today.weekday())  # next week: some sessions booked, some free
    sunday = monday + timedelta(days=6)
    free = slots.free_slots(
        therapist=therapist, first_day=monday + timedelta(days=7), last_day=sunday + timedelta(days=7), for_client=False
    )
    assert free, "no free slot to book in the week after next"
    book_at = free[len(free) // 2].start

    def get(browser, url, expect=200):
        def run():
            response = browser.get(url)
            assert response.status_code == expect, (url, response.status_code)

        return run

    def one_query_call():
        Client.objects.filter(reference=reference).values_list("pk", flat=True).first()

    def audit_write():
        audit_record(actor=therapist.user, action=AuditAction.VIEW, target=unit)

    def availability_one():
        slots.free_slots(therapist=therapist, first_day=monday, last_day=sunday, modality=Modality.VIDEO)

    def availability_all():
        slots.free_slots_many(therapists=therapists, first_day=monday, last_day=sunday, modality=Modality.VIDEO)

    def book():
        with transaction.atomic():
            booking.appointment_book(
                therapist=therapist,
                client=unit,
                members=members,
                start=book_at,
                by=therapist.user,
                modality=Modality.VIDEO,
            )
            transaction.set_rollback(True)

    referral = {
        "referrer_kind": "physician",
        "referrer_speciality": "Urology",
        "referrer_name": "Dr Ada Stone",
        "referrer_organisation": "Quay Clinic",
        "referrer_email": "ada.stone@clinic.example",
        "referrer_phone": "+44 20 7946 0000",
        "kind": "individual",
        "first_name": "Zebedee",
        "last_name": "Quarrington",
        "email": "zebedee.q@example.net",
        "phone": "+44 7700 900777",
        "reason": "Erectile difficulty after surgery.",
        "preferred_contact": "phone",
        "urgency": "routine",
        "consent": "on",
    }

    def refer():
        response = anonymous.post("/refer/", referral)
        assert response.status_code == 302, response.status_code

    cases = {
        "plain view": get(anonymous, "/bench/plain/"),
        "one-query view": get(anonymous, f"/bench/one-query/?ref={reference}"),
        "signed-in view": get(signed_in, "/bench/signed-in/"),
        "signed-in page": get(signed_in, "/bench/signed-in-page/"),
        "one-query call": one_query_call,
        "dashboard": get(signed_in, "/dashboard/"),
        "client list": get(signed_in, "/clients/"),
        "client page": get(signed_in, f"/clients/{unit.pk}/"),
        "calendar week": get(signed_in, "/schedule/?view=week"),
        "staff calendar (day of everyone)": get(staff_browser, "/schedule/"),
        "staff calendar (week of everyone)": get(staff_browser, "/schedule/?view=week"),
        "staff calendar (month of everyone)": get(staff_browser, "/schedule/?view=month"),
        "portal home": get(portal, "/portal/"),
        "portal booking page": get(portal, "/portal/book/"),
        "outbox page": get(staff_browser, "/outbox/"),
        "admin audit list": get(admin, "/admin/practice/auditevent/"),
        "audit write": audit_write,
        "availability, one therapist, week": availability_one,
        "availability, all therapists, week": availability_all,
        "booking (rolled back)": book,
        "referral form": get(anonymous, "/refer/"),
        "referral submission": refer,
    }
    before = Appointment.objects.count()
    return cases, {"therapists": len(therapists), "appointments": before, "staff_browser": staff_browser}


def count_queries(run) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        run()
    return sum(1 for q in captured.captured_queries if not q["sql"].startswith(NOT_QUERIES))


def measure(cases: dict, rounds: int, seed: int = 10) -> tuple[dict, dict]:
    queries = {name: count_queries(run) for name, run in cases.items()}  # also the warm-up
    timings = {name: [] for name in cases}
    order = list(cases)
    shuffle = random.Random(seed)  # noqa: S311  (the order of rounds, not a secret)
    for _ in range(rounds):
        shuffle.shuffle(order)
        for name in order:
            started = time.perf_counter()
            cases[name]()
            timings[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in timings.items()}, queries


def report(database: str, size: str, medians: dict, queries: dict, extra: dict) -> dict:
    rows = {}
    for name in [*FLOORS, *BUDGETS]:
        floor, max_queries, max_ratio = BUDGETS.get(name, (None, None, None))
        ratio = medians[name] / medians[floor] if floor else None
        verdicts = []
        if max_queries is not None:
            verdicts.append(queries[name] <= max_queries)
        if max_ratio is not None:
            verdicts.append(ratio <= max_ratio)
        page_ratio = medians[name] / medians["signed-in page"] if name in PAGES else None
        rows[name] = {
            "median_seconds": round(medians[name], 6),
            "floor": floor,
            "ratio_to_floor": round(ratio, 2) if ratio is not None else None,
            "queries": queries[name],
            "ratio_to_page_floor": round(page_ratio, 2) if page_ratio is not None else None,
            "budget": _budget_text(max_queries, max_ratio, floor),
            "pass": all(verdicts) if verdicts else None,
        }
    print(
        f"\n{database} · size {size} · {extra['therapists']} therapists · {extra['appointments']:,} appointments "
        f"· {extra['rounds']} rounds · load {extra['seed_seconds']:.1f} s"
    )
    print(f"{'case':<38} {'median ms':>10} {'x floor':>8} {'x page':>8} {'queries':>8}  budget")
    for name, row in rows.items():
        ratio = f"{row['ratio_to_floor']:.2f}" if row["ratio_to_floor"] is not None else "-"
        page = f"{row['ratio_to_page_floor']:.2f}" if row["ratio_to_page_floor"] is not None else "-"
        verdict = {True: "pass", False: "FAIL", None: ""}[row["pass"]]
        budget = f"{row['budget']} {verdict}".strip()
        print(f"{name:<38} {row['median_seconds'] * 1000:>10.2f} {ratio:>8} {page:>8} {row['queries']:>8}  {budget}")
    return rows


def _budget_text(max_queries, max_ratio, floor) -> str:
    parts = []
    if max_queries is not None:
        parts.append(f"<= {max_queries} queries")
    if max_ratio is not None:
        parts.append(f"<= {max_ratio:g}x {floor}")
    return ", ".join(parts)


def _reset_pools(app) -> None:
    """Forget pooled broker connections (as tests/practice/test_outbox_worker.py does)."""
    from kombu import pools

    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    pools.reset()


def _wait(condition, timeout: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


SENDERS = {
    # The provider stand-in: records each message's id (one line), builds no MIME.
    "stub": "bench.mail.CountingBackend",
    # Django's file backend: the whole MIME message serialised to a file, as an SMTP send would.
    "file": "tests.testapp.email.SlowFileBackend",
}


def reminders(database: str, count: int) -> dict | None:
    """`count` due reminders through a real worker, for each sender, next to `count` no-op tasks.

    One round each (10,000 messages take seconds); the worker is one `--pool solo` process, as in
    the outbox tests. Checked from what the sender recorded: no message twice, none missing.
    """
    import redis

    from bench.run import marker, noop  # not __main__'s copies: the worker knows them as bench.run.*
    from practice.celery import app

    redis_base = os.environ.get("TEST_REDIS_URL", "")
    if not redis_base:
        print("reminders: skipped (no TEST_REDIS_URL; bin/bench starts a Redis)")
        return None
    broker = redis_base.rsplit("/", 1)[0] + ("/1" if database == "sqlite" else "/2")
    redis.Redis.from_url(broker).flushdb()
    app.conf.broker_url = broker
    app.conf.task_always_eager = False
    _reset_pools(app)
    store = redis.Redis.from_url(broker)
    result = {}
    try:
        with _worker(database, broker, "stub"):
            started = time.perf_counter()
            for number in range(count):
                noop.delay(number)
            marker.delay(broker, "drained")
            assert _wait(lambda: store.get("bench:drained"), 600, step=0.01), "no-op tasks not drained"
            raw = time.perf_counter() - started
            print(f"{'raw Celery: ' + str(count) + ' no-op tasks':<38} {raw * 1000:>10.0f}")
            result["raw_celery_seconds"] = round(raw, 3)
            result["stub"] = _deliver_reminders(database, count, raw, "stub")
        with _worker(database, broker, "file"):
            result["file"] = _deliver_reminders(database, count, raw, "file")
    finally:
        app.conf.task_always_eager = True
    return result | {"pass": result["stub"]["pass"]}  # the budget's sender; the file sender is for comparison


@contextmanager
def _worker(database: str, broker: str, sender: str):
    import redis

    from bench.run import marker

    mail = _mail_folder(database, sender)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "CELERY_BROKER_URL": broker,
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "TEST_EMAIL_FILE_PATH": str(mail),
        "TEST_EMAIL_DELAY_SECONDS": "0",
        "PYTHONPATH": str(ROOT),
        "BENCH_EMAIL_BACKEND": SENDERS[sender],
    }
    cmd = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "practice",
        "worker",
        "--pool",
        "solo",
        "-l",
        "warning",
        "-I",
        "bench.run",
    ]
    worker = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    try:
        token = f"ready-{sender}"
        marker.delay(broker, token)
        if not _wait(lambda: redis.Redis.from_url(broker).get(f"bench:{token}"), 120):
            raise RuntimeError("reminders: the worker did not start")
        yield worker
    finally:
        worker.terminate()
        worker.wait(timeout=60)


def _mail_folder(database: str, sender: str) -> Path:
    mail = ROOT / "var" / "bench" / f"mail-{database}-{sender}"
    mail.mkdir(parents=True, exist_ok=True)
    for old in mail.iterdir():
        old.unlink()
    return mail


def _deliver_reminders(database: str, count: int, raw: float, sender: str) -> dict:
    """Top the due reminders up to `count`, dispatch them all, wait until none is queued or sending."""
    from devdata import scale
    from outbox import services as outbox
    from outbox.models import Notification

    due = Notification.objects.filter(status="pending", send_at__lte=time_now())
    missing = count - due.count()
    if missing > 0:
        scale.add_outbox(missing, due=missing, rng=random.Random(3), now=time_now())  # noqa: S311
    started = time.perf_counter()
    ids = outbox.notifications_dispatch(batch=count)
    # Nothing else is queued (no beat here), so "none queued or sending" is "all handled"; polled
    # through the status index, not a 10,000-id list, to keep the watcher off the worker's CPU.
    waiting = Notification.objects.filter(status__in=["queued", "sending"])
    assert _wait(lambda: not waiting.exists(), 1800, step=0.05), "reminders not all delivered"
    elapsed = time.perf_counter() - started
    mail = ROOT / "var" / "bench" / f"mail-{database}-{sender}"
    sent = Counter(
        int(line.split(":", 1)[1])
        for path in mail.iterdir()
        for line in path.read_text().splitlines()
        if line.startswith("X-Notification-ID:")
    )
    statuses = Counter(Notification.objects.filter(pk__in=ids).values_list("status", flat=True))
    duplicates = sum(1 for n in sent.values() if n > 1)
    missed = len(set(ids) - set(sent))
    ratio = elapsed / raw
    budgeted = sender == "stub"
    budget = f"<= {REMINDERS_RATIO:g}x raw Celery, 0 duplicates, 0 missed" if budgeted else "0 duplicates, 0 missed"
    row = {
        "sender": SENDERS[sender],
        "count": len(ids),
        "seconds": round(elapsed, 3),
        "ratio_to_raw": round(ratio, 2),
        "duplicates": duplicates,
        "missed": missed,
        "statuses": dict(statuses),
        "budget": budget,
        "pass": (ratio <= REMINDERS_RATIO or not budgeted) and duplicates == 0 and missed == 0,
    }
    verdict = "pass" if row["pass"] else "FAIL"
    name = f"{len(ids)} due reminders, {sender} sender"
    print(
        f"{name:<38} {elapsed * 1000:>10.0f} {ratio:>8.2f} {'':>8}  {budget} {verdict} "
        f"(duplicates {duplicates}, missed {missed}, {dict(statuses)})"
    )
    return row


HISTORY_AUDIT, HISTORY_OUTBOX = 10_000_000, 1_000_000


def _check_reused(size: str, history: bool) -> None:
    """The kept database holds what this run's arguments describe, or the run stops and says so."""
    from clients.models import Client
    from devdata import scale
    from practice.models import AuditEvent, Therapist

    spec = scale.SIZES[size]
    therapists = Therapist.objects.filter(user__email__endswith="@" + scale.DOMAIN).count()
    units = Client.objects.count()
    if therapists != spec.therapists or abs(units - spec.units) > spec.units // 10:
        sys.exit(f"bench: --reuse: the kept database has {therapists} therapists and {units} units, not size {size}")
    has_history = AuditEvent.objects.filter(pk__gte=HISTORY_AUDIT).exists()
    if has_history != history:
        found = "has" if has_history else "lacks"
        sys.exit(f"bench: --reuse: the kept database {found} the history; pass the same --history")
    print(f"reusing the loaded size {size}{' with its history' if history else ''}")


def time_now():
    from django.utils import timezone

    return timezone.now()


def machine_speed() -> float:
    """Seconds for ten million additions in pure Python, the median of three: how fast this machine is
    right now. A shared VM's speed changes by the hour; figures are only compared on the same footing."""
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for number in range(10_000_000):
            total += number
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--size", default=os.environ.get("BENCH_SIZE", "S"), choices=["XS", "S", "M", "L"])
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", "30")))
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", ""))
    parser.add_argument(
        "--reminders",
        type=int,
        default=int(os.environ.get("BENCH_REMINDERS", "10000")),
        help="due reminders to dispatch through a real worker (0: skip)",
    )
    parser.add_argument(
        "--history",
        action="store_true",
        default=os.environ.get("BENCH_HISTORY", "") == "1",
        help="also load years of growth: 10 million audit rows and 1 million sent messages (seed_scale --history)",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure on the database an earlier run of this size loaded (no drop, no load)",
    )
    args = parser.parse_args(argv)

    prepare_database(args.database, args.size, args.pg_url, reuse=args.reuse)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()
    from django.core.management import call_command

    from devdata import scale

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    if args.reuse and scale.has_scale_data():
        _check_reused(args.size, args.history)
    else:
        scale.seed(args.size)
        if args.history:
            scale.add_history(audit=HISTORY_AUDIT, outbox=HISTORY_OUTBOX, log=print)
    seed_seconds = time.perf_counter() - started
    speed = machine_speed()
    print(f"machine: a fixed pure-Python loop takes {speed:.2f} s (compare runs on the same footing)")
    cases, extra = build_cases()
    medians, queries = measure(cases, args.rounds)
    extra |= {"rounds": args.rounds, "seed_seconds": seed_seconds}
    rows = report(args.database, args.size, medians, queries, extra)
    reminder_row = reminders(args.database, args.reminders) if args.reminders else None

    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results[f"{args.database}-{args.size}{'-history' if args.history else ''}"] = {
        "size": args.size,
        "history": args.history,
        "machine_loop_seconds": round(speed, 3),
        "rounds": args.rounds,
        "seed_seconds": round(seed_seconds, 2),
        "therapists": extra["therapists"],
        "appointments": extra["appointments"],
        "cpus": os.cpu_count(),
        "cases": rows,
        "reminders": reminder_row,
    }
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    failed = [name for name, row in rows.items() if row["pass"] is False]
    if reminder_row and not reminder_row["pass"]:
        failed.append("reminders")
    print(f"budgets missed: {', '.join(failed) if failed else 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
