"""'I have this too' marks, escalations to private follow-up, and cached insight figures."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class MeToo(models.Model):
    """A signed-in member saying "I have this too". One per member per question; it carries no
    reputation, it is only counted (and makes its member a watcher of the question)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="me_toos")
    question = models.ForeignKey("forum.Question", on_delete=models.CASCADE, related_name="me_toos")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "'I have this too' mark"
        constraints = [models.UniqueConstraint(fields=["user", "question"], name="me_too_once")]

    def __str__(self) -> str:
        return f"{self.user_id} has {self.question_id} too"


class EscalationQuerySet(models.QuerySet):
    def reminder_due(self, *, now, every) -> "EscalationQuerySet":
        """Still open after `every` (a timedelta), on a thread not deleted, and not reminded in
        the last `every`: the staff are reminded of these (insights.remind_escalations)."""
        return self.filter(
            Q(last_reminded_at__isnull=True) | Q(last_reminded_at__lte=now - every),
            state=Escalation.State.OPEN,
            opened_at__lte=now - every,
            question__deleted_at__isnull=True,
        )


class Escalation(models.Model):
    """Staff taking a thread to private follow-up. The thread stays public, with a note saying so,
    until staff post a public outcome, which closes the loop. One per question."""

    class State(models.TextChoices):
        OPEN = "open", "Taken to private follow-up"
        RESOLVED = "resolved", "Outcome posted"

    question = models.OneToOneField("forum.Question", on_delete=models.CASCADE, related_name="escalation")
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    # Public, like everything on the thread: nothing private is stored here.
    note = models.CharField(max_length=300, blank=True)
    outcome = models.TextField(max_length=5000, blank=True)
    outcome_html = models.TextField(blank=True, editable=False)
    outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome_at = models.DateTimeField(null=True, blank=True)
    # When staff were last reminded that the outcome is still to post: a rerun of the reminder
    # job in the same window finds it and sends nothing twice.
    last_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = EscalationQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["state", "opened_at"], name="escalation_state_opened")]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="open", outcome_at__isnull=True, outcome_by__isnull=True)
                | Q(state="resolved", outcome_at__isnull=False, outcome_by__isnull=False),
                name="escalation_outcome_iff_resolved",
            ),
        ]

    def __str__(self) -> str:
        return f"Escalation of {self.question_id} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN


class InsightSnapshot(models.Model):
    """The figures for one period and tag ("" for all tags), as last computed."""

    key = models.CharField(max_length=120, unique=True)
    period = models.PositiveSmallIntegerField()
    tag = models.CharField(max_length=100, blank=True)
    computed_at = models.DateTimeField()
    data = models.JSONField()

    def __str__(self) -> str:
        return self.key

    @staticmethod
    def key_for(period: int, tag: str = "") -> str:
        return f"{period}:{tag}"
