"""Practice-wide tasks. Thin: ids in, services do the work."""

from celery import shared_task


@shared_task
def heartbeat() -> str:
    """Runs on the beat schedule so a stalled beat or worker shows up in the worker's log."""
    return "ok"


@shared_task
def ping(token: str) -> str:
    """Echo a non-confidential token: proves a worker consumes from the configured broker."""
    return f"pong:{token}"


@shared_task(ignore_result=True)
def notifications_dispatch() -> int:
    """Beat, every minute: hand due messages to the workers."""
    from practice import outbox

    return len(outbox.notifications_dispatch())


@shared_task(acks_late=True, ignore_result=True)
def notifications_deliver(notification_ids: list[int]) -> dict:
    """A batch of queued messages, each sent at most once (transient failures go back to the outbox)."""
    from practice import outbox

    return outbox.notifications_deliver(notification_ids=notification_ids)


@shared_task(acks_late=True, ignore_result=True)
def notification_deliver(notification_id: int) -> str:
    """One message: what releases before batches queued. Kept so their tasks still in a broker run."""
    from practice import outbox

    return outbox.notification_deliver(notification_id=notification_id)
