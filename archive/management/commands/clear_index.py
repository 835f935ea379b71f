"""manage.py clear_index: switch to an empty index generation."""

from django.core.management.base import BaseCommand

from archive.search import engine


class Command(BaseCommand):
    help = "Empty the search index (searches find nothing until rebuild_index or the worker)."

    def add_arguments(self, parser):
        parser.add_argument("--noinput", "--no-input", action="store_true")

    def handle(self, *args, **options):
        engine.clear()
        self.stdout.write("index cleared")
