from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from practice.backup import BackupError, restore
from practice.encryption_audit import check_all


class Command(BaseCommand):
    help = (
        "Replace everything in the configured database with a backup made by `manage.py backup`, then "
        "check that every encrypted value decrypts with the configured keys. Stop the site first."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--noinput", "--no-input", action="store_false", dest="interactive", help="Do not ask to confirm."
        )

    def handle(self, *args, path: Path, interactive: bool, **options):
        name = connection.settings_dict.get("NAME")
        if interactive:
            answer = input(
                f"This replaces everything in the database {name} with the backup {path}.\n"
                "Type 'yes' to continue, or anything else to cancel: "
            )
            if answer != "yes":
                raise CommandError("Restore cancelled: nothing was changed.")
        try:
            restore(path)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Restored {path} into {name}."))

        report = check_all()
        summary = (
            f"Checked {report.checked} encrypted values: {len(report.failures)} do not decrypt, "
            f"{report.on_older_key} still use an older key."
        )
        if report.failures:
            raise CommandError(
                f"{summary} Add the key(s) in use when the backup was taken to FIELD_ENCRYPTION_KEY "
                "(newest first) and run verify_encryption."
            )
        self.stdout.write(summary)
