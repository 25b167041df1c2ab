"""Flags raised by members and the audit log of every moderator action."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class FlagReason(models.TextChoices):
    SPAM = "spam", "Spam"
    ABUSE = "abuse", "Rude or abusive"
    OFF_TOPIC = "off_topic", "Off-topic"
    DUPLICATE = "duplicate", "Duplicate of another question"
    NEEDS_MODERATOR = "needs_moderator", "Needs a moderator's attention"


# Flags that hide a post at once when enough different members raise them.
HIDING_REASONS = {FlagReason.SPAM, FlagReason.ABUSE}


class FlagStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


class Flag(models.Model):
    flagger = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="flags")
    question = models.ForeignKey(
        "forum.Question", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    answer = models.ForeignKey(
        "forum.Answer", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    comment = models.ForeignKey(
        "forum.Comment", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(max_length=20, choices=FlagReason.choices)
    duplicate_of = models.ForeignKey(
        "forum.Question", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(max_length=1000, blank=True)
    status = models.CharField(max_length=10, choices=FlagStatus.choices, default=FlagStatus.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(question__isnull=False, answer__isnull=True, comment__isnull=True)
                    | Q(question__isnull=True, answer__isnull=False, comment__isnull=True)
                    | Q(question__isnull=True, answer__isnull=True, comment__isnull=False)
                ),
                name="flag_on_exactly_one_post",
            ),
            models.UniqueConstraint(
                fields=["flagger", "question"],
                condition=Q(question__isnull=False),
                name="one_flag_per_question",
            ),
            models.UniqueConstraint(
                fields=["flagger", "answer"], condition=Q(answer__isnull=False), name="one_flag_per_answer"
            ),
            models.UniqueConstraint(
                fields=["flagger", "comment"], condition=Q(comment__isnull=False), name="one_flag_per_comment"
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="flag_status_time")]

    def __str__(self) -> str:
        return f"{self.reason} flag {self.pk}"

    @property
    def post(self):
        return self.question or self.answer or self.comment


class ModerationAction(models.Model):
    """One line of the audit log: who did what to which post, why, and what changed."""

    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=40)
    target_type = models.CharField(max_length=20)  # "question", "answer", "comment", "user", "article"
    target_id = models.PositiveBigIntegerField()
    question = models.ForeignKey(
        "forum.Question", null=True, blank=True, on_delete=models.SET_NULL, related_name="moderation_actions"
    )
    reason = models.TextField(blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    # A sentence shown publicly on the affected post, e.g. "closed as a duplicate by Morgan".
    public_note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="modaction_target")]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type} {self.target_id}"


class CloseVote(models.Model):
    """A member's vote to close (or reopen) a question. Three active votes of one kind act; the
    votes are then cleared (kept, with cleared_at set), so a later round starts from zero."""

    class Kind(models.TextChoices):
        CLOSE = "close", "Close"
        REOPEN = "reopen", "Reopen"

    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey("forum.Question", on_delete=models.CASCADE, related_name="close_votes")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # A forum.models.CloseReason value for a close vote; empty for a reopen vote.
    reason = models.CharField(max_length=20, blank=True)
    duplicate_of = models.ForeignKey(
        "forum.Question", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["voter", "question", "kind"],
                condition=Q(cleared_at__isnull=True),
                name="one_active_close_vote_per_kind",
            ),
            models.CheckConstraint(condition=Q(kind__in=["close", "reopen"]), name="close_vote_kind_valid"),
            models.CheckConstraint(
                condition=Q(kind="reopen", reason="") | (Q(kind="close") & ~Q(reason="")),
                name="close_vote_reason_only_for_close",
            ),
            models.CheckConstraint(
                condition=~Q(reason="duplicate") | Q(duplicate_of__isnull=False),
                name="close_vote_duplicate_names_original",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} vote by {self.voter_id} on {self.question_id}"

    @property
    def is_active(self) -> bool:
        return self.cleared_at is None


class AppealStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a moderator"
    RESTORED = "restored", "Restored"
    KEPT = "kept", "Reversal kept"


class ReversalAppeal(models.Model):
    """A member asks a moderator to review a serial-voting reversal of their reputation. The
    reversal is the anti-fraud event that wrote the lines (one run's finding about one voter),
    so one appeal covers all of its lines; a member appeals a reversal once: a moderator
    restores it (new ledger lines reversing the reversal) or keeps it, and that is final."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reversal = models.ForeignKey("reputation.ReputationEvent", on_delete=models.PROTECT, related_name="+")
    text = models.TextField(max_length=800)
    status = models.CharField(max_length=10, choices=AppealStatus.choices, default=AppealStatus.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # The moderator's words to the member, sent with the outcome.
    note = models.TextField(max_length=1000, blank=True)
    # The ledger event that gave the reputation back, for a restored appeal.
    restoration = models.ForeignKey(
        "reputation.ReputationEvent", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["member", "reversal"], name="one_appeal_per_reversal"),
            models.CheckConstraint(
                condition=Q(status="pending", decided_at__isnull=True)
                | Q(status__in=["restored", "kept"], decided_at__isnull=False),
                name="appeal_decided_unless_pending",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="appeal_status_time")]

    def __str__(self) -> str:
        return f"appeal {self.pk} of reversal {self.reversal_id} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status == AppealStatus.PENDING
