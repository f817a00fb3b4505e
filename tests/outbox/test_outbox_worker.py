"""The outbox with a real Celery worker on the real Redis that `make test` starts.

The worker is a separate process using the test database (committed rows: transactional tests)
and writes its email to files, which the test counts by the X-Notification-ID header.
"""

import base64
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from outbox import services as outbox
from outbox.models import Notification
from practice.celery import app
from tests.factories import ClientFactory

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    return f"postgres://{s['USER']}:{s['PASSWORD'] or ''}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def _reset_pools() -> None:
    """Forget the pooled broker connections (this process shares them), so the next send reconnects."""
    from kombu import pools

    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    pools.reset()


@pytest.fixture
def broker(redis_url, monkeypatch):
    """Point this process's Celery at a Redis database of this test's own (one of 2..15)."""
    import redis

    url = re.sub(r"/\d*$", f"/{2 + uuid.uuid4().int % 14}", redis_url)
    redis.Redis.from_url(url).flushdb()
    monkeypatch.setitem(app.conf, "broker_url", url)
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    _reset_pools()
    yield url
    _reset_pools()
    redis.Redis.from_url(url).flushdb()


@pytest.fixture
def start_worker(broker, tmp_path):
    procs = []

    def start(delay: float = 0.0) -> subprocess.Popen:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "practice.settings.test",
            "CELERY_BROKER_URL": broker,
            "DATABASE_URL": database_url(),
            "TEST_EMAIL_FILE_PATH": str(tmp_path / "mail"),
            "TEST_EMAIL_DELAY_SECONDS": str(delay),
            "PRACTICE_VAR_DIR": str(tmp_path / "var"),
            "TEST_CELERY_ALWAYS_EAGER": "false",  # what the worker queues goes to the broker
        }
        cmd = [sys.executable, "-m", "celery", "-A", "practice", "worker", "--pool", "solo", "-l", "warning"]
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=20)


def sent_ids(tmp_path) -> list[int]:
    folder = tmp_path / "mail"
    text = "".join(p.read_text() for p in folder.glob("*")) if folder.exists() else ""
    return [int(n) for n in re.findall(r"^X-Notification-ID: (\d+)$", text, re.MULTILINE)]


def wait_for(condition, timeout=60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def in_flight_at_the_kill() -> set[int]:
    """The row the killed worker held between `sending` and `sent` (at most one): it stays `sending`."""
    stuck = set(Notification.objects.filter(status="sending").values_list("pk", flat=True))
    assert len(stuck) <= 1
    return stuck


def all_settled_but(stuck: set[int]) -> bool:
    """Every other row sent or failed. Waiting only for nothing queued is not enough: the new worker
    may still hold a row in `sending`, whose email file is written just before it is marked sent."""
    return not Notification.objects.exclude(pk__in=stuck).exclude(status__in=["sent", "failed"]).exists()


def due_messages(count: int) -> list[int]:
    member = ClientFactory().members.get()
    now = timezone.now()
    return [
        outbox.notification_enqueue(
            kind="test_message", key=f"test:{uuid.uuid4().hex}", target=member, member=member, send_at=now
        ).pk
        for _ in range(count)
    ]


@pytest.mark.django_db(transaction=True)
def test_due_messages_are_delivered_exactly_once_by_a_real_worker(start_worker, tmp_path):
    ids = due_messages(6)
    start_worker()
    outbox.notifications_dispatch()
    outbox.notifications_dispatch()  # a second pass at once: nothing is claimed twice
    assert wait_for(lambda: Notification.objects.filter(status="sent").count() == 6)
    assert sorted(sent_ids(tmp_path)) == sorted(ids)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_resumes_without_sending_anything_twice(start_worker, tmp_path, settings):
    due_messages(12)
    worker = start_worker(delay=0.4)
    outbox.notifications_dispatch()
    assert wait_for(lambda: len(sent_ids(tmp_path)) >= 3)
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=20)
    before = set(sent_ids(tmp_path))
    assert 3 <= len(before) < 12
    stuck = in_flight_at_the_kill()

    start_worker()
    settings.NOTIFICATION_REQUEUE_AFTER_SECONDS = 0  # the lost tasks' rows are queued again now
    outbox.notifications_dispatch(now=timezone.now() + timedelta(seconds=1))
    assert wait_for(lambda: all_settled_but(stuck))
    sent = sent_ids(tmp_path)
    assert len(sent) == len(set(sent)), "a message was sent twice"
    assert before <= set(sent)
    statuses = list(Notification.objects.values_list("status", flat=True))
    marked_sent = set(Notification.objects.filter(status="sent").values_list("pk", flat=True))
    assert marked_sent <= set(sent), "a row was marked sent but its email never left"
    # At most one row was between "sending" and "sent" when the worker died. It is never sent again;
    # depending on the instant of the kill its email may or may not have left before it died.
    assert statuses.count("sent") >= 11
    assert statuses.count("sent") <= len(sent) <= statuses.count("sent") + 1


@pytest.mark.django_db(transaction=True)
def test_a_new_worker_sends_a_killed_workers_remaining_messages_within_a_minute(start_worker, tmp_path):
    """No beat, no settings changed: the new worker, once ready, queues again what the dead one
    took, and sends it. The message in flight at the kill is never sent a second time."""
    due_messages(12)
    worker = start_worker(delay=0.4)
    outbox.notifications_dispatch()
    assert wait_for(lambda: len(sent_ids(tmp_path)) >= 3)
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=20)
    before = set(sent_ids(tmp_path))
    assert 3 <= len(before) < 12
    assert Notification.objects.filter(status="queued").exclude(taken_at=None).count() >= 10 - len(before)
    stuck = in_flight_at_the_kill()

    started = time.monotonic()
    start_worker()
    assert wait_for(lambda: all_settled_but(stuck), timeout=90)
    assert time.monotonic() - started < 90
    sent = sent_ids(tmp_path)
    assert len(sent) == len(set(sent)), "a message was sent twice"
    assert before <= set(sent)
    statuses = list(Notification.objects.values_list("status", flat=True))
    marked_sent = set(Notification.objects.filter(status="sent").values_list("pk", flat=True))
    assert marked_sent <= set(sent), "a row was marked sent but its email never left"
    assert statuses.count("sent") >= 11
    assert statuses.count("sent") + statuses.count("sending") == 12
    assert statuses.count("sent") <= len(sent) <= statuses.count("sent") + 1


@pytest.mark.django_db(transaction=True)
def test_task_arguments_reaching_the_broker_are_ids_only(broker):
    import redis

    ids = due_messages(2)
    outbox.notifications_dispatch()
    messages = [json.loads(raw) for raw in redis.Redis.from_url(broker).lrange("celery", 0, -1)]
    calls = [json.loads(base64.b64decode(m["body"])) for m in messages]  # [args, kwargs, options]
    assert [args for args, kwargs, _options in calls] == [[sorted(ids)]]  # one batch: a list of ids, nothing else
    assert all(kwargs == {} for _args, kwargs, _options in calls)
    assert {m["headers"]["task"] for m in messages} == {"practice.tasks.notifications_deliver"}
