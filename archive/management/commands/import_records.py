"""manage.py import_records: import records from a JSON Lines or CSV file, all or nothing."""

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from archive import permissions
from archive.services.imports import import_records


class Command(BaseCommand):
    help = (
        "Import records from a JSON Lines (.jsonl) or CSV (.csv) file; see docs/import.md. "
        "Every row is checked first; if any row has an error nothing is written. With "
        "--dry-run the file is only checked and the report says what would happen."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--as",
            dest="username",
            required=True,
            help="The archivist account the import is made as (it is named in the audit log).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and report; write nothing."
        )

    def handle(self, *args, path: Path, username: str, dry_run: bool, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None or not permissions.is_archivist(user):
            raise CommandError(f"{username!r} is not an active archivist account.")
        data = _read(path)
        report = import_records(data=data, name=path.name, by=user, dry_run=dry_run)
        for line in report.lines():
            self.stdout.write(line)
        for notice in report.notices:
            self.stderr.write(notice)
        if not report.ok:
            raise CommandError(
                f"Nothing imported: {len(report.errors)} error(s); fix them and run again."
            )
        if dry_run:
            self.stdout.write("dry run: nothing was written")
        else:
            self.stdout.write(f"search index: applied {report.index_updates} queued update(s)")


def _read(path: Path) -> bytes:
    limit = settings.ARCHIVE_IMPORT_MAX_BYTES
    try:
        if path.stat().st_size > limit:
            raise CommandError(
                f"{path} has {path.stat().st_size:,} bytes; at most {limit:,} are taken "
                "(ARCHIVE_IMPORT_MAX_BYTES). Split it into smaller files."
            )
        return path.read_bytes()
    except OSError as exc:
        raise CommandError(f"{path} cannot be read: {exc.strerror}") from None
