"""manage.py restore SRC: check a backup whole, then load it into an empty deployment."""

from django.core.management.base import BaseCommand, CommandError

from archive.services.backup_format import BackupError
from archive.services.restore import restore_backup, verified_archive


class Command(BaseCommand):
    help = (
        "Check every hash of the backup SRC, then restore it into this (empty) deployment: "
        "database, media, migrations, a fresh search index. Refuses a damaged archive or a "
        "non-empty target without changing anything. See docs/backup.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("src", help="the backup archive file")
        parser.add_argument(
            "--check",
            action="store_true",
            help="only verify the archive (hashes, sizes, paths, members); change nothing",
        )
        parser.add_argument(
            "--manifest-sha256",
            help="refuse unless the manifest's SHA-256 is this (as printed by backup)",
        )

    def handle(self, *args, src: str, check: bool, manifest_sha256: str | None, **options):
        try:
            if check:
                with verified_archive(src, manifest_sha256) as verified:
                    files = len(verified.manifest["files"])
                    self.stdout.write(
                        f"{src}: intact ({files} files, {verified.vendor} database, "
                        f"{len(verified.media_files())} media file(s), made "
                        f"{verified.manifest['created_at']})\n"
                        f"manifest SHA-256 {verified.manifest_sha256}"
                    )
                return
            report = restore_backup(src, expect_manifest_sha256=manifest_sha256)
        except BackupError as exc:
            raise CommandError(f"{exc}\nNothing was changed.") from exc
        migrated = ", ".join(report.migrations_applied) or "none needed"
        self.stdout.write(
            f"restored the {report.vendor} backup made {report.created_at}: "
            f"{report.media_files} media file(s), migrations applied: {migrated}, "
            f"{report.indexed_records} record(s) indexed, in {report.seconds:.1f} s"
        )
