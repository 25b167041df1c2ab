"""Celery tasks for webhooks. Thin: they call integrations.delivery."""

from celery import shared_task
from django.db import DatabaseError, InterfaceError, OperationalError

from integrations import delivery


@shared_task(
    name="integrations.deliver",
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    # Only the database failing is retried here; a receiver failing is the retry schedule's
    # business (integrations/schedule.py), recorded as an attempt.
    autoretry_for=(OperationalError, InterfaceError, DatabaseError),
    retry_backoff=1,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=8,
)
def deliver(delivery_id: int) -> str:
    """Send one delivery. Idempotent: a delivered, paused or leased one is skipped."""
    return delivery.deliver(delivery_id)


@shared_task(name="integrations.sweep_deliveries", acks_late=True, ignore_result=True)
def sweep_deliveries() -> int:
    """Every minute (celery beat): queue retries that are due and deliveries never queued, and
    forget what the log keeps no longer. Returns how many were queued."""
    queued = delivery.sweep()
    delivery.prune()
    return queued
