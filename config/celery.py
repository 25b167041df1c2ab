"""The Celery app. Without REDIS_URL the settings make every task run eagerly, inline."""

import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("commonplace")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="commonplace.ping")
def ping() -> str:
    """Round trip used by /healthz checks and the integration tests to prove a worker is live."""
    return "pong"


@worker_init.connect
def keep_database_connections(sender=None, **kwargs) -> None:
    """Let a worker keep its PostgreSQL connection for CONN_MAX_AGE, as a web process does.

    Celery's Django fixup closes every database connection before and after each task with
    `conn.close()`, whatever CONN_MAX_AGE says (only its own CELERY_DB_REUSE_MAX, a task count,
    changes that), so each task paid a new PostgreSQL session. Here it calls Django's
    `close_old_connections` instead, which closes a connection only once it is older than
    CONN_MAX_AGE, or unusable (an error left it broken), exactly as around a web request. The
    fixup still closes the connections a pool process inherits when it is forked."""
    from django.db import close_old_connections

    for fixup in getattr(sender.app, "_fixups", ()):
        worker_fixup = getattr(fixup, "worker_fixup", None)
        if worker_fixup is not None:
            worker_fixup.close_database = lambda **_: close_old_connections()
