from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from devdata.demo import seed_demo


class Command(BaseCommand):
    help = "Create the demo accounts (idempotent) and print how to sign in as each."

    def handle(self, *args, **options):
        if not settings.ALLOW_DEMO_DATA:
            raise CommandError("Demo data is disabled in these settings (ALLOW_DEMO_DATA is off).")

        accounts = seed_demo()
        self.stdout.write(self.style.SUCCESS("Demo sign-ins (http://127.0.0.1:8000/accounts/login/):"))
        for account in accounts:
            second = f"TOTP secret {account.totp_secret}" if account.totp_secret else "no second factor"
            label = "admin" if account.superuser else account.role
            self.stdout.write(f"  {label:<9} {account.email:<26} {account.password:<22} {second}")
        self.stdout.write(
            "Second factor: add the secret to an authenticator app, run `oathtool --totp -b SECRET`,\n"
            "or `make codes` (python manage.py demo_totp) for the current six-digit codes."
        )
