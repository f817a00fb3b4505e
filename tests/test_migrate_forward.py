"""Databases migrated on earlier releases migrate forward with nothing lost.

- The floors moved (the outbox inside `practice`): every encrypted value still decrypts, every
  notification is still there and readable through the outbox app, and admin permissions follow
  the model's content type. The old layout is reached by migrating `practice` back to its last
  migration of that main (the outbox's state moves back into `practice`; no table changes, which is
  the point: the move is state only). Demo data is loaded there, then the database is migrated forward.
- Concerns moved from plain join rows to keyed digests: every unit and referral keeps its concerns.
"""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from devdata.demo import seed_demo
from outbox import services as outbox
from outbox.models import Notification
from practice.encryption_audit import check_all
from practice.models import User
from tests.factories import ClientFactory

# `practice` as it was on the main before the move (the later apps' tables are as they are today, so
# today's code can fill them there).
BEFORE_THE_MOVE = [
    ("practice", "0004_notification_context"),
    ("outbox", None),  # the app did not exist
]
BEFORE_THE_DIGESTS = [("clients", "0009_policy_versions"), ("referrals", "0004_referrer_claimed")]


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
    seed_demo()  # loaded today, then taken back to the layout of before the move
    member = ClientFactory().members.get()
    outbox.notification_enqueue(
        kind="test_message", key="before-the-move", target=member, address="referrer@example.org"
    )
    try:
        _migrate(BEFORE_THE_MOVE)
        recorder = MigrationExecutor(connection).loader.applied_migrations
        assert ("outbox", "0001_initial") not in recorder and ("practice", "0004_notification_context") in recorder
        assert ContentType.objects.filter(app_label="practice", model="notification").exists()
        with connection.cursor() as cursor:  # as on that main: client sign-in addresses in clear
            cursor.execute("SELECT email FROM practice_user WHERE role = 'client'")
            assert "client@demo.practice" in {row[0] for row in cursor.fetchall()}
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
    demo_client = User.objects.by_address("client@demo.practice").get()  # a pseudonym again, found by address
    assert demo_client.email != "client@demo.practice" and demo_client.sign_in_email == "client@demo.practice"


@pytest.mark.django_db(transaction=True)
def test_concerns_stored_as_join_rows_come_through_as_digests(alice):
    from clients.models import Client, Concern
    from referrals.models import Referral
    from tests.factories import ClientFactory, ReferralFactory

    unit, referral = ClientFactory(primary_therapist=alice), ReferralFactory()
    chosen = sorted(Concern.objects.values_list("slug", flat=True))[:2]
    try:
        _migrate(BEFORE_THE_DIGESTS)
        old = MigrationExecutor(connection).loader.project_state(BEFORE_THE_DIGESTS).apps
        OldClient, OldReferral = old.get_model("clients", "Client"), old.get_model("referrals", "Referral")
        OldConcern = old.get_model("clients", "Concern")
        OldClient.objects.get(pk=unit.pk).concerns.set(OldConcern.objects.filter(slug__in=chosen))
        OldReferral.objects.get(pk=referral.pk).concerns.set(OldConcern.objects.filter(slug__in=chosen[:1]))
    finally:
        _migrate(_latest())

    assert sorted(c.slug for c in Client.objects.get(pk=unit.pk).concerns.list()) == chosen
    assert [c.slug for c in Referral.objects.get(pk=referral.pk).concerns.list()] == chosen[:1]
    tables = connection.introspection.table_names()
    assert "clients_client_concerns" not in tables and "referrals_referral_concerns" not in tables
