"""manage.py index_status: queue length, and the database compared with the index."""

from django.core.management.base import BaseCommand, CommandError

from archive.search import engine


class Command(BaseCommand):
    help = "Print the index queue and compare the database with the index (missing, extra, stale)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="Exit non-zero unless the index is in sync."
        )

    def handle(self, *args, check: bool, **options):
        status = engine.status()
        age = status.oldest_queued_seconds
        self.stdout.write(
            f"queue: {status.queued} update(s)"
            + (f", oldest {age:.0f} s old" if age is not None else "")
        )
        self.stdout.write(
            f"documents: {status.database_documents} expected from the database, "
            f"{status.index_documents} in the index"
        )
        for label, ids in (
            ("missing", status.missing),
            ("extra", status.extra),
            ("stale", status.stale),
        ):
            shown = ", ".join(ids[:10]) + (" …" if len(ids) > 10 else "")
            self.stdout.write(f"{label}: {len(ids)}" + (f" ({shown})" if ids else ""))
        if check and not (status.in_sync and status.queued == 0):
            raise CommandError("the index is not in sync with the database")
