"""After the load: check the database and the mail sink, and write the results (run by bin/loadtest).

    python -m bench.loadtest.check --started ISO --ids ids.txt --stats DIR --size M --duration 60 --levels 10,50,100

Checks, on the load test's database (local settings, its DATABASE_URL):

- no double booking: no two live sessions of a therapist overlap, no member attends two live
  sessions at once (a running maximum of the earlier ends, per therapist and per member);
- no half-saved row: every session has an attendance, every attendance's `live` copy agrees with
  its session's status, every note and referral made during the run has its audit row;
- every reminder at most once: no `X-Notification-ID` twice in what the SMTP sink received, every
  one of them a row marked sent, no row left "sending".

Then it rewrites the section between the load-test markers of docs/benchmarks.md with the
Locust figures (requests/s, p50/p95/p99 per page, errors) per number of users, and the checks.
Exit status 1 when a check fails.
"""

import argparse
import csv
import json
import os
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- loadtest:start -->", "<!-- loadtest:end -->"
GOAL_USERS, GOAL_P95 = 50, 150

OVERLAPS = """
SELECT count(*) FROM (
    SELECT {start}, max({end}) OVER (
        PARTITION BY {key} ORDER BY {start}, id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
    ) AS previous_end
    FROM {table} WHERE {where}
) AS ordered WHERE previous_end > {start}
"""


def checks(started: datetime, ids_path: Path) -> list[tuple[str, int, int]]:
    """(what, found, allowed) for every check."""
    from django.db import connection

    from clients.models import Note
    from outbox.models import Notification
    from practice.models import AuditEvent
    from referrals.models import Referral
    from sessions_app.models import Appointment, Attendance

    live = tuple(str(s) for s in Appointment.LIVE_STATUSES)
    appointments, attendances = Appointment._meta.db_table, Attendance._meta.db_table
    results = []
    with connection.cursor() as cursor:
        cursor.execute(
            OVERLAPS.format(start="start", end='"end"', key="therapist_id", table=appointments, where="status IN %s"),
            [live],
        )
        results.append(("therapist double-booked (overlapping live sessions)", cursor.fetchone()[0], 0))
        cursor.execute(
            OVERLAPS.format(start="start", end='"end"', key="member_id", table=attendances, where="live"), []
        )
        results.append(("member in two live sessions at once", cursor.fetchone()[0], 0))
    results.append(("session without an attendance", Appointment.objects.filter(attendances__isnull=True).count(), 0))
    results.append(
        (
            "attendance whose live flag disagrees with its session",
            Attendance.objects.filter(live=True).exclude(appointment__status__in=live).count()
            + Attendance.objects.filter(live=False, appointment__status__in=live).count(),
            0,
        )
    )
    for model, label in ((Note, "note"), (Referral, "referral")):
        made = model.objects.filter(created_at__gte=started)
        target = f"{model._meta.app_label}.{model._meta.model_name}"
        audited = set(
            AuditEvent.objects.filter(target_type=target, at__gte=started).values_list("target_id", flat=True)
        )
        missing = sum(1 for pk in made.values_list("pk", flat=True) if str(pk) not in audited)
        results.append((f"{label} saved during the run without its audit row ({made.count()} saved)", missing, 0))
    received = [line.strip() for line in ids_path.read_text().splitlines() if line.strip()]
    counts = Counter(received)
    results.append(
        (
            f"message received twice by the mail sink ({len(received)} received)",
            sum(1 for c in counts.values() if c > 1),
            0,
        )
    )
    ids = [int(i) for i in counts if i.isdigit()]
    sent = set(Notification.objects.filter(pk__in=ids, status=Notification.Status.SENT).values_list("pk", flat=True))
    results.append(("message received but not marked sent", len(set(ids) - sent), 0))
    results.append(
        ("message left 'sending'", Notification.objects.filter(status=Notification.Status.SENDING).count(), 0)
    )
    return results


def read_stats(path: Path) -> list[dict]:
    with path.open() as handle:
        return list(csv.DictReader(handle))


