"""The reputation ledger and the outbox of facts that feed it.

A fact that earns or costs reputation (a vote, an acceptance, ...) writes a ReputationEvent in
the same transaction as the fact. After commit a Celery task turns the event into LedgerEntry
rows. Entries are append-only: the model and its QuerySet refuse to update or delete them, and a
reversal is a new entry pointing at the one it reverses.
"""

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from reputation.rules import label


class EventKind(models.TextChoices):
    VOTE = "vote", "Vote cast, changed or retracted"
    ACCEPT = "accept", "Answer accepted or unaccepted"
    ALSO_HELPED = "also_helped", "Answer marked (or unmarked) as also helped"
    POST_DELETED = "post_deleted", "Post deleted"
    POST_RESTORED = "post_restored", "Post restored"
    EDIT_APPROVED = "edit_approved", "Suggested edit approved"
    FRAUD_REVERSAL = "fraud_reversal", "Anti-fraud reversal"
    KNOWLEDGE = "knowledge", "Answer became a knowledge-base article"
    APPEAL_RESTORED = "appeal_restored", "Anti-fraud reversal restored on appeal"


class ReputationEventQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(applied_at__isnull=True)


class ReputationEvent(models.Model):
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    vote = models.ForeignKey("forum.Vote", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    question = models.ForeignKey(
        "forum.Question", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answer = models.ForeignKey(
        "forum.Answer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The state the fact left behind, e.g. {"value": -1} for a vote or {"on": true} for an
    # acceptance, so applying events in order reproduces history exactly.
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    applied_at = models.DateTimeField(null=True, blank=True)
    # When its apply task was last handed to the broker: set with the event (it is published at
    # commit), cleared when that publish failed, renewed by each re-send of the outbox sweep,
    # which leaves alone an event whose message may still be queued (see reputation.tasks).
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)

    objects = ReputationEventQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(
                fields=["created_at"], condition=Q(applied_at__isnull=True), name="repevent_pending"
            ),
            # The ledger claims the oldest pending events by id: this keeps the claim (and its
            # look for older pending events) to the pending rows, however long the table grows.
            models.Index(fields=["id"], condition=Q(applied_at__isnull=True), name="repevent_pending_id"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} event {self.pk}"


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove a ledger entry."""


class LedgerEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Ledger entries are never updated; write a reversal instead.")

    def delete(self):
        raise AppendOnlyError("Ledger entries are never deleted; write a reversal instead.")

    def _raw_delete(self, using):
        raise AppendOnlyError("Ledger entries are never deleted; write a reversal instead.")

    def active(self):
        """Entries that hold credit now: not reversed since, and either an original entry or a
        restoration, the reversal of an original's reversal (a serial-voting reversal a
        moderator undid on appeal gives the vote its credit back; a later change of the vote
        reverses the restoration, and that third line holds nothing)."""
        reversed_ = LedgerEntry.objects.filter(reverses=OuterRef("pk"))
        restoration = Q(reverses__reverses__isnull=False, reverses__reverses__reverses__isnull=True)
        return self.filter(Q(reverses__isnull=True) | restoration).exclude(Exists(reversed_))


class LedgerEntry(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    amount = models.IntegerField()
    rule = models.CharField(max_length=40)
    rules_version = models.PositiveSmallIntegerField()
    reason = models.CharField(max_length=200, blank=True)
    event = models.ForeignKey(
        ReputationEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    vote = models.ForeignKey("forum.Vote", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    question = models.ForeignKey(
        "forum.Question", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answer = models.ForeignKey(
        "forum.Answer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    counterparty = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    # When the fact happened (the daily cap and the leaderboard count by this), and when the
    # entry was written (later, if the broker was down for a while).
    occurred_at = models.DateTimeField(db_index=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    idempotency_key = models.CharField(max_length=120, unique=True)

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        verbose_name_plural = "ledger entries"
        indexes = [
            models.Index(fields=["user", "-occurred_at"], name="ledger_user_time"),
            models.Index(fields=["occurred_at", "user"], name="ledger_time_user"),
        ]

    def __str__(self) -> str:
        return f"{self.amount:+d} {self.rule} for {self.user_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Ledger entries are never updated; write a reversal instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Ledger entries are never deleted; write a reversal instead.")

    @property
    def rule_label(self) -> str:
        return label(self.rule)

    @property
    def post(self):
        return self.answer or self.question


class BadgeAward(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="badge_awards")
    badge = models.CharField(max_length=40)
    awarded_at = models.DateTimeField(default=timezone.now)
    answer = models.ForeignKey(
        "forum.Answer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-awarded_at"]
        constraints = [models.UniqueConstraint(fields=["user", "badge"], name="badge_once_per_user")]

    def __str__(self) -> str:
        return f"{self.badge} for {self.user_id}"
