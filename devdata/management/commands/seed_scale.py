import time

from django.core.management.base import BaseCommand, CommandError

from devdata import scale


class Command(BaseCommand):
    help = "Load practice-sized data for benchmarks (deterministic; refused in production settings)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--size",
            choices=list(scale.SIZES),
            default="S",
            help="XS (tests), S (a tenth of M), M (10 therapists, 5,000 units, ...) or L.",
        )
        parser.add_argument("--force", action="store_true", help="Add another load to a database that has one.")
        parser.add_argument(
            "--history",
            action="store_true",
            help="Only add years of growth: --audit-rows audit rows and --outbox-rows sent messages over 5 years.",
        )
        parser.add_argument("--audit-rows", type=int, default=10_000_000)
        parser.add_argument("--outbox-rows", type=int, default=1_000_000)

    def handle(self, *args, size, force, history, audit_rows, outbox_rows, **options):
        started = time.perf_counter()
        if audit_rows < 0 or outbox_rows < 0:
            raise CommandError("--audit-rows and --outbox-rows cannot be negative.")
        try:
            verbose = options["verbosity"] > 1
            log = lambda m: self.stdout.write(m) if verbose else None  # noqa: E731
            if history:
                made = scale.add_history(audit=audit_rows, outbox=outbox_rows, log=log)
                self.stdout.write(f"History added in {time.perf_counter() - started:.1f} s: {made}")
                return
            made = scale.seed(size, force=force, log=log)
        except scale.ScaleRefused as exc:
            raise CommandError(str(exc)) from exc
        for name, count in made.items():
            self.stdout.write(f"  {name:<20} {count:>9,}")
        self.stdout.write(self.style.SUCCESS(f"Size {size} loaded in {time.perf_counter() - started:.1f} s."))