def _ms(value: str) -> str:
    try:
        return f"{float(value):,.0f}"
    except ValueError:
        return value


def level_table(users: int, rows: list[dict], duration: int) -> tuple[list[str], bool]:
    lines = [
        f"**{users} users**, {duration} s",
        "",
        "| page | requests | req/s | p50 ms | p95 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    ok = True
    for row in rows:
        name = row["Name"]
        errors = int(row["Failure Count"])
        total = name == "Aggregated"
        if users == GOAL_USERS and not total and not name.startswith("sign-in"):
            ok = ok and errors == 0 and float(row["95%"] or 0) < GOAL_P95
        label = "**all**" if total else name
        lines.append(
            f"| {label} | {row['Request Count']} | {float(row['Requests/s']):.1f} | {_ms(row['50%'])} |"
            f" {_ms(row['95%'])} | {_ms(row['99%'])} | {errors} |"
        )
    return [*lines, ""], ok


PARTS = {"web": "web (gunicorn)", "database": "PostgreSQL", "worker": "Celery worker", "beat": "beat", "redis": "Redis"}


def cpu_lines(path: Path) -> list[str]:
    """Where the cores went during the level (bench/loadtest/cpu.py), in cores busy on average."""
    if not path.exists():
        return []
    usage = json.loads(path.read_text())
    wall = usage["wall"] or 1
    parts = [(PARTS.get(name, name), seconds) for name, seconds in usage["parts"].items()]
    parts.append(("Locust (the load generator)", usage["load generator"]))
    idle = usage["cores"] * wall - sum(seconds for _name, seconds in parts)
    words = ", ".join(f"{name} {seconds / wall:.2f}" for name, seconds in parts)
    return [
        f"CPU over the level's {wall:.0f} s, in cores busy of {usage['cores']}: {words};"
        f" the rest (idle, other processes) {max(idle, 0) / wall:.2f}.",
        "",
    ]


def write_doc(section: list[str]) -> None:
    text = DOC.read_text()
    body = "\n".join([START, *section, END])
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + body + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n## Load test over HTTP\n\n" + body + "\n"
    DOC.write_text(text)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--started", required=True)
    parser.add_argument("--ids", required=True)
    parser.add_argument("--stats", required=True, help="folder with users-N_stats.csv per level")
    parser.add_argument("--size", required=True)
    parser.add_argument("--duration", type=int, required=True)
    parser.add_argument("--levels", required=True)
    parser.add_argument("--machine", default="")
    parser.add_argument("--no-doc", action="store_true")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "practice.settings.local")
    import django

    django.setup()
    started = datetime.fromisoformat(args.started)
    results = checks(started, Path(args.ids))
    section = [
        "",
        f"Size {args.size}; {args.machine}".rstrip("; "),
        f"Run of {datetime.now().astimezone():%Y-%m-%d %H:%M %Z} by `make loadtest` (`bin/loadtest`).",
        "",
    ]
    goal = None
    for users in [int(u) for u in args.levels.split(",")]:
        path = Path(args.stats) / f"users-{users}_stats.csv"
        if not path.exists():
            section += [f"**{users} users**: no result (the run stopped before this level).", ""]
            continue
        lines, ok = level_table(users, read_stats(path), args.duration)
        section += lines + cpu_lines(Path(args.stats) / f"users-{users}_cpu.json")
        if users == GOAL_USERS:
            goal = ok
    if goal is not None:
        verdict = "met" if goal else "**missed**"
        section += [f"Goal at {GOAL_USERS} users (p95 < {GOAL_P95} ms on every page, 0 errors): {verdict}.", ""]
    section += ["Checks on the database and the mail sink afterwards:", "", "| check | found | |", "|---|---:|---|"]
    failed = False
    for what, found, allowed in results:
        passed = found <= allowed
        failed = failed or not passed
        section.append(f"| {what} | {found} | {'pass' if passed else '**FAIL**'} |")
    section.append("")
    print("\n".join(section))
    if not args.no_doc:
        write_doc(section)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
