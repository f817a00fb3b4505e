"""The outbox mechanism itself: keys, claims, failures."""

import threading
import uuid
from datetime import timedelta
from unittest.mock import patch

import pytest
from django.core import mail
from django.db import connections
from django.utils import timezone

from outbox import services as outbox
from outbox.channels import PermanentDeliveryError, TransientDeliveryError
from outbox.models import Notification
from tests.factories import ClientFactory


def queue(member, **kwargs):
    return outbox.notification_enqueue(
        kind=kwargs.pop("kind", "test_message"),
        key=kwargs.pop("key", uuid.uuid4().hex),
        target=member,
        member=member,
        **kwargs,
    )


@pytest.fixture
def member(db):
    return ClientFactory().members.get()


def test_the_same_key_is_queued_once(member):
    first = queue(member, key="same")
    assert queue(member, key="same").pk == first.pk and Notification.objects.count() == 1


def test_a_transient_failure_waits_then_is_sent_and_a_permanent_one_is_recorded(member, monkeypatch, settings, deliver):
    transient, permanent = queue(member), queue(member)
    Notification.objects.update(status="queued", queued_at=timezone.now())

    def flaky(**kwargs):
        raise TransientDeliveryError("SMTPServerDisconnected")

    monkeypatch.setattr(outbox, "send_email", flaky)
    before = timezone.now()
    assert outbox.notification_deliver(notification_id=transient.pk) == "retry"
    transient.refresh_from_db()
    assert (transient.status, transient.attempts, transient.last_error) == ("pending", 1, "SMTPServerDisconnected")
    assert transient.send_at >= before + timedelta(seconds=settings.NOTIFICATION_RETRY_SECONDS)

    def refused(**kwargs):
        raise PermanentDeliveryError("SMTPRecipientsRefused")

    monkeypatch.setattr(outbox, "send_email", refused)
    assert outbox.notification_deliver(notification_id=permanent.pk) == "failed"
    permanent.refresh_from_db()
    assert (permanent.status, permanent.last_error) == ("failed", "SMTPRecipientsRefused")

    monkeypatch.undo()
    assert transient.pk not in outbox.notifications_dispatch()  # not before its backoff
    assert transient.pk in deliver(now=transient.send_at + timedelta(seconds=1))
    transient.refresh_from_db()
    assert (transient.status, transient.attempts) == ("sent", 2)
    assert [m.extra_headers["X-Notification-ID"] for m in mail.outbox] == [str(transient.pk)]


def test_backoff_doubles_and_retries_end_in_a_recorded_failure(member, monkeypatch, settings):
    row = queue(member)
    monkeypatch.setattr(outbox, "send_email", lambda **kw: (_ for _ in ()).throw(TransientDeliveryError("timeout")))
    waits = []
    for _attempt in range(settings.NOTIFICATION_MAX_ATTEMPTS):
        Notification.objects.filter(pk=row.pk).update(status="queued", queued_at=timezone.now())
        before = timezone.now()
        outcome = outbox.notification_deliver(notification_id=row.pk)
        row.refresh_from_db()
        if outcome == "retry":
            waits.append(round((row.send_at - before).total_seconds() / settings.NOTIFICATION_RETRY_SECONDS))
    assert waits == [1, 2, 4, 8, 16]
    assert (row.status, row.attempts) == ("failed", settings.NOTIFICATION_MAX_ATTEMPTS)
    assert row.last_error == "gave up after repeated failures: timeout"


def test_a_queued_row_past_its_attempts_is_failed_without_sending(member, settings):
    row = queue(member)
    Notification.objects.filter(pk=row.pk).update(status="queued", attempts=settings.NOTIFICATION_MAX_ATTEMPTS)
    assert outbox.notification_deliver(notification_id=row.pk) == "failed"
    assert Notification.objects.get(pk=row.pk).last_error == "gave up after repeated failures"
    assert mail.outbox == []


