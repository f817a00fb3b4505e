"""`make run` (bin/run) takes the port from PORT, 8000 by default, says which, and refuses a bad one.

bin/run is run for real from a copy of the repository's script, with a stand-in `.venv` whose python
and celery only write down how they were called (no server is started)."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "bin" / "run"

FAKE = """#!/usr/bin/env bash
echo "$(basename "$0") $*" >> "{log}"
"""


@pytest.fixture
def repo(tmp_path):
    (tmp_path / "bin").mkdir()
    shutil.copy(SCRIPT, tmp_path / "bin" / "run")
    venv = tmp_path / ".venv" / "bin"
    venv.mkdir(parents=True)
    for name in ("python", "celery"):
        tool = venv / name
        tool.write_text(FAKE.format(log=tmp_path / "calls.log"))
        tool.chmod(0o755)
    return tmp_path


def run(repo, **env):
    environment = {k: v for k, v in os.environ.items() if k not in ("PORT", "SITE_URL")}
    environment.update(env)
    done = subprocess.run(  # noqa: S603  (our own script, from a copy of the repository)
        [str(repo / "bin" / "run")], env=environment, capture_output=True, text=True, timeout=60, check=False
    )
    calls = (repo / "calls.log").read_text() if (repo / "calls.log").exists() else ""
    return done, calls


def test_the_default_port_is_8000_and_it_says_so(repo):
    done, calls = run(repo)
    assert done.returncode == 0, done.stderr
    assert "http://127.0.0.1:8000/" in done.stdout and "Port:                    8000" in done.stdout
    assert "python manage.py runserver 127.0.0.1:8000" in calls


def test_port_comes_from_the_environment(repo):
    done, calls = run(repo, PORT="8123")
    assert done.returncode == 0, done.stderr
    assert "http://127.0.0.1:8123/" in done.stdout and "Port:                    8123" in done.stdout
    assert "python manage.py runserver 127.0.0.1:8123" in calls


@pytest.mark.parametrize("port", ["abc", "0", "70000", "80 80", "-1"])
def test_a_bad_port_is_refused_with_a_clear_message_before_anything_runs(repo, port):
    done, calls = run(repo, PORT=port)
    assert done.returncode == 2
    assert "PORT must be a number from 1 to 65535" in done.stderr
    assert calls == ""  # nothing migrated, nothing started
