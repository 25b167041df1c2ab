from django.core.management.base import BaseCommand
from django.db import transaction

from forum.search import search_rebuild


class Command(BaseCommand):
    help = (
        "Index every question again (title, body, visible answers, tags and the one-word forms of "
        "hyphenated words) in the database's search table, in one transaction: searches keep "
        "working meanwhile. Safe to run at any time."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            count = search_rebuild()
        self.stdout.write(f"Indexed {count} questions.")
