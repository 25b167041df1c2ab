"""A Celery worker whose ledger stalls once, mid-task: `python -m tests.integration.slow_worker
worker [celery worker options]`.

Test-only, and only in this process (and the pool children it forks): the first event any pool
process applies writes its entries, then the process records "<pid> <event id>" in the file named
by COMMONPLACE_TEST_STALL_MARKER and sleeps inside the still-open transaction for
COMMONPLACE_TEST_STALL_SECONDS (default 120). A test waits for the marker and kills the process:
a deterministic "killed mid-task, entries written but not committed". Every later event (the
marker exists) is applied at full speed, so the redelivered one goes through.
"""

import os
import sys
import time
from pathlib import Path


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()

    from config.celery import app
    from reputation import ledger

    marker = Path(os.environ["COMMONPLACE_TEST_STALL_MARKER"])
    seconds = float(os.environ.get("COMMONPLACE_TEST_STALL_SECONDS", "120"))
    apply = ledger._apply

    def stalling_apply(event):
        touched = apply(event)
        try:
            fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return touched
        with os.fdopen(fd, "w") as handle:
            handle.write(f"{os.getpid()} {event.pk}\n")
        time.sleep(seconds)
        return touched

    ledger._apply = stalling_apply
    app.worker_main(sys.argv[1:])  # ["worker", options...]


if __name__ == "__main__":
    main()
