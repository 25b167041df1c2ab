"""A ticket in the company's helpdesk for a thread taken to private follow-up."""

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Status(models.TextChoices):
    """Our names for a ticket's status; each adapter maps the helpdesk's own onto these."""

    NEW = "new", "New"
    OPEN = "open", "Open"
    PENDING = "pending", "Pending"
    SOLVED = "solved", "Solved"
    CLOSED = "closed", "Closed"


DONE = (Status.SOLVED, Status.CLOSED)
# Longer than one try can take (outbound's 5 s to connect and 10 s to read, twice for Zendesk's
# look-up): a try claims its ticket this long, and a claim left by a dead worker then expires.
LEASE = dt.timedelta(minutes=2)


class HelpdeskTicketQuerySet(models.QuerySet):
    def due(self, *, now) -> "HelpdeskTicketQuerySet":
        """Not opened yet, and its next try is due (helpdesk.retry_tickets)."""
        return self.filter(external_id="", next_attempt_at__lte=now)


class HelpdeskTicket(models.Model):
    """One per escalation. Created when staff ask for it, in the transaction that asked; the
    helpdesk is called afterwards, by a task (helpdesk/services.py explains the states).

    Private, like the helpdesk itself: only the care team (insights' allow_escalate) sees it."""

    escalation = models.OneToOneField(
        "insights.Escalation", on_delete=models.CASCADE, related_name="helpdesk_ticket"
    )
    adapter = models.CharField(max_length=20)
    # Sent with every try, so a helpdesk that got a request whose answer was lost recognises it
    # (the generic contract's "id", Zendesk's external_id and Idempotency-Key).
    request_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The escalation as it was when staff asked (with their private note): every try sends the same.
    request = models.JSONField(default=dict)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    # Filled in when the helpdesk answers with its ticket.
    external_id = models.CharField(max_length=100, blank=True)
    url = models.URLField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    last_status_at = models.DateTimeField(null=True, blank=True)
    solved_at = models.DateTimeField(null=True, blank=True)
    # The sender's signed time of the last status callback applied: an older one, delivered late,
    # does not undo a newer one.
    last_callback_signed_at = models.DateTimeField(null=True, blank=True)
    # Trying to open it: how often, when next (None once opened, or after giving up), since when
    # a try is under way (None between tries), when to stop retrying, and what went wrong.
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    trying_since = models.DateTimeField(null=True, blank=True)
    give_up_at = models.DateTimeField()
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    # A public outcome the helpdesk sent that could not be posted in the opener's name (they are
    # no longer staff, or suspended): kept here for the care team to post.
    pending_outcome = models.TextField(blank=True)

    objects = HelpdeskTicketQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["next_attempt_at"], name="helpdesk_ticket_next_attempt")]
        constraints = [
            models.UniqueConstraint(
                fields=["adapter", "external_id"],
                condition=~Q(external_id=""),
                name="helpdesk_ticket_external_id_once",
            ),
            models.CheckConstraint(
                condition=Q(external_id="", status="", opened_at__isnull=True)
                | (
                    ~Q(external_id="")
                    & ~Q(status="")
                    & Q(opened_at__isnull=False, next_attempt_at__isnull=True)
                ),
                name="helpdesk_ticket_opened_iff_external_id",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.adapter} ticket {self.external_id or '(not opened)'} for escalation {self.escalation_id}"
        )

    @property
    def helpdesk_name(self) -> str:
        """The name of the helpdesk it was asked of ("Zendesk"), as pages show it."""
        from helpdesk import adapters

        return adapters.get(self.adapter).display_name if self.adapter in adapters.ADAPTERS else self.adapter

    @property
    def is_opened(self) -> bool:
        return bool(self.external_id)

    @property
    def is_opening(self) -> bool:
        """Asked for and not opened yet: a try is under way or due."""
        return not self.is_opened and self.next_attempt_at is not None

    def is_trying(self, now) -> bool:
        """A try claimed the ticket and has not finished (nor outlived its claim)."""
        return self.trying_since is not None and self.trying_since > now - LEASE

    @property
    def opens_soon(self) -> bool:
        """A try is under way or due within the minute: the panel keeps asking (htmx), rather
        than through the hour-long pauses between late retries."""
        soon = timezone.now() + dt.timedelta(minutes=1)
        return self.is_opening and (self.trying_since is not None or self.next_attempt_at <= soon)

    @property
    def has_failed(self) -> bool:
        """Given up after retrying (or refused outright): staff may try again."""
        return not self.is_opened and self.next_attempt_at is None

    @property
    def is_done(self) -> bool:
        return self.status in DONE
