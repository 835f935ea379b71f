"""manage.py update_index: queue every record and apply the queue through the single writer."""

from django.core.management.base import BaseCommand

from archive.models import Record
from archive.models.search import enqueue_records
from archive.search import engine


class Command(BaseCommand):
    help = "Re-index every record in place (use rebuild_index for a fresh generation)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args, batch_size: int, **options):
        enqueue_records(Record.objects.values_list("pk", flat=True))
        self.stdout.write(f"applied {engine.drain(batch_size)} update(s)")
