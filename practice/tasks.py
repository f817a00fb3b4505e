"""Practice-wide tasks. Thin: ids in, services do the work."""

from celery import shared_task

from practice.channels import TransientDeliveryError


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


@shared_task(bind=True, max_retries=5, acks_late=True, ignore_result=True)
def notification_deliver(self, notification_id: int) -> str:
    from practice import outbox

    try:
        return outbox.notification_deliver(notification_id=notification_id)
    except TransientDeliveryError as exc:
        if self.request.retries >= self.max_retries:
            outbox.notification_give_up(notification_id=notification_id, error=str(exc))
            return "failed"
        raise self.retry(exc=exc, countdown=2**self.request.retries * 30) from exc
