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
