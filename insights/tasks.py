"""Celery tasks for insights. Thin: they call insights services."""

from celery import shared_task
from django.db import DatabaseError, InterfaceError, OperationalError
from django.utils import timezone

from insights import figures, services

# Both are periodic, idempotent and cheap to redo: a database hiccup is worth a few more tries.
PERIODIC = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "ignore_result": True,
    "autoretry_for": (OperationalError, InterfaceError, DatabaseError),
    "retry_backoff": 5,
    "max_retries": 3,
}


@shared_task(name="insights.compute", **PERIODIC)
def compute() -> int:
    """Recompute the default insight views (each period, every tag) into their snapshots
    (celery beat, every 10 minutes). Running twice just stores fresher figures."""
    now = timezone.now()
    for period in figures.PERIODS:
        services.snapshot_refresh(period=period, now=now)
    return len(figures.PERIODS)


@shared_task(name="insights.remind_escalations", **PERIODIC)
def remind_escalations() -> int:
    """Remind staff of private follow-ups still waiting for their outcome (the scheduler, every
    15 minutes; each one at most once per COMMONPLACE_ESCALATION_REMIND_HOURS)."""
    return services.escalation_reminders_send()
