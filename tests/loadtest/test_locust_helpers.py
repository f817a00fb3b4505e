"""The load test's own helpers (bench/loadtest/helpers.py, check.py): its TOTP codes are the ones
allauth accepts, and the report reads Locust's CSV and judges the goal. The load test itself runs
with `make loadtest`."""

import csv

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

from devdata import scale


@pytest.fixture
def locustfile():
    from bench.loadtest import helpers

    return helpers


@pytest.mark.parametrize("at", [0, 59, 1_764_000_000, 1_764_000_029, 1_764_000_030])
def test_totp_matches_allauth(locustfile, at):
    assert locustfile.totp(scale.TOTP_SECRET, at) == format_hotp_value(hotp_value(scale.TOTP_SECRET, at // 30))


def test_csrf_token_is_read_from_the_form(locustfile):
    html = '<form><input type="hidden" name="csrfmiddlewaretoken" value="abc123"></form>'
    assert locustfile.csrf(html) == "abc123"
    assert locustfile.csrf("<p>no form</p>") == ""


def _stats(path, rows):
    fields = ["Type", "Name", "Request Count", "Failure Count", "Requests/s", "50%", "95%", "99%"]
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        for row in rows:
            writer.writerow(dict(zip(fields, row, strict=True)))
    return path


def test_goal_is_judged_per_page_at_fifty_users(tmp_path):
    from bench.loadtest.check import level_table, read_stats

    fast = [
        ("GET", "therapist: dashboard", 100, 0, 5.0, 40, 120, 200),
        ("GET", "sign-in: password", 5, 0, 1, 900, 2000, 2000),
    ]
    lines, ok = level_table(50, read_stats(_stats(tmp_path / "a.csv", fast)), 60)
    assert ok, "sign-in is not a page of the goal"
    assert "| therapist: dashboard | 100 | 5.0 | 40 | 120 | 200 | 0 |" in lines

    slow = [("GET", "therapist: dashboard", 100, 0, 5.0, 40, 151, 200)]
    assert not level_table(50, read_stats(_stats(tmp_path / "b.csv", slow)), 60)[1]
    failing = [("GET", "client: book", 100, 1, 5.0, 40, 100, 120)]
    assert not level_table(50, read_stats(_stats(tmp_path / "c.csv", failing)), 60)[1]


def test_doc_section_is_rewritten_in_place(tmp_path, monkeypatch):
    from bench.loadtest import check

    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\nintro\n")
    monkeypatch.setattr(check, "DOC", doc)
    check.write_doc(["first"])
    check.write_doc(["second"])
    text = doc.read_text()
    assert text.count(check.START) == 1 and "second" in text and "first" not in text
    assert text.startswith("# Benchmarks\n\nintro\n")


BUSY = "import time\nend = time.process_time() + {seconds}\nwhile time.process_time() < end: pass\n"


def test_the_cpu_of_each_part_and_of_the_load_generator_is_counted(tmp_path):
    """bench/loadtest/cpu.py: a part's descendants count (a gunicorn worker, a PostgreSQL backend),
    one that exits meanwhile too; an idle part counts nothing; the command is the load generator."""
    import json
    import subprocess
    import sys

    from bench.loadtest import cpu

    # A parent that starts a busy child, waits for it, then idles.
    # A child this process ran and reaped before: not the load generator's time.
    subprocess.run([sys.executable, "-c", BUSY.format(seconds=1.0)], check=True)  # noqa: S603
    busy_tree = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-c",
            "import subprocess, sys, time\n"
            f"subprocess.call([sys.executable, '-c', {BUSY.format(seconds=1.0)!r}])\ntime.sleep(30)",
        ]
    )
    idle = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        out = tmp_path / "cpu.json"
        command = [sys.executable, "-c", BUSY.format(seconds=0.5) + "import time; time.sleep(1.5)"]
        assert cpu.main([str(out), f"busy={busy_tree.pid}", f"idle={idle.pid}", "--", *command]) == 0
        usage = json.loads(out.read_text())
    finally:
        busy_tree.kill()
        idle.kill()
    assert usage["parts"]["busy"] >= 0.5  # most of its child's second fell inside the window
    assert usage["parts"]["idle"] < 0.1
    assert 0.5 <= usage["load generator"] < 1.5
    assert usage["wall"] >= 2.0 and usage["cores"] >= 1


def test_the_report_says_where_the_cores_went(tmp_path):
    import json

    from bench.loadtest import check

    path = tmp_path / "users-50_cpu.json"
    parts = {"web": 80.0, "database": 15.0, "worker": 6.0, "beat": 0.0, "redis": 0.6}
    path.write_text(json.dumps({"wall": 60.0, "parts": parts, "load generator": 12.0, "cores": 2}))
    line = check.cpu_lines(path)[0]
    assert "web (gunicorn) 1.33" in line and "PostgreSQL 0.25" in line and "Locust (the load generator) 0.20" in line
    assert "the rest (idle, other processes) 0.11" in line
    assert check.cpu_lines(tmp_path / "missing.json") == []


@pytest.mark.django_db
def test_the_seeds_due_reminders_are_paced_into_a_steady_stream():
    """bench.loadtest.prepare --reminders-per-minute: the reminders due at once are re-timed one
    every 60/R seconds from now, oldest first; sent and future rows are left alone."""
    from datetime import timedelta

    from django.utils import timezone

    from bench.loadtest.prepare import pace_reminders
    from outbox import services as outbox
    from outbox.models import Notification
    from tests.factories import ClientFactory

    member = ClientFactory().members.get()
    now = timezone.now()

    def enqueue(key, send_at):
        return outbox.notification_enqueue(kind="test_message", key=key, target=member, member=member, send_at=send_at)

    due = [enqueue(f"due:{i}", now - timedelta(minutes=10 - i)) for i in range(5)]
    later = enqueue("later", now + timedelta(days=1))
    sent = enqueue("sent", now - timedelta(hours=1))
    Notification.objects.filter(pk=sent.pk).update(status=Notification.Status.SENT, sent_at=now)

    assert pace_reminders(30, now=now) == 5
    times = {n.key: n.send_at for n in Notification.objects.all()}
    assert [times[n.key] - now for n in due] == [timedelta(seconds=2 * i) for i in range(5)]
    assert times["later"] == later.send_at
    assert times["sent"] == sent.send_at
    assert pace_reminders(30, now=now - timedelta(seconds=1)) == 0, "nothing is due any more"
