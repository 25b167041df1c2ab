"""The scheduler of the periodic jobs (settings.CELERY_BEAT_SCHEDULE), wherever it runs.

It is Celery beat's own `PersistentScheduler` (the schedule kept in a file under var/), named by
CELERY_BEAT_SCHEDULER, so it serves both ways the site runs:

- In production (REDIS_URL set) `celery -A config beat` uses it to send each due job to the
  workers, as before.
- Under `make run` (no REDIS_URL: Celery runs tasks eagerly) `manage.py devserver` starts it in a
  thread of the development server (`start_embedded`), and each due job runs there, inline.

What it adds to Celery's:

- One scheduler per schedule file, never two firing the same job: it holds an exclusive lock on
  `<schedule file>.lock` while it runs (released by the kernel if its process dies), and a second
  one refuses to start (`SchedulerBusy`).
- A job on an interval that has never run in this schedule runs at once, instead of one interval
  after the first start: "refreshed every 10 minutes" holds from the start. Jobs at set times
  (the digests' crontabs) still wait for their time.
- A job that fails is logged with its traceback and tried again at its next time; it never stops
  the scheduler or the server. The thread's database connections are closed after every job.
- The schedule file is written after every job, so a development server killed by its
  autoreloader does not forget what just ran.

It lives in the top app because it is the site's, not one app's, and because `manage.py
devserver` (a management command, so in an installed app) starts it; config (not an app) names
it in the settings.
"""

import atexit
import fcntl
import logging
import os
import threading
import time
from pathlib import Path

from celery import current_app
from celery.beat import PersistentScheduler, Service
from celery.schedules import schedule as every
from django.db import connections

log = logging.getLogger(__name__)

# How long a stopping server waits for the job in hand before leaving it to die with the process
# (every job is idempotent: its next run redoes what was cut short).
STOP_TIMEOUT_SECONDS = 10


class SchedulerBusy(RuntimeError):
    """Another scheduler holds this schedule file."""


def lock_path(schedule_filename: str | os.PathLike) -> Path:
    return Path(f"{schedule_filename}.lock")


def take_lock(schedule_filename: str) -> int:
    """An exclusive, non-blocking flock on the schedule's lock file, with our pid written in it.
    Returns the open descriptor, which holds the lock until it is closed."""
    path = lock_path(schedule_filename)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        raise SchedulerBusy(
            f"Another scheduler (process {holder}) is already running the periodic jobs of "
            f"{schedule_filename}; this one does not start, so that no job runs twice."
        ) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return fd


class Scheduler(PersistentScheduler):
    """Celery beat's persistent scheduler, single-instance, running never-run interval jobs at
    once, and logging (not raising) a job's failure. See the module's docstring."""

    def __init__(self, *args, **kwargs):
        self._lock_fd = None
        # Written after every job (Celery's default: every 3 minutes).
        kwargs.setdefault("sync_every_tasks", 1)
        # Celery builds lazy instances only to describe the schedule (beat's banner): they open
        # nothing, so they take no lock.
        if not kwargs.get("lazy"):
            self._lock_fd = take_lock(kwargs["schedule_filename"])
        try:
            super().__init__(*args, **kwargs)
        except BaseException:
            self._unlock()
            raise

    def setup_schedule(self):
        super().setup_schedule()
        for entry in self.schedule.values():
            if entry.total_run_count == 0 and type(entry.schedule) is every:
                entry.last_run_at = entry.default_now() - entry.schedule.run_every

    def install_default_entries(self, data):
        # Celery adds a nightly clean-up of stored task results; without a result backend (no
        # REDIS_URL) nothing is stored and there is nothing to clean.
        if self.app.conf.result_backend:
            super().install_default_entries(data)

    def apply_entry(self, entry, producer=None):
        inline = self.app.conf.task_always_eager
        if inline and entry.task not in self.app.tasks:
            # Celery would hand it to a broker that is not there, and it would silently not run.
            log.error("Scheduler: %s names %s, which is no registered task; not run.", entry.name, entry.task)
            return
        if not inline:
            log.info("Scheduler: sending %s (%s) to the workers", entry.name, entry.task)
        started = time.monotonic()
        try:
            result = self.apply_async(entry, producer=producer, advance=False)
        except Exception:
            log.exception(
                "Scheduler: %s (%s) failed; it runs again at its next time.", entry.name, entry.task
            )
        else:
            if inline:  # one line per run: what ran, how long it took, what it returned
                seconds = time.monotonic() - started
                log.info(
                    "Scheduler: ran %s (%s) in %.2f s: %r", entry.name, entry.task, seconds, result.result
                )
        finally:
            # The thread's own connections: an embedded scheduler must not hold one for hours.
            connections.close_all()

    def close(self):
        try:
            super().close()
        finally:
            self._unlock()

    def _unlock(self):
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing the descriptor releases the flock
            self._lock_fd = None


class EmbeddedScheduler:
    """The scheduler in a daemon thread of this process, as `celery.beat.EmbeddedService(app,
    thread=True)` runs it, with a stop that does not wait forever for a job in hand."""

    def __init__(
        self, app=None, *, schedule_filename: str | os.PathLike | None = None, max_interval: float = 1
    ):
        self.app = app or current_app
        # What `celery beat` does on start: import every app's tasks module, so that each job's
        # task is registered before its first run (a web process imports them only as it goes).
        self.app.autodiscover_tasks(force=True)
        filename = str(schedule_filename or self.app.conf.beat_schedule_filename)
        self.service = Service(
            self.app,
            max_interval=max_interval,  # how often it wakes: stop() takes up to this long
            scheduler_cls=self.app.conf.beat_scheduler,
            schedule_filename=filename,
            remote_control=False,
        )
        # Built here, in the caller's thread, so that a busy lock or an unreadable schedule is
        # raised to the caller rather than lost in the thread.
        self.scheduler = self.service.scheduler
        self.thread = threading.Thread(target=self.service.start, name="Scheduler", daemon=True)

    def start(self) -> "EmbeddedScheduler":
        self.thread.start()
        atexit.register(self.stop)
        log.info("Scheduler: started in this process, schedule %s", self.service.schedule_filename)
        return self

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
        atexit.unregister(self.stop)
        if not self.thread.is_alive():
            return
        self.service.stop()
        self.thread.join(timeout)
        if self.thread.is_alive():
            log.warning("Scheduler: a job was still running after %s s; it stops with the process.", timeout)


def start_embedded(app=None, **options) -> EmbeddedScheduler | None:
    """Run the periodic jobs in this process when there is no broker to send them to, unless
    another scheduler already runs them. Returns the running scheduler, or None (then says why)."""
    app = app or current_app
    if not app.conf.task_always_eager:
        log.info(
            "Scheduler: not started here: with a broker (REDIS_URL) the periodic jobs are "
            "`celery -A config beat`'s, run by the workers."
        )
        return None
    try:
        return EmbeddedScheduler(app, **options).start()
    except SchedulerBusy as busy:
        log.warning("Scheduler: %s", busy)
        return None
