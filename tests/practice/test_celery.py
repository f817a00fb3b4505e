"""Celery: the configuration every task relies on, and a real worker on the real Redis."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from celery import Celery

from practice.celery import app

ROOT = Path(__file__).resolve().parents[2]


def test_tasks_are_json_late_acknowledged_and_bounded():
    conf = app.conf
    assert conf.task_serializer == "json" and conf.accept_content == ["json"]
    assert conf.task_acks_late is True and conf.task_reject_on_worker_lost is True
    assert 0 < conf.task_soft_time_limit < conf.task_time_limit
    assert "practice.tasks.heartbeat" in {entry["task"] for entry in conf.beat_schedule.values()}


@pytest.fixture
def worker(redis_url, tmp_path):
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "practice.settings.test",
        "CELERY_BROKER_URL": redis_url,
        "CELERY_RESULT_BACKEND": redis_url,
        "PRACTICE_VAR_DIR": str(tmp_path),
    }
    cmd = [sys.executable, "-m", "celery", "-A", "practice", "worker", "--pool", "solo", "-Q", queue, "-l", "warning"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # noqa: S603
    yield queue
    proc.terminate()
    proc.wait(timeout=20)


def test_a_real_worker_runs_a_task_from_the_real_redis(worker, redis_url):
    sender = Celery("sender", broker=redis_url, backend=redis_url)
    token = uuid.uuid4().hex
    result = sender.send_task("practice.tasks.ping", args=[token], queue=worker)
    assert result.get(timeout=60) == f"pong:{token}"
