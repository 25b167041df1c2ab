"""Celery tasks for the helpdesk bridge. Thin: they call helpdesk services.

A failed try is not retried by Celery's own countdowns (held in the broker, lost with it, and
replayed early by Redis after its visibility timeout) but by the ticket's `next_attempt_at`,
which `retry_tickets` reads every minute: the backoff lives in the database, with the ticket."""

from celery import shared_task

from helpdesk import services
from insights.tasks import PERIODIC

# insights' policy: acks late, redelivered if a worker dies, a few retries on database errors.
# (A failed try at the helpdesk is no exception: it is recorded, and retried from the database.)
RELIABLE = PERIODIC


@shared_task(name="helpdesk.open_ticket", **RELIABLE)
def open_ticket(ticket_id: int) -> str:
    """One try at opening a ticket, if it is due (a second delivery finds it claimed or opened)."""
    return services.ticket_open_attempt(ticket_id=ticket_id)


@shared_task(name="helpdesk.retry_tickets", **RELIABLE)
def retry_tickets() -> int:
    """Start the tries that are due (the scheduler, every minute)."""
    return services.tickets_retry_due()
