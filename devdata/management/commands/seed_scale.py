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

    def handle(self, *args, size, force, **options):
        started = time.perf_counter()
        try:
            verbose = options["verbosity"] > 1
            made = scale.seed(size, force=force, log=lambda m: self.stdout.write(m) if verbose else None)
        except scale.ScaleRefused as exc:
            raise CommandError(str(exc)) from exc
        for name, count in made.items():
            self.stdout.write(f"  {name:<20} {count:>9,}")
        self.stdout.write(self.style.SUCCESS(f"Size {size} loaded in {time.perf_counter() - started:.1f} s."))
