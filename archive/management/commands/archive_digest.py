"""manage.py archive_digest: counts and hashes of everything held, to compare deployments."""

import json

from django.core.management.base import BaseCommand

from archive.services.digest import archive_digest


class Command(BaseCommand):
    help = (
        "Print a JSON digest (row counts and SHA-256 of every table that holds the archive, "
        "of the media files and of a few searches). Run it before a backup and after the "
        "restore: equal digests mean an identical archive. It holds no testimony."
    )

    def handle(self, *args, **options):
        self.stdout.write(json.dumps(archive_digest(), indent=1, sort_keys=True))
