"""Production refuses to start without its secrets; the embedded default generates and reuses them."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from practice.keys import REQUIRED_IN_PRODUCTION, check_production_environment, embedded_secret

ROOT = Path(__file__).resolve().parents[2]
GOOD = {
    "SECRET_KEY": "x" * 50,
    "FIELD_ENCRYPTION_KEY": f"{Fernet.generate_key().decode()},{Fernet.generate_key().decode()}",
    "DATABASE_URL": "postgres://practice:pw@db:5432/practice",
    "REDIS_URL": "redis://redis:6379/0",
    "ALLOWED_HOSTS": "practice.example.org",
    "EMAIL_URL": "smtp+tls://user:pw@smtp.example.org:587",
}


def start_production(**overrides) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in GOOD and k != "DJANGO_SETTINGS_MODULE"}
    env.update({k: v for k, v in {**GOOD, **overrides}.items() if v is not None})
    env["DJANGO_SETTINGS_MODULE"] = "practice.settings.production"
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEBUG, s.DATABASES['default']['ENGINE'])"
    )
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)  # noqa: S603


def test_production_starts_with_every_secret():
    result = start_production()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False django.db.backends.postgresql"


@pytest.mark.parametrize("missing", REQUIRED_IN_PRODUCTION)
def test_production_refuses_to_start_without_a_secret_and_names_it(missing):
    result = start_production(**{missing: None})
    assert result.returncode != 0
    assert f"Production settings need {missing}" in result.stderr


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"FIELD_ENCRYPTION_KEY": "not-a-key"}, "FIELD_ENCRYPTION_KEY entry 1 is not a Fernet key"),
        ({"FIELD_ENCRYPTION_KEY": f"{Fernet.generate_key().decode()},short"}, "FIELD_ENCRYPTION_KEY entry 2"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY is too short"),
        ({"DATABASE_URL": "sqlite:///x.db"}, "DATABASE_URL must point at PostgreSQL"),
        ({"REDIS_URL": "http://redis"}, "REDIS_URL must be a redis://"),
    ],
)
def test_malformed_secrets_are_refused_with_a_clear_message(overrides, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        check_production_environment({**GOOD, **overrides})


def test_production_needs_an_email_server():
    result = start_production(EMAIL_URL=None)
    assert result.returncode != 0 and "EMAIL_URL is required" in result.stderr


def test_embedded_secrets_are_generated_once_and_reused(tmp_path):
    key_file = tmp_path / "var" / "field_encryption_key"
    first = embedded_secret(key_file, kind="fernet")
    Fernet(first.encode())  # a valid key
    assert embedded_secret(key_file, kind="fernet") == first
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert embedded_secret(tmp_path / "var" / "secret_key", kind="django") != first


def test_the_embedded_default_is_sqlite_immediate_with_a_file_broker(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in GOOD and not k.startswith("CELERY")}
    env.update(DJANGO_SETTINGS_MODULE="practice.settings.local", PRACTICE_VAR_DIR=str(tmp_path))
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['OPTIONS']['transaction_mode'], s.CELERY_BROKER_URL, s.EMAIL_BACKEND)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)  # noqa: S603
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["IMMEDIATE", "filesystem://", "outbox.backends.FileAndConsoleBackend"]
    assert (tmp_path / "secret_key").exists() and (tmp_path / "field_encryption_key").exists()
    assert (tmp_path / "celery" / "queue").is_dir()
