from django.core.management.base import BaseCommand, CommandError

from practice.encryption_audit import check_all


class Command(BaseCommand):
    help = "Check that every encrypted value decrypts with the configured keys."

    def handle(self, *args, **options):
        report = check_all()
        for failure in report.failures:
            self.stderr.write(f"does not decrypt: {failure}")
        summary = (
            f"Checked {report.checked} encrypted values: {len(report.failures)} do not decrypt, "
            f"{report.on_older_key} still use an older key."
        )
        if report.failures:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))
