"""A database migrated before the floors moved (the outbox inside `practice`) migrates forward to
today's layout with nothing lost: every encrypted value still decrypts, every notification is still
there and readable through the outbox app, and admin permissions follow the model's content type.

The old layout is reached by migrating back to the last migrations of that main (the outbox's state
moves back into `practice`; no table changes, which is the point: the move is state only). Demo data
is loaded there, then the database is migrated forward.
"""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from devdata.demo import seed_demo
from outbox import services as outbox
from outbox.models import Notification
from practice.encryption_audit import check_all
from tests.factories import ClientFactory

# The last migration of each app on the main before the move.
BEFORE_THE_MOVE = [
    ("practice", "0004_notification_context"),
    ("clients", "0007_note_unsigned_index"),
    ("sessions_app", "0005_bounded_availability"),
    ("referrals", "0002_referral_event_letter"),
    ("resources", "0001_initial"),
    ("outbox", None),  # the app did not exist
]


def _migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def _latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _notification_rows() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, kind, key, status, address FROM practice_notification ORDER BY id")
        return cursor.fetchall()


@pytest.mark.django_db(transaction=True)
def test_a_database_from_before_the_move_migrates_forward_with_everything_readable(settings):
    settings.ALLOW_DEMO_DATA = True
    try:
        _migrate(BEFORE_THE_MOVE)
        recorder = MigrationExecutor(connection).loader.applied_migrations
        assert ("outbox", "0001_initial") not in recorder and ("practice", "0004_notification_context") in recorder

        seed_demo()  # the tables are the same on both sides of the move: today's code can fill them
        member = ClientFactory().members.get()
        outbox.notification_enqueue(
            kind="test_message", key="before-the-move", target=member, address="referrer@example.org"
        )
        ContentType.objects.filter(app_label="outbox").delete()
        ContentType.objects.get_or_create(app_label="practice", model="notification")
        rows_before = _notification_rows()
        assert len(rows_before) > 1  # the demo's booked sessions queued their messages too
    finally:
        _migrate(_latest())

    assert _notification_rows() == rows_before  # the same rows, the address still as it was stored
    read_back = {n.key: n for n in Notification.objects.all()}
    assert len(read_back) == len(rows_before)
    assert read_back["before-the-move"].address == "referrer@example.org"  # decrypts through the outbox model
    report = check_all()
    assert report.checked > 20 and report.failures == []
    assert ContentType.objects.filter(app_label="outbox", model="notification").exists()
    assert not ContentType.objects.filter(app_label="practice", model="notification").exists()
