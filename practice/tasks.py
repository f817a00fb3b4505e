"""Practice-wide tasks. Thin: ids in, services do the work."""

from celery import shared_task

from practice import drafts


@shared_task
def heartbeat() -> str:
    """Runs on the beat schedule so a stalled beat or worker shows up in the worker's log."""
    return "ok"


@shared_task
def ping(token: str) -> str:
    """Echo a non-confidential token: proves a worker consumes from the configured broker."""
    return f"pong:{token}"


@shared_task
def drafts_purge() -> int:
    """Delete expired drafts (practice/drafts.py): unsaved work is kept for days, not for ever."""
    return drafts.drafts_purge()
