"""manage.py rebuild_index: build a fresh index generation and switch to it atomically.

Replaces haystack's command, which clears the live index and rewrites it in place while
other writers may hold Whoosh's lock (it hung in trials; see docs/search.md).
"""

from django.core.management.base import BaseCommand

from archive.models import Record
from archive.search import engine


class Command(BaseCommand):
    help = "Rebuild the whole search index from the database into a new generation."

    def add_arguments(self, parser):
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_true",
            help="Accepted for compatibility; nothing is asked.",
        )
        parser.add_argument("--procs", type=int, default=1, help="Whoosh writer processes.")
        parser.add_argument(
            "--limitmb",
            type=int,
            default=None,
            help="Megabytes of postings a writer process holds before it writes them as a "
            "segment and starts another (default: the ARCHIVE_REBUILD_LIMIT_MB setting).",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Only rebuild if the index holds no documents but the database has records, "
            "or was written by an older version of the archive.",
        )

    def handle(self, *args, procs: int, if_empty: bool, limitmb: int | None, **options):
        if if_empty and not engine.schema_is_current():
            self.stdout.write("search index was written by an older version; rebuilding")
        elif if_empty and (engine.document_count() or not Record.objects.exists()):
            self.stdout.write("search index present; not rebuilt")
            return
        report = engine.rebuild(procs=procs, limitmb=limitmb)
        self.stdout.write(
            f"indexed {report.records} record(s), {report.documents} document(s) "
            f"in {report.seconds:.1f} s into {report.generation}"
        )
