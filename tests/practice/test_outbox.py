"""The outbox mechanism itself: keys, claims, failures."""

import threading
import uuid

import pytest
from django.db import connections
from django.utils import timezone

from practice import outbox
from practice.channels import PermanentDeliveryError, TransientDeliveryError
from practice.models import Notification
from tests.factories import ClientFactory


def queue(member, **kwargs):
    return outbox.notification_enqueue(
        kind=kwargs.pop("kind", "test_message"), key=kwargs.pop("key", uuid.uuid4().hex), target=member,
        member=member, **kwargs,
    )  # fmt: skip


@pytest.fixture
def member(db):
    return ClientFactory().members.get()


def test_the_same_key_is_queued_once(member):
    first = queue(member, key="same")
    assert queue(member, key="same").pk == first.pk and Notification.objects.count() == 1


def test_a_transient_failure_goes_back_to_the_queue_and_a_permanent_one_is_recorded(member, monkeypatch):
    transient, permanent = queue(member), queue(member)
    Notification.objects.update(status="queued", queued_at=timezone.now())

    def flaky(**kwargs):
        raise TransientDeliveryError("SMTPServerDisconnected")

    monkeypatch.setattr(outbox, "send_email", flaky)
    with pytest.raises(TransientDeliveryError):
        outbox.notification_deliver(notification_id=transient.pk)
    transient.refresh_from_db()
    assert (transient.status, transient.attempts, transient.last_error) == ("queued", 1, "SMTPServerDisconnected")

    def refused(**kwargs):
        raise PermanentDeliveryError("SMTPRecipientsRefused")

    monkeypatch.setattr(outbox, "send_email", refused)
    assert outbox.notification_deliver(notification_id=permanent.pk) == "failed"
    permanent.refresh_from_db()
    assert (permanent.status, permanent.last_error) == ("failed", "SMTPRecipientsRefused")


def test_retries_end_in_a_recorded_failure(member, settings):
    row = queue(member)
    Notification.objects.filter(pk=row.pk).update(status="queued", attempts=settings.NOTIFICATION_MAX_ATTEMPTS)
    assert outbox.notification_deliver(notification_id=row.pk) == "failed"
    assert Notification.objects.get(pk=row.pk).last_error == "gave up after repeated failures"


def test_the_task_retries_transient_failures_with_backoff(member, monkeypatch):
    from celery.exceptions import Retry

    from practice import tasks

    row = queue(member)
    Notification.objects.update(status="queued", queued_at=timezone.now())
    monkeypatch.setattr(outbox, "send_email", lambda **kw: (_ for _ in ()).throw(TransientDeliveryError("timeout")))
    with pytest.raises(Retry):
        tasks.notification_deliver.apply(args=[row.pk], throw=True)
    assert Notification.objects.get(pk=row.pk).status == "queued"


def test_a_message_without_a_builder_fails_cleanly(member):
    row = queue(member, kind="no_such_kind")
    Notification.objects.update(status="queued")
    assert outbox.notification_deliver(notification_id=row.pk) == "failed"
    assert "no builder" in Notification.objects.get(pk=row.pk).last_error


def test_rows_interrupted_while_sending_are_failed_not_resent(member, settings):
    row = queue(member)
    old = timezone.now() - timezone.timedelta(seconds=settings.NOTIFICATION_SENDING_TIMEOUT_SECONDS + 5)
    Notification.objects.filter(pk=row.pk).update(status="sending", updated_at=old)
    assert outbox.notifications_dispatch() == []
    row.refresh_from_db()
    assert row.status == "failed" and "not retried" in row.last_error


@pytest.mark.django_db(transaction=True)
def test_two_dispatch_passes_at_once_claim_each_message_once(monkeypatch):
    member = ClientFactory().members.get()
    ids = {queue(member).pk for _ in range(40)}
    claimed: list[list[int]] = []
    from practice import tasks

    monkeypatch.setattr(tasks.notification_deliver, "delay", lambda pk: None)  # only the claims matter here
    barrier = threading.Barrier(2)

    def run():
        try:
            barrier.wait(timeout=10)
            claimed.append(outbox.notifications_dispatch(batch=25))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    first, second = claimed
    assert not set(first) & set(second)
    assert set(first) | set(second) <= ids and len(first) + len(second) >= 25
