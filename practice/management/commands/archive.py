"""`manage.py archive --older-than-months 24 [--source audit|outbox] [--batch 10000] [--dry-run]`

Moves rows older than N calendar months out of the audit trail and the outbox (only sent, cancelled
or failed messages) into encrypted, compressed files in ARCHIVE_DIR, each file recorded and
audited (`practice.archive`). Run it from cron or by hand; safe to run again (nothing is moved
twice; a file left by a run that died is removed, its rows being still in the table).
"""

from django.core.management.base import BaseCommand, CommandError

from practice import archive
from practice.backup import BackupError


class Command(BaseCommand):
    help = "Move old audit and outbox rows into encrypted archive files."

    def add_arguments(self, parser):
        parser.add_argument("--older-than-months", type=int, required=True)
        parser.add_argument("--source", action="append", help="audit, outbox (default: every registered source)")
        parser.add_argument("--batch", type=int, default=archive.BATCH)
        parser.add_argument("--dry-run", action="store_true", help="count what would move, move nothing")

    def handle(self, *args, older_than_months, source, batch, dry_run, **options):
        if older_than_months < 1:
            raise CommandError("--older-than-months must be at least 1.")
        if batch < 1:
            raise CommandError("--batch must be at least 1.")
        names = source or sorted(archive.sources())
        unknown = [n for n in names if n not in archive.sources()]
        if unknown:
            raise CommandError(f"Unknown source {', '.join(unknown)}; known: {', '.join(sorted(archive.sources()))}.")
        before = archive.months_ago(older_than_months)
        for name in names:
            if dry_run:
                count = archive.count_eligible(name, before=before)
                self.stdout.write(f"{name}: {count} rows older than {before:%Y-%m-%d} would be archived")
                continue
            try:
                result = archive.archive(name, before=before, batch=batch)
            except (archive.ArchiveError, BackupError) as error:
                raise CommandError(str(error)) from None
            self.stdout.write(
                f"{name}: {result.rows} rows older than {before:%Y-%m-%d} archived in {len(result.files)} files"
                + (f"; {result.orphans_removed} unrecorded files removed" if result.orphans_removed else "")
            )
