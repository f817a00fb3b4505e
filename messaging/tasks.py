"""Thin Celery wrappers (beat schedule in settings)."""

from celery import shared_task

from messaging import services


@shared_task
def message_digests_queue() -> int:
    return services.digests_queue()
