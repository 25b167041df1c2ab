"""Celery tasks for the ledger. Thin: they call reputation.ledger / reputation.badges."""

import datetime as dt
import logging

from celery import shared_task
from django.db import DatabaseError, InterfaceError, OperationalError
from django.utils import timezone

from reputation import badges, ledger
from reputation.models import ReputationEvent

log = logging.getLogger(__name__)
RESEND_AFTER = dt.timedelta(seconds=60)


@shared_task(
    name="reputation.apply_event",
    # Nobody reads the result, and asking for one made every publish subscribe to the result
    # backend first: with Redis down that retried for ~20 s, hanging the request that voted.
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError, DatabaseError),
    retry_backoff=1,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=12,
)
def apply_event(event_id: int) -> int:
    """Apply one reputation event. Delivered twice, it writes once. Returns entries' owners."""
    applied = ledger.apply_event(event_id)
    if applied is None:
        return 0
    for user_id in sorted(applied.badge_user_ids):
        award_badges.delay(user_id)
    return len(applied.user_ids)


@shared_task(name="reputation.resend_pending", acks_late=True, ignore_result=True)
def resend_pending(older_than_seconds: int = int(RESEND_AFTER.total_seconds()), limit: int = 5000) -> int:
    """The outbox sweep (celery beat): re-send events still pending after a minute, oldest first."""
    cutoff = timezone.now() - dt.timedelta(seconds=older_than_seconds)
    ids = list(
        ReputationEvent.objects.pending()
        .filter(created_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    for event_id in ids:
        apply_event.delay(event_id)
    if ids:
        log.info("Re-sent %d pending reputation events.", len(ids))
    return len(ids)


@shared_task(
    name="reputation.award_badges",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=1,
    max_retries=8,
    ignore_result=True,
)
def award_badges(user_id: int) -> list[str]:
    return badges.award_badges(user_id)
