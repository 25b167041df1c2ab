"""Celery tasks for the ledger. Thin: they call reputation.ledger / reputation.badges."""

import datetime as dt
import logging

from celery import shared_task
from django.db import DatabaseError, InterfaceError, OperationalError

from reputation import badges, events, ledger
from reputation.models import ReputationEvent

log = logging.getLogger(__name__)
# An event whose publish failed is re-sent a minute after it was recorded; one that reached the
# broker only once its last send is older than the lease: its message may still be queued
# behind a backlog, and re-sending it then would only multiply the backlog.
RESEND_AFTER = dt.timedelta(seconds=60)
RESEND_LEASE = dt.timedelta(minutes=5)
RESEND_BATCH = 1000  # per sweep (every 30 s); the rest wait for the next one


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
    """A wake-up: apply every event pending when it starts, in batches (reputation.ledger), its
    own included. Events committed while it was queued may have published nothing, counting on
    it (reputation.events: one wake-up queued at a time). Delivered twice, it writes once: a
    delivery that finds nothing pending returns after one query. Returns how many events it
    applied. Badge checks are queued at each batch's commit."""
    events.wake_up_started(apply_event.app)  # from now, a newly committed event sends its own
    newest = events.newest_pending_id()
    if newest is None:
        return 0
    target = max(event_id, newest)
    applied = ledger.apply_event(target, drain_seconds=ledger.DRAIN_SECONDS)
    if applied is None and ReputationEvent.objects.pending().filter(pk=target).exists():
        # Stopped by its time limit before reaching `target` (a backlog after an outage):
        # another wake-up goes on where this one stopped.
        events.enqueue_event(target)
    return 0 if applied is None else len(applied.event_ids)


@shared_task(name="reputation.resend_pending", acks_late=True, ignore_result=True)
def resend_pending(
    older_than_seconds: int = int(RESEND_LEASE.total_seconds()), limit: int = RESEND_BATCH
) -> int:
    """The outbox sweep (celery beat): re-send, oldest first and at most `limit`, the pending
    events whose message is not on its way: last sent over `older_than_seconds` ago (the lease),
    or never published and recorded over a minute ago. 0 re-sends every pending event."""
    lease = dt.timedelta(seconds=older_than_seconds)
    ids = events.claim_for_resend(lease=lease, unsent_after=min(lease, RESEND_AFTER), limit=limit)
    for event_id in ids:
        events.enqueue_event(event_id)
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
