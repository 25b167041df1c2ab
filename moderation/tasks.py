"""Celery tasks for moderation. Thin: they call moderation services."""

import logging

from celery import shared_task
from django.db import DatabaseError, InterfaceError, OperationalError

from moderation import serial_voting

log = logging.getLogger(__name__)


@shared_task(
    name="moderation.detect_serial_voting",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    autoretry_for=(OperationalError, InterfaceError, DatabaseError),
    retry_backoff=5,
    max_retries=3,
)
def detect_serial_voting() -> int:
    """Find voting rings in the last hours and reverse what they earned (celery beat, hourly).
    Idempotent: a second run, or a redelivery, reverses nothing new. Returns entries reversed."""
    reversed_ids = serial_voting.detect_and_neutralise()
    if reversed_ids:
        log.info("Serial voting: sent %d ledger entries for reversal.", len(reversed_ids))
    return len(reversed_ids)
