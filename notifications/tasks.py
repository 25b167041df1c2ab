"""Celery tasks for notification email. Thin: they call notifications.email / .digests.

Every send is idempotent (emailed_at, set under a row lock), so redelivery after a crashed worker
(acks_late) and retries after an SMTP failure never email twice what was already sent.
"""

import logging
import smtplib

from celery import shared_task
from django.db import DatabaseError

from notifications import digests, email

log = logging.getLogger(__name__)

# SMTP refusals and timeouts (smtplib.SMTPException, OSError) and database hiccups are worth
# another try, later and later: 5 s, 10 s, 20 s ... up to 10 minutes, about an hour in all.
SENDING = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "ignore_result": True,
    "autoretry_for": (smtplib.SMTPException, OSError, DatabaseError),
    "retry_backoff": 5,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 10,
}


@shared_task(name="notifications.send_pending_immediate", **SENDING)
def send_pending_immediate(user_id: int) -> int:
    """One email with everything the member is waiting for immediately (a burst becomes one)."""
    return email.send_pending_immediate(user_id)


@shared_task(name="notifications.sweep_immediate", acks_late=True, ignore_result=True)
def sweep_immediate() -> int:
    """celery beat, every minute: send what a lost schedule (broker or cache down) left waiting."""
    user_ids = email.users_left_waiting()
    for user_id in user_ids:
        send_pending_immediate.delay(user_id)
    if user_ids:
        log.info("Email sweep: scheduled %d members left waiting.", len(user_ids))
    return len(user_ids)


@shared_task(name="notifications.send_digests", acks_late=True, ignore_result=True)
def send_digests(frequency: str) -> int:
    """celery beat: "daily" every day, "weekly" on Mondays. One task per member with news."""
    user_ids = digests.users_due(frequency)
    for user_id in user_ids:
        send_digest.delay(user_id, frequency)
    return len(user_ids)


@shared_task(name="notifications.send_digest", **SENDING)
def send_digest(user_id: int, frequency: str) -> int:
    return digests.send_digest(user_id=user_id, frequency=frequency)