def test_dispatch_queues_one_task_per_batch_of_ids(member, settings, django_capture_on_commit_callbacks):
    settings.NOTIFICATION_DELIVERY_BATCH = 4
    ids = [queue(member).pk for _ in range(10)]
    batches = []
    with (
        patch("outbox.tasks.notifications_deliver.delay", batches.append),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert sorted(outbox.notifications_dispatch()) == sorted(ids)
    assert [len(b) for b in batches] == [4, 4, 2]
    assert sorted(pk for batch in batches for pk in batch) == sorted(ids)


def test_a_row_queued_again_or_cancelled_while_its_batch_was_being_built_is_not_sent(member, monkeypatch):
    requeued, cancelled, kept = queue(member), queue(member), queue(member)
    Notification.objects.update(status="queued", queued_at=timezone.now() - timedelta(minutes=10))
    build_all = outbox._build_all

    def meanwhile(rows):
        built = build_all(rows)
        # Another dispatch pass queues the first again (a new queued_at: its own task will send it)
        # and a cancellation lands on the second, after this batch read them.
        Notification.objects.filter(pk=requeued.pk).update(queued_at=timezone.now())
        Notification.objects.filter(pk=cancelled.pk).update(status="cancelled")
        return built

    monkeypatch.setattr(outbox, "_build_all", meanwhile)
    outcomes = outbox.notifications_deliver(notification_ids=[requeued.pk, cancelled.pk, kept.pk])
    assert outcomes == {requeued.pk: "skipped", cancelled.pk: "skipped", kept.pk: "sent"}
    assert [m.extra_headers["X-Notification-ID"] for m in mail.outbox] == [str(kept.pk)]
    assert Notification.objects.get(pk=requeued.pk).status == "queued"


def test_delivering_the_same_batch_twice_sends_each_message_once(member):
    ids = [queue(member).pk for _ in range(3)]
    Notification.objects.update(status="queued", queued_at=timezone.now())
    assert set(outbox.notifications_deliver(notification_ids=ids).values()) == {"sent"}
    assert set(outbox.notifications_deliver(notification_ids=ids).values()) == {"skipped"}
    assert len(mail.outbox) == 3


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
    from outbox import tasks

    monkeypatch.setattr(tasks.notifications_deliver, "delay", lambda ids: None)  # only the claims matter here
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


def test_each_outcome_in_a_batch_is_recorded_on_its_own_row(member, monkeypatch, settings):
    """The claim of each message also records how the one before it ended: nothing leaks across rows."""
    sent, retried, refused, last = (queue(member) for _ in range(4))
    Notification.objects.update(status="queued", queued_at=timezone.now())
    Notification.objects.filter(pk=retried.pk).update(last_error="an older error", attempts=2)
    errors = {retried.pk: TransientDeliveryError("SMTPServerDisconnected"), refused.pk: PermanentDeliveryError("no")}
    really_send = outbox.send_email

    def send(**kwargs):
        error = errors.get(int(kwargs["headers"]["X-Notification-ID"]))
        if error:
            raise error
        really_send(**kwargs)

    monkeypatch.setattr(outbox, "send_email", send)
    before = timezone.now()
    outcomes = outbox.notifications_deliver(notification_ids=[sent.pk, retried.pk, refused.pk, last.pk])
    assert outcomes == {sent.pk: "sent", retried.pk: "retry", refused.pk: "failed", last.pk: "sent"}
    rows = {n.pk: n for n in Notification.objects.all()}
    assert (rows[sent.pk].status, rows[sent.pk].attempts, rows[sent.pk].last_error) == ("sent", 1, "")
    assert rows[sent.pk].sent_at >= before
    assert (rows[retried.pk].status, rows[retried.pk].attempts) == ("pending", 3)
    assert rows[retried.pk].last_error == "SMTPServerDisconnected" and rows[retried.pk].sent_at is None
    wait = settings.NOTIFICATION_RETRY_SECONDS * 4  # the third attempt waits four times the first
    assert before + timedelta(seconds=wait) <= rows[retried.pk].send_at <= timezone.now() + timedelta(seconds=wait)
    assert (rows[refused.pk].status, rows[refused.pk].last_error, rows[refused.pk].sent_at) == ("failed", "no", None)
    assert (rows[last.pk].status, rows[last.pk].attempts) == ("sent", 1)
    assert [m.extra_headers["X-Notification-ID"] for m in mail.outbox] == [str(sent.pk), str(last.pk)]


# --- A worker killed mid-batch: what a new worker queues again ------------------------------------


def _killed_mid_batch(member, monkeypatch):
    """A task took four rows, sent the first, was sending the second, and died before the rest."""
    rows = [queue(member) for _ in range(4)]
    Notification.objects.update(status="queued", queued_at=timezone.now())
    sent = []

    def send_then_die(**kwargs):
        sent.append(kwargs["headers"]["X-Notification-ID"])
        if len(sent) == 2:
            raise SystemExit("worker killed")  # not an Exception: nothing in the task catches it

    monkeypatch.setattr(outbox, "send_email", send_then_die)
    with pytest.raises(SystemExit):
        outbox.notifications_deliver(notification_ids=[r.pk for r in rows])
    monkeypatch.undo()
    return rows, sent


def test_a_new_worker_queues_again_only_what_the_dead_one_took_and_never_started(
    member, monkeypatch, django_capture_on_commit_callbacks
):
    rows, _sent = _killed_mid_batch(member, monkeypatch)
    waiting = queue(member)  # queued by dispatch, its task still in the broker: not taken, left alone
    Notification.objects.filter(pk=waiting.pk).update(status="queued", queued_at=timezone.now())
    statuses = dict(Notification.objects.values_list("pk", "status"))
    assert [statuses[r.pk] for r in rows] == ["sent", "sending", "queued", "queued"]

    with django_capture_on_commit_callbacks(execute=True):  # their delivery task runs (eagerly)
        assert sorted(outbox.notifications_recover()) == [rows[2].pk, rows[3].pk]
    with django_capture_on_commit_callbacks(execute=True):
        outbox.notifications_deliver(notification_ids=[waiting.pk])  # its own task, from the broker
    statuses = dict(Notification.objects.values_list("pk", "status"))
    assert [statuses[r.pk] for r in rows] == ["sent", "sending", "sent", "sent"]
    sent_now = [m.extra_headers["X-Notification-ID"] for m in mail.outbox]
    assert sorted(sent_now) == sorted([str(rows[2].pk), str(rows[3].pk), str(waiting.pk)])
    assert str(rows[1].pk) not in sent_now, "the message in flight at the kill is never sent again"


def test_the_dead_tasks_own_copy_and_the_new_task_send_each_message_once(member, monkeypatch):
    """The broker may redeliver the dead worker's task too (acks_late): whichever claims a row first
    sends it, the other skips it, and the row in flight at the kill is sent by neither."""
    rows, _sent = _killed_mid_batch(member, monkeypatch)
    ids = [r.pk for r in rows]
    outbox.notifications_recover()
    redelivered = outbox.notifications_deliver(notification_ids=ids)
    recovery = outbox.notifications_deliver(notification_ids=ids)
    assert redelivered == {ids[0]: "skipped", ids[1]: "skipped", ids[2]: "sent", ids[3]: "sent"}
    assert set(recovery.values()) == {"skipped"}
    assert sorted(m.extra_headers["X-Notification-ID"] for m in mail.outbox) == sorted([str(ids[2]), str(ids[3])])


def test_without_a_worker_restart_dispatch_queues_them_again_after_the_task_time_limit(member, monkeypatch, settings):
    rows, _sent = _killed_mid_batch(member, monkeypatch)
    soon = timezone.now() + timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    assert outbox.notifications_dispatch(now=soon) == []  # the task might still be running
    later = timezone.now() + timedelta(seconds=settings.NOTIFICATION_TAKEN_TIMEOUT_SECONDS + 1)
    assert settings.NOTIFICATION_TAKEN_TIMEOUT_SECONDS < settings.NOTIFICATION_REQUEUE_AFTER_SECONDS
    assert sorted(outbox.notifications_dispatch(now=later)) == [rows[2].pk, rows[3].pk]
    assert Notification.objects.get(pk=rows[1].pk).status == "sending"


def test_beat_drains_a_backlog_batch_after_batch_in_one_tick(
    db, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """A backlog bigger than a batch leaves in one beat tick, each message claimed once; the rounds are
    bounded, so one tick never runs for ever."""
    from outbox import tasks

    settings.NOTIFICATION_DISPATCH_BATCH = 3
    settings.NOTIFICATION_DISPATCH_ROUNDS = 3
    member = ClientFactory().members.get()
    ids = [queue(member).pk for _ in range(11)]
    sent: list[list[int]] = []
    monkeypatch.setattr(tasks.notifications_deliver, "delay", sent.append)

    def tick() -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return tasks.notifications_dispatch()

    assert tick() == 9  # three full batches, then the bound
    assert tick() == 2  # the rest, and a short batch ends the tick
    assert tick() == 0
    claimed = [pk for chunk in sent for pk in chunk]
    assert sorted(claimed) == sorted(ids)  # each once
