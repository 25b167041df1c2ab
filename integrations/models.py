"""Signed webhooks: the endpoints community managers register, the events the site records for
them (an outbox written in the fact's own transaction), one delivery per event and endpoint, and
every attempt to send it."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from integrations.schedule import ENQUEUE_GRACE


class EventType(models.TextChoices):
    """The catalogue an endpoint subscribes from (README, "Webhooks")."""

    QUESTION_CREATED = "question.created", "A question is asked"
    ANSWER_CREATED = "answer.created", "An answer is posted"
    ANSWER_ACCEPTED = "answer.accepted", "An asker accepts an answer"
    QUESTION_SOLVED = "question.solved", "A question without an accepted answer gets one"
    COMMENT_CREATED = "comment.created", "A comment is posted"
    ESCALATION_OPENED = "escalation.opened", "Staff take a thread to private follow-up"
    ESCALATION_RESOLVED = "escalation.resolved", "Staff post the outcome of a private follow-up"
    FLAG_RAISED = "flag.raised", "A member flags a post"
    REPUTATION_CHANGED = "reputation.changed", "A line is written on a member's reputation ledger"
    MEMBER_SUSPENDED = "member.suspended", "A member is suspended"


# Sent only by the console's "Send a test ping", to one endpoint; nobody subscribes to it.
PING = "ping"


class WebhookEndpoint(models.Model):
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    # Stored as typed, not hashed: every delivery is signed with it (HMAC needs the secret
    # itself), and the community manager may reveal it again from the console.
    secret = models.CharField(max_length=100)
    # After a rotation, the old secret still signs (a second v1= in the header) until this
    # moment, so a receiver can switch without dropping a delivery.
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    event_types = models.JSONField(default=list)  # values of EventType
    active = models.BooleanField(default=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="webhook_endpoints"
    )
    created_at = models.DateTimeField(default=timezone.now)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    # The first failed attempt since the last success; 24 hours of nothing but failures
    # disables the endpoint (integrations/delivery.py).
    failing_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(active=True, disabled_at__isnull=True)
                | Q(active=False, disabled_at__isnull=False),
                name="webhook_disabled_iff_inactive",
            ),
        ]

    def __str__(self) -> str:
        return self.url

    def subscribes_to(self, event_type: str) -> bool:
        return event_type in self.event_types

    def signing_secrets(self, now=None) -> list[str]:
        """The secrets a delivery is signed with now: the current one, and the previous one
        while its rotation grace lasts."""
        now = now or timezone.now()
        secrets = [self.secret]
        if self.previous_secret and self.previous_secret_expires_at and self.previous_secret_expires_at > now:
            secrets.append(self.previous_secret)
        return secrets

    @property
    def rotating(self) -> bool:
        """The previous secret still signs beside the current one."""
        return len(self.signing_secrets()) > 1

    @property
    def event_type_labels(self) -> list[str]:
        return [EventType(value).label if value in EventType.values else value for value in self.event_types]


class Event(models.Model):
    """One fact, as receivers see it. `body` is the JSON envelope, serialised once when the
    fact happened, so every delivery and every retry sends the very same bytes."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    type = models.CharField(max_length=40)
    created_at = models.DateTimeField(default=timezone.now)
    body = models.TextField()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.type} {self.id}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed (retries used up)"
    PAUSED = "paused", "Paused (endpoint disabled)"


class DeliveryQuerySet(models.QuerySet):
    def due(self, now):
        """Pending, due, and not on its way: no worker holds its lease, and it was not put on
        the queue a moment ago (the sweep sends these)."""
        return self.filter(
            Q(sending_until__isnull=True) | Q(sending_until__lt=now),
            Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - ENQUEUE_GRACE),
            status=DeliveryStatus.PENDING,
            next_attempt_at__lte=now,
        )


class Delivery(models.Model):
    """An event on its way to one endpoint: the outbox row, written with the fact."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    # A redelivery (the console's "Redeliver") is a new row for the same event and event id.
    redelivery_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="redeliveries"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # Put on the queue at this moment (the sweep leaves it alone for a while), and claimed by a
    # worker until this moment (the lease: nobody else sends it meanwhile).
    enqueued_at = models.DateTimeField(null=True, blank=True)
    sending_until = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(fields=["endpoint", "-created_at"], name="delivery_log"),
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="delivery_pending"),
        ]

    def __str__(self) -> str:
        return f"delivery {self.pk} of {self.event_id} to {self.endpoint_id}"

    @property
    def is_pending(self) -> bool:
        return self.status == DeliveryStatus.PENDING

    @property
    def state_label(self) -> str:
        """How the log names it: "Sending", "Queued", "Retrying" for the three pending states."""
        if self.status != DeliveryStatus.PENDING:
            return self.get_status_display()
        if self.sending_until and self.sending_until > timezone.now():
            return "Sending"
        return "Retrying" if self.attempts else "Queued"


class Attempt(models.Model):
    """One request to the endpoint (or one refused before it left), as the log shows it."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_rows")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)  # a refusal or a network failure
    response_excerpt = models.TextField(blank=True)  # the first 2,000 characters of the answer
    succeeded = models.BooleanField(default=False)

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="attempt_number_once")]

    def __str__(self) -> str:
        return f"attempt {self.number} of delivery {self.delivery_id}"
