"""GET /healthz/ reports the database, the cache and the broker."""

import pytest


def test_healthy(client, db, settings):
    r = client.get("/healthz/")
    assert r.status_code == 200
    assert r.json() == {"database": "ok", "cache": "ok", "broker": "ok", "status": "ok"}


def test_broker_down_gives_503_naming_it(client, db, monkeypatch):
    from practice.celery import app

    # Nothing listens on port 1: the broker is down.
    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:1/0")
    r = client.get("/healthz/")
    assert r.status_code == 503
    assert r.json() == {"database": "ok", "cache": "ok", "broker": "down", "status": "down: broker"}


def test_database_down_gives_503_naming_it(client, db, monkeypatch):
    from django.db import OperationalError

    class DownConnection:
        def cursor(self):
            raise OperationalError("database unavailable")

    monkeypatch.setattr("practice.health.connection", DownConnection())
    r = client.get("/healthz/")
    assert r.status_code == 503
    assert r.json()["database"] == "down" and r.json()["status"] == "down: database"


def test_healthz_needs_no_sign_in_and_refuses_post(client, db):
    assert client.post("/healthz/").status_code == 405


@pytest.mark.redis
def test_healthy_with_a_real_redis_broker(client, db, monkeypatch, redis_url):
    from practice.celery import app

    monkeypatch.setattr(app.conf, "broker_url", redis_url)
    assert client.get("/healthz/").json()["broker"] == "ok"
