from django.apps import AppConfig


class OutboxConfig(AppConfig):
    """Every message the practice sends. Domain apps register their builders here from their own
    `ready()`; the outbox imports none of them."""

    name = "outbox"
    verbose_name = "Outbox"

    def ready(self) -> None:
        from django.db.models import Q

        from outbox.models import Notification
        from practice.archive import register_archive_source

        done = [Notification.Status.SENT, Notification.Status.CANCELLED, Notification.Status.FAILED]
        # Only finished messages; by when they were due (sent_at is empty for a cancelled one).
        register_archive_source("outbox", model=Notification, date_field="send_at", only=lambda: Q(status__in=done))
