from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from practice.backup import BackupError, backup, default_backup_path


class Command(BaseCommand):
    help = (
        "Back up the whole database to one file (pg_dump custom format on PostgreSQL, the SQLite backup "
        "API on SQLite), mode 0600. Encrypted fields stay encrypted in it; the encryption keys are NOT "
        "in it: back them up separately."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, help="Where to write it (default: var/backups/practice-<time>.*).")
        parser.add_argument("--force", action="store_true", help="Overwrite the file if it exists.")

    def handle(self, *args, output: Path | None, force: bool, **options):
        try:
            result = backup(output or default_backup_path(), force=force)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Backup written to {result.path} ({result.size} bytes)."))
        self.stdout.write(f"sha256 {result.sha256}")
        self.stdout.write(
            "Encrypted fields are ciphertext in this file, and the keys are not in it: keep FIELD_ENCRYPTION_KEY "
            "backed up separately and securely. Other columns are in the clear: store the file encrypted."
        )
