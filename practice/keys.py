"""Secrets for the embedded default, generated once into var/ and reused.

Only the embedded default calls this: production.py refuses to start without real secrets, so a
server can never quietly run on a key that lives next to its database.
"""

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from cryptography.fernet import Fernet


def _new_secret(kind: str) -> str:
    if kind == "fernet":
        return Fernet.generate_key().decode()
    return secrets.token_urlsafe(50)


def embedded_secret(path: Path, *, kind: str) -> str:
    """Return the secret stored at `path`, creating it (mode 0600) the first time."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:  # we won the race to create it
        fh.write(_new_secret(kind) + "\n")
    return path.read_text().strip()


REQUIRED_IN_PRODUCTION = ("SECRET_KEY", "FIELD_ENCRYPTION_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS")


def check_production_environment(environ: Mapping[str, str]) -> None:
    """Raise ImproperlyConfigured naming the first missing or malformed production secret."""
    from django.core.exceptions import ImproperlyConfigured

    missing = [name for name in REQUIRED_IN_PRODUCTION if not environ.get(name, "").strip()]
    if missing:
        raise ImproperlyConfigured(f"Production settings need {', '.join(missing)} in the environment.")

    if len(environ["SECRET_KEY"]) < 40:
        raise ImproperlyConfigured("SECRET_KEY is too short: use at least 40 random characters.")

    for position, key in enumerate(environ["FIELD_ENCRYPTION_KEY"].split(","), start=1):
        try:
            Fernet(key.strip().encode())
        except (ValueError, TypeError) as exc:
            raise ImproperlyConfigured(
                f"FIELD_ENCRYPTION_KEY entry {position} is not a Fernet key (32 url-safe base64 bytes)."
            ) from exc

    if not environ["DATABASE_URL"].startswith(("postgres://", "postgresql://", "pgsql://")):
        raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL in production.")
    if not environ["REDIS_URL"].startswith(("redis://", "rediss://")):
        raise ImproperlyConfigured("REDIS_URL must be a redis:// or rediss:// URL.")
