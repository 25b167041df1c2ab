"""Every write in insights. Keyword-only, atomic.

None of these touches a post, a vote or the reputation ledger: an "I have this too" earns
nothing, and taking a thread to private follow-up leaves the community's answers, and the
credit they earned, exactly as they were. Posting the outcome only tells the forum that the
company answered (the thread leaves the help queues and the sitemap).
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from forum import services as forum_services
from forum.markdown import render_markdown
from forum.models import Question
from insights import figures, permissions
from insights.models import Escalation, InsightSnapshot, MeToo
from moderation import audit
from notifications.models import QuestionWatch


@transaction.atomic
def me_too_toggle(*, user, question: Question) -> bool:
    """Mark (or, pressed again, unmark) "I have this too". Returns whether it is now marked.
    Marking makes the member a watcher of the question (so they are told of new answers) unless
    they already watch it; unmarking removes only a watch the mark itself created."""
    permissions.allow_me_too(user, question)
    deleted, _ = MeToo.objects.filter(user=user, question=question).delete()
    if deleted:
        QuestionWatch.objects.filter(
            user=user, question=question, source=QuestionWatch.Source.ME_TOO
        ).delete()
        return False
    try:
        with transaction.atomic():  # a double click: the second insert meets the constraint
            MeToo.objects.create(user=user, question=question)
    except IntegrityError:
        return True
    QuestionWatch.objects.get_or_create(
        user=user, question=question, defaults={"source": QuestionWatch.Source.ME_TOO}
    )
    return True


@transaction.atomic
def escalation_open(*, question: Question, staff_user, note: str = "") -> tuple[Escalation, bool]:
    """Take a thread to private follow-up. It stays public, with a public note saying so.
    Idempotent: a thread already escalated (open or resolved) is returned unchanged, False."""
    permissions.allow_escalate(staff_user)
    question = Question.objects.select_for_update().get(pk=question.pk)  # two staff take turns
    existing = Escalation.objects.filter(question=question).first()
    if existing:
        return existing, False
    escalation = Escalation.objects.create(question=question, opened_by=staff_user, note=note.strip())
    audit.record(
        moderator=staff_user,
        action="escalated",
        target=question,
        reason=escalation.note,
        public_note=f"Taken to private follow-up by {staff_user.name} (staff)",
    )
    return escalation, True


@transaction.atomic
def escalation_resolve(*, question: Question, staff_user, outcome: str) -> tuple[Escalation, bool]:
    """Post the public outcome of a private follow-up, which closes the loop. Idempotent: an
    outcome already posted stays as it was, False."""
    permissions.allow_escalate(staff_user)
    outcome = outcome.strip()
    if not outcome:
        raise ValidationError("Write the outcome: what was done, in words the community can read.")
    escalation = Escalation.objects.select_for_update().filter(question=question).first()
    if escalation is None:
        raise ValidationError("This thread was not taken to private follow-up.")
    if not escalation.is_open:
        return escalation, False
    escalation.state = Escalation.State.RESOLVED
    escalation.outcome = outcome
    escalation.outcome_html = render_markdown(outcome)
    escalation.outcome_by = staff_user
    escalation.outcome_at = timezone.now()
    escalation.save(update_fields=["state", "outcome", "outcome_html", "outcome_by", "outcome_at"])
    forum_services.question_outcome_posted(question=question, at=escalation.outcome_at)
    audit.record(
        moderator=staff_user,
        action="escalation_resolved",
        target=question,
        public_note=f"Outcome of the private follow-up posted by {staff_user.name} (staff)",
    )
    return escalation, True


def snapshot_refresh(*, period: int, tag: str = "", now=None) -> InsightSnapshot:
    """Compute the figures for one period and tag and store them, replacing the last ones."""
    now = now or timezone.now()
    data = figures.compute(figures.window(period, tag=tag or None, now=now))
    snapshot, _ = InsightSnapshot.objects.update_or_create(
        key=InsightSnapshot.key_for(period, tag),
        defaults={"period": period, "tag": tag, "computed_at": now, "data": data},
    )
    return snapshot
