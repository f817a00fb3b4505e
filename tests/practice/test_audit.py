"""The audit trail: ids and action only, request context, append-only."""

import pytest
from django.db import connection
from django.test import RequestFactory

from practice.audit import audit_record
from practice.middleware import RequestContextMiddleware
from practice.models import AuditAction, AuditEvent
from tests.testapp.models import Secret

MARKER = "MARKER-vaginismus-9143"


@pytest.fixture
def secret(db):
    return Secret.objects.create(code="S1", body=MARKER, label=MARKER)


def test_record_holds_ids_and_action_and_no_text(alice, secret):
    event = audit_record(actor=alice.user, action=AuditAction.VIEW, target=secret, client_id=42)
    row = AuditEvent.objects.values().get(pk=event.pk)
    assert row["actor_id"] == alice.user.pk
    fields = (row["action"], row["target_type"], row["target_id"], row["client_id"])
    assert fields == ("view", "testapp.secret", str(secret.pk), 42)
    assert not any(MARKER in str(value) for value in row.values())
    assert MARKER not in str(event)


def test_record_takes_request_id_and_ip_from_the_request_being_served(alice, secret):
    seen = {}

    def view(request):
        seen["event"] = audit_record(actor=alice.user, action=AuditAction.UPDATE, target=secret)
        from django.http import HttpResponse

        return HttpResponse("ok")

    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9")
    response = RequestContextMiddleware(view)(request)
    event = seen["event"]
    assert event.ip == "203.0.113.9"
    assert event.request_id and response["X-Request-ID"] == event.request_id


def test_record_outside_a_request_has_no_ip(secret):
    event = audit_record(actor=None, action=AuditAction.CREATE, target=secret)
    assert (event.ip, event.request_id, event.actor_id) == (None, "", None)


def test_rows_cannot_be_changed_or_deleted_through_the_orm(alice, secret):
    event = audit_record(actor=alice.user, action=AuditAction.VIEW, target=secret)
    event.action = AuditAction.DELETE
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action="delete")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "view"


def test_the_database_guard_matches_the_backend(alice, secret):
    """PostgreSQL refuses a raw UPDATE with a trigger; SQLite relies on the ORM guard above.

    `make test` runs this on both databases, so each branch is exercised.
    """
    from django.db import DatabaseError, transaction

    event = audit_record(actor=alice.user, action=AuditAction.VIEW, target=secret)
    sql = "UPDATE practice_auditevent SET action = 'delete' WHERE id = %s"
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])
        assert AuditEvent.objects.get(pk=event.pk).action == "view"
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])
            assert cursor.rowcount == 1
