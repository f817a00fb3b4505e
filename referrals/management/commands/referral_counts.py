from django.core.management.base import BaseCommand, CommandError

from referrals.counts import differences, rebuild


class Command(BaseCommand):
    help = (
        "Check the referral sources chart's kept counts against the referrals, and rebuild them "
        "(beat does it nightly; run it after loading referrals in bulk or restoring a backup)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="Only report the months whose counts are wrong; exit 1 if any."
        )

    def handle(self, *args, check=False, **options):
        if check:
            wrong = differences()
            for month, kind, kept, counted in wrong:
                self.stdout.write(
                    f"{month:%Y-%m} {kind}: kept {kept[0]} referrals ({kept[1]} became clients), "
                    f"counted {counted[0]} ({counted[1]})"
                )
            if wrong:
                raise CommandError(f"{len(wrong)} months and kinds are wrong: run `manage.py referral_counts`.")
            self.stdout.write(self.style.SUCCESS("The referral sources counts match the referrals."))
            return
        wrong = rebuild()
        self.stdout.write(
            self.style.SUCCESS(f"Rebuilt the referral sources counts ({wrong} months and kinds were wrong).")
        )
