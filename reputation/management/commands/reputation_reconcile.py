import argparse
import sys

from django.core.management.base import BaseCommand, CommandError

from reputation import reconcile


class Command(BaseCommand):
    help = (
        "Recompute every reputation total from the ledger and check the ledger against the facts "
        "(votes, accepted answers, also-helped marks) and for events pending over a minute. "
        "Reports drift; --fix repairs it (totals from the ledger, facts by corrective ledger "
        "entries, never by editing one). Exits 1 when drift is left unfixed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="Repair what is found, then check again.")
        parser.add_argument(
            "--progress",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="Show progress bars on stderr (default: only on a terminal).",
        )

    def handle(self, *args, fix: bool, progress: bool | None, **options):
        stream = options.get("stderr") or sys.stderr
        outcome = reconcile.reconcile(fix=fix, progress=progress, file=stream)
        for line in reconcile.describe(outcome, verbose=options["verbosity"] > 1):
            self.stdout.write(line)
        if outcome.unresolved:
            hint = "" if fix else " Run again with --fix to repair it."
            raise CommandError(f"{outcome.unresolved:,} drift left unfixed.{hint}")
