"""Outbox tasks. Thin: ids in, the services do the work.

The task names are the ones they had when the outbox lived in `practice`: beat's schedule and
any task already waiting in a broker still find them.
"""

from celery import shared_task

from outbox import services


@shared_task(name="practice.tasks.notifications_dispatch", ignore_result=True)
def notifications_dispatch() -> int:
    """Beat, every minute: hand due messages to the workers."""
    return len(services.notifications_dispatch())


@shared_task(name="practice.tasks.notifications_deliver", acks_late=True, ignore_result=True)
def notifications_deliver(notification_ids: list[int]) -> dict:
    """A batch of queued messages, each sent at most once (transient failures go back to the outbox)."""
    return services.notifications_deliver(notification_ids=notification_ids)


@shared_task(name="practice.tasks.notification_deliver", acks_late=True, ignore_result=True)
def notification_deliver(notification_id: int) -> str:
    """One message: what releases before batches queued. Kept so their tasks still in a broker run."""
    return services.notification_deliver(notification_id=notification_id)
