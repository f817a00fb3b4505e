"""Database, cache and broker checks for GET /healthz/. Each says ok or down, never why."""

import uuid

from django.core.cache import cache
from django.db import connection

from practice.celery import app as celery_app


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # noqa: BLE001 - any failure means "down"; the reason is not shown publicly
        return False


def cache_ok() -> bool:
    """The cache holds the sign-in and form rate limits: down means those limits cannot be counted."""
    key = f"healthz:{uuid.uuid4().hex}"
    try:
        cache.set(key, "1", timeout=10)
        ok = cache.get(key) == "1"
        cache.delete(key)
        return ok
    except Exception:  # noqa: BLE001
        return False


def broker_ok(timeout: float = 2.0) -> bool:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)
        return True
    except Exception:  # noqa: BLE001
        return False
