"""manage.py backup DEST: one archive file with the database, the media and a manifest."""

from django.core.management.base import BaseCommand, CommandError

from archive.services.backup import create_backup
from archive.services.backup_format import BackupError


class Command(BaseCommand):
    help = (
        "Write a backup (database, media, restore settings, SHA-256 manifest) to DEST, a .tar "
        "or .tar.gz file, or a directory (which gets archive-backup-<UTC time>.tar.gz). Safe "
        "while the server runs. Never contains secrets. See docs/backup.md."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "dest",
            help="the archive file to write (replaced atomically), or an existing directory "
            "to write a timestamped .tar.gz into",
        )

    def handle(self, *args, dest: str, **options):
        try:
            report = create_backup(dest)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"wrote {report.path} ({report.size:,} bytes, {report.vendor} database of "
            f"{report.database_bytes:,} bytes, {report.media_files} media file(s)) "
            f"in {report.seconds:.1f} s\nmanifest SHA-256 {report.manifest_sha256}"
        )
