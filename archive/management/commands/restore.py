"""manage.py restore SRC: check a backup whole, then load it into an empty deployment."""

import argparse

from django.core.management.base import BaseCommand, CommandError

from archive.services.backup_format import BackupError
from archive.services.restore import check_backup, restore_backup


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
            help=(
                "check everything restore checks (the archive's hashes, sizes, paths and "
                "members, and the schema and audit chain of the database inside it, by a "
                "restore into a scratch database removed afterwards); change nothing"
            ),
        )
        # The scratch restore that --check runs in a child process: no search index.
        parser.add_argument("--into-scratch", action="store_true", help=argparse.SUPPRESS)
        parser.add_argument(
            "--manifest-sha256",
            help="refuse unless the manifest's SHA-256 is this (as printed by backup)",
        )

    def handle(
        self,
        *args,
        src: str,
        check: bool,
        manifest_sha256: str | None,
        into_scratch: bool,
        **options,
    ):
        try:
            if check:
                found = check_backup(src, expect_manifest_sha256=manifest_sha256)
                self.stdout.write(
                    f"{src}: intact ({found['files']} files, {found['vendor']} database, "
                    f"{found['media_files']} media file(s), made {found['created_at']}); "
                    "its database restores with the schema this code's migrations make and "
                    f"a whole audit chain\nmanifest SHA-256 {found['manifest_sha256']}"
                )
                return
            report = restore_backup(
                src, expect_manifest_sha256=manifest_sha256, index=not into_scratch
            )
        except BackupError as exc:
            raise CommandError(f"{exc}\nNothing was changed.") from exc
        migrated = ", ".join(report.migrations_applied) or "none needed"
        self.stdout.write(
            f"restored the {report.vendor} backup made {report.created_at}: "
            f"{report.media_files} media file(s), migrations applied: {migrated}, "
            f"{report.indexed_records} record(s) indexed, in {report.seconds:.1f} s"
        )
