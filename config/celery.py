"""The Celery app. Without REDIS_URL the settings make every task run eagerly, inline."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("commonplace")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="commonplace.ping")
def ping() -> str:
    """Round trip used by /healthz checks and the integration tests to prove a worker is live."""
    return "pong"
