from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from devdata.demo import DEMO_ACCOUNTS, current_code


class Command(BaseCommand):
    help = "Print the current TOTP code of each demo account (demo data only)."

    def handle(self, *args, **options):
        if not settings.ALLOW_DEMO_DATA:
            raise CommandError("Demo data is disabled in these settings (ALLOW_DEMO_DATA is off).")
        for account in DEMO_ACCOUNTS:
            if account.totp_secret:
                self.stdout.write(f"{account.email:<26} {current_code(account.totp_secret)}")
