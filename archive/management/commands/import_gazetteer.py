"""manage.py import_gazetteer PATH [--dry-run]: the ASPI facility dataset as camp terms."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from archive.services.gazetteer import GazetteerError, import_gazetteer


class Command(BaseCommand):
    help = (
        "Load the ASPI Xinjiang Data Project facility CSV into camp terms under county and "
        "prefecture place terms. Re-running changes nothing; a later version updates what "
        "changed and marks facilities it no longer lists. See docs/gazetteer.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="check and report only")

    def handle(self, *args, path: Path, dry_run: bool, **options):
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}") from None
        try:
            report = import_gazetteer(data=data, dry_run=dry_run)
        except GazetteerError as error:
            raise CommandError(
                "nothing imported:\n" + "\n".join(str(p) for p in error.problems)
            ) from None
        for line in report.lines():
            self.stdout.write(line)
