"""Outbox tasks. Thin: ids in, the services do the work.

The task names are the ones they had when the outbox lived in `practice`: beat's schedule and
any task already waiting in a broker still find them.
"""

import logging

from celery import shared_task
from celery.signals import worker_ready
from django.db import connections

from outbox import services

logger = logging.getLogger(__name__)


@shared_task(name="practice.tasks.notifications_dispatch", ignore_result=True)
def notifications_dispatch() -> int:
    """Beat, every minute: hand due messages to the workers, a batch (NOTIFICATION_DISPATCH_BATCH) per
    transaction, batch after batch while batches come back full, up to NOTIFICATION_DISPATCH_ROUNDS:
    a backlog (a morning's reminders, or the hour after an outage) leaves within a minute or two
    instead of 500 a minute."""
    from django.conf import settings

    total = 0
    for _round in range(settings.NOTIFICATION_DISPATCH_ROUNDS):
        claimed = len(services.notifications_dispatch(batch=settings.NOTIFICATION_DISPATCH_BATCH))
        total += claimed
        if claimed < settings.NOTIFICATION_DISPATCH_BATCH:
            break
    return total


@shared_task(name="practice.tasks.notifications_deliver", acks_late=True, ignore_result=True)
def notifications_deliver(notification_ids: list[int]) -> dict:
    """A batch of queued messages, each sent at most once (transient failures go back to the outbox)."""
    return services.notifications_deliver(notification_ids=notification_ids)


@shared_task(name="practice.tasks.notification_deliver", acks_late=True, ignore_result=True)
def notification_deliver(notification_id: int) -> str:
    """One message: what releases before batches queued. Kept so their tasks still in a broker run."""
    return services.notification_deliver(notification_id=notification_id)


@worker_ready.connect
def recover_taken_messages(sender=None, **kwargs) -> None:
    """A worker is ready: queue again what a task took and never sent (a killed worker's batch).

    Runs in the worker's main process, once; it closes its connection so none is held there.
    A database that is down now leaves it to dispatch, which queues such rows after the time limit.
    """
    try:
        ids = services.notifications_recover()
    except Exception as exc:  # noqa: BLE001 - the worker starts anyway
        logger.warning("outbox: messages taken by a lost worker not recovered at start (%s)", type(exc).__name__)
    else:
        if ids:
            logger.info("outbox: %s messages queued again at worker start", len(ids))
    finally:
        connections.close_all()
