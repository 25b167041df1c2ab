import shutil
import time

from django.core.management.base import BaseCommand
from django.db import transaction
from tqdm import tqdm

from forum.search import search_rebuild

#: Without a terminal, a line at most this often (and one at the end).
PLAIN_EVERY_S = 5.0


class Command(BaseCommand):
    help = (
        "Index every question again (title, body, visible answers, tags and the one-word forms of "
        "hyphenated words) in the database's search table, in one transaction: searches keep "
        "working meanwhile. Safe to run at any time. Shows a progress bar on a terminal, and a "
        "line every few seconds otherwise."
    )

    def handle(self, *args, **options):
        started = time.monotonic()
        if self.stdout.isatty():
            # A terminal that reports no width (0 columns) gets shutil's fallback of 80.
            width = shutil.get_terminal_size().columns
            bar = tqdm(total=None, unit=" questions", file=self.stdout._out, ncols=width)

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

        else:
            bar = None
            last = [started]

            def progress(done: int, total: int) -> None:
                now = time.monotonic()
                if now - last[0] >= PLAIN_EVERY_S or done == total:
                    last[0] = now
                    self.stdout.write(
                        f"Indexed {done:,} of {total:,} questions ({100 * done // max(total, 1)}%, "
                        f"{now - started:.0f} s)"
                    )

        with transaction.atomic():
            count = search_rebuild(progress=progress)
        if bar is not None:
            bar.close()
        self.stdout.write(f"Indexed {count} questions. ({time.monotonic() - started:.1f} s)")
