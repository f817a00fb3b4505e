from celery import shared_task

from measures import schedule


@shared_task(acks_late=True)
def measures_schedule() -> int:
    """Open the questionnaires that are due (beat, every 10 minutes); the outbox sends the requests."""
    return schedule.measures_schedule()
