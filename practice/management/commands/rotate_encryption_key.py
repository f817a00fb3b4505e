from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import ngettext

from practice.key_rotation import BATCH_SIZE, rotate_encryption_key


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted value with the newest key in FIELD_ENCRYPTION_KEY, rebuild the "
        "member search index, and prove no value still needs an older key. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="Rows per transaction.")

    def handle(self, *args, batch_size: int, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        report = rotate_encryption_key(batch_size=batch_size, progress=self.stdout.write)

        if report.members_reindexed is not None:
            count = report.members_reindexed
            members = ngettext("%(count)s member", "%(count)s members", count) % {"count": count}
            self.stdout.write(f"Rebuilt search tokens for {members}.")
        final = report.final
        summary = (
            f"Re-encrypted {report.reencrypted_total} of {report.values} encrypted values. "
            f"Check: {final.checked} values, {len(final.failures)} do not decrypt, "
            f"{final.on_older_key} still use an older key."
        )
        problems = report.problems
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"{summary} Rotation is not complete: keep the old key until this passes.")
        self.stdout.write(self.style.SUCCESS(summary))
