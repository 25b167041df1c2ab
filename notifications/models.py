"""In-app notifications, what members watch, and how they want to be emailed."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Kind(models.TextChoices):
    ANSWER = "answer", "New answers on questions I ask, answer or watch"
    COMMENT = "comment", "New comments on my posts and posts I watch"
    ACCEPTED = "accepted", "My answer accepted or marked as also helped"
    MENTION = "mention", "Someone @mentions me"
    ACHIEVEMENT = "achievement", "Badges and privileges I earn"
    MODERATION = "moderation", "Moderator actions on my posts"
    TAG_QUESTION = "tag_question", "New questions in tags I watch"
    FLAG_HANDLED = "flag_handled", "My flags handled"
    ESCALATION = "escalation", "Private follow-ups still waiting for their outcome (staff)"
    ACCOUNT = "account", "My account: roles given or taken away, suspensions and silences"
    WEBHOOK = "webhook", "Webhook endpoints disabled after a day of failed deliveries (community managers)"
    DATA_EXPORT = "data_export", "A copy of my data ready to download"


class Frequency(models.TextChoices):
    IMMEDIATELY = "immediately", "Immediately"
    DAILY = "daily", "Daily digest"
    WEEKLY = "weekly", "Weekly digest"
    OFF = "off", "Off"


# Defaults when a member has not chosen: activity on my own posts at once, watched tags daily.
DEFAULT_FREQUENCY = {
    Kind.ANSWER: Frequency.IMMEDIATELY,
    Kind.COMMENT: Frequency.IMMEDIATELY,
    Kind.ACCEPTED: Frequency.IMMEDIATELY,
    Kind.MENTION: Frequency.IMMEDIATELY,
    Kind.ACHIEVEMENT: Frequency.WEEKLY,
    Kind.MODERATION: Frequency.IMMEDIATELY,
    Kind.TAG_QUESTION: Frequency.DAILY,
    Kind.FLAG_HANDLED: Frequency.OFF,
    Kind.ESCALATION: Frequency.IMMEDIATELY,
    # A member suspended or silenced is told why at once, by email too, as Discourse does.
    Kind.ACCOUNT: Frequency.IMMEDIATELY,
    # An integration that stopped receiving events is broken until someone looks: say so at once.
    Kind.WEBHOOK: Frequency.IMMEDIATELY,
    # Asked for, and gone after 7 days: the link is worth having at once.
    Kind.DATA_EXPORT: Frequency.IMMEDIATELY,
}


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    question = models.ForeignKey(
        "forum.Question", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    answer = models.ForeignKey(
        "forum.Answer", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    comment = models.ForeignKey(
        "forum.Comment", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # Email bookkeeping: when it was sent on its own or in a digest (null: not yet / not at all).
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"


class QuestionWatch(models.Model):
    class Source(models.TextChoices):
        ASKED = "asked", "You asked it"
        ANSWERED = "answered", "You answered it"
        MANUAL = "manual", "You chose to watch it"
        ME_TOO = "me_too", "You have this problem too"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="question_watches"
    )
    question = models.ForeignKey("forum.Question", on_delete=models.CASCADE, related_name="watches")
    source = models.CharField(max_length=10, choices=Source.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "question"], name="watch_question_once")]

    def __str__(self) -> str:
        return f"{self.user_id} watches {self.question_id}"


class TagPreference(models.Model):
    class Mode(models.TextChoices):
        WATCH = "watch", "Watching"
        IGNORE = "ignore", "Ignoring"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tag_preferences"
    )
    tag = models.ForeignKey("taggit.Tag", on_delete=models.CASCADE, related_name="+")
    mode = models.CharField(max_length=6, choices=Mode.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "tag"], name="tag_preference_once")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.mode} {self.tag_id}"


class EmailPreference(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_preferences"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    frequency = models.CharField(max_length=12, choices=Frequency.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="email_preference_once")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.frequency}"
