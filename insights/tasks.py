"""Celery tasks for insights. Thin: they call insights services."""

from celery import shared_task
from django.db import DatabaseError, InterfaceError, OperationalError
from django.utils import timezone

from insights import figures, services


@shared_task(
    name="insights.compute",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    autoretry_for=(OperationalError, InterfaceError, DatabaseError),
    retry_backoff=5,
    max_retries=3,
)
def compute() -> int:
    """Recompute the default insight views (each period, every tag) into their snapshots
    (celery beat, every 10 minutes). Running twice just stores fresher figures."""
    now = timezone.now()
    for period in figures.PERIODS:
        services.snapshot_refresh(period=period, now=now)
    return len(figures.PERIODS)
