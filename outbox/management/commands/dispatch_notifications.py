from django.core.management.base import BaseCommand

from outbox.services import notifications_dispatch


class Command(BaseCommand):
    help = "Run one outbox dispatch pass now: queue every due message for delivery."

    def handle(self, *args, **options):
        ids = notifications_dispatch()
        self.stdout.write(self.style.SUCCESS(f"Queued {len(ids)} message{'s' if len(ids) != 1 else ''} for delivery."))
