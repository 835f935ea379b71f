"""manage.py load_seeds: load the starter vocabulary and seed articles; safe to re-run."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from archive.search import engine
from archive.services.seeds import SeedError, load_seeds


class Command(BaseCommand):
    help = (
        "Load seeds/vocabulary.yaml and the articles listed in seeds/manifest.yaml. Creates what "
        "is missing; with --update also brings seed records and terms in line with the files, "
        "except those an archivist has edited."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seeds-dir",
            type=Path,
            default=Path(settings.BASE_DIR) / "seeds",
            help="Directory holding manifest.yaml, vocabulary.yaml and the documents.",
        )
        parser.add_argument(
            "--update",
            action="store_true",
            help="Update existing seed records and terms that no archivist has edited.",
        )

    def handle(self, *args, seeds_dir: Path, update: bool, **options):
        try:
            report = load_seeds(seeds_dir=seeds_dir, update=update)
        except SeedError as exc:
            raise CommandError(
                "Seeds not loaded, nothing changed:\n  " + "\n  ".join(exc.problems)
            ) from exc
        for line in report.lines():
            self.stdout.write(line)
        # Leave the index current when the load finishes, as every import does.
        self.stdout.write(f"search index: applied {engine.drain()} queued update(s)")
