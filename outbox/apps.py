from django.apps import AppConfig


class OutboxConfig(AppConfig):
    """Every message the practice sends. Domain apps register their builders here from their own
    `ready()`; the outbox imports none of them."""

    name = "outbox"
    verbose_name = "Outbox"
