"""Every write in insights. Keyword-only, atomic.

None of these touches a post, a vote or the reputation ledger: an "I have this too" earns
nothing, and taking a thread to private follow-up leaves the community's answers, and the
credit they earned, exactly as they were. Posting the outcome only tells the forum that the
company answered (the thread leaves the help queues and the sitemap).
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.timesince import timesince

from forum import services as forum_services
from forum.markdown import render_markdown
from forum.models import Question
from insights import figures, permissions, selectors, signals
from insights.models import Escalation, InsightSnapshot, MeToo
from moderation import audit
from notifications.models import Kind, QuestionWatch
from notifications.services import notify


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
    signals.escalation_opened.send(sender=Escalation, escalation=escalation)
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
    signals.escalation_resolved.send(sender=Escalation, escalation=escalation)
    return escalation, True


def remind_every() -> dt.timedelta | None:
    """How long an escalation waits for its outcome before staff are reminded, and then between
    two reminders (COMMONPLACE_ESCALATION_REMIND_HOURS); None when reminders are off (0)."""
    hours = settings.COMMONPLACE_ESCALATION_REMIND_HOURS
    return dt.timedelta(hours=hours) if hours > 0 else None


def escalation_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Remind staff of every private follow-up still without an outcome after the reminder
    interval, at most once per interval (insights.remind_escalations, run by the scheduler).
    Idempotent: a second run in the same interval sends nothing. Returns how many were reminded."""
    every = remind_every()
    if every is None:
        return 0
    now = now or timezone.now()
    due = Escalation.objects.reminder_due(now=now, every=every).order_by("opened_at", "pk")
    return sum(escalation_remind(escalation_id=pk, now=now) for pk in due.values_list("pk", flat=True))


@transaction.atomic
def escalation_remind(*, escalation_id: int, now: dt.datetime) -> bool:
    """One reminder: in-app, and by email as each recipient chose for the "private follow-ups"
    kind. It goes to the staff member who opened the follow-up or, when they can no longer post
    its outcome (left, or no longer staff), to all of the staff, so that it is not forgotten.
    The escalation is locked and checked again, so two runs at once remind once."""
    every = remind_every()
    if every is None:
        return False
    escalation = (
        Escalation.objects.reminder_due(now=now, every=every)
        .select_for_update(of=("self",))
        .select_related("question", "opened_by")
        .filter(pk=escalation_id)
        .first()
    )
    if escalation is None:  # resolved, deleted, or reminded by a run that got here first
        return False
    question = escalation.question
    opener = escalation.opened_by
    recipients = [opener] if opener.is_active and permissions.can_escalate(opener) else selectors.care_team()
    title = Truncator(question.title).chars(80)
    notify(
        recipients=recipients,
        kind=Kind.ESCALATION,
        actor=None,
        text=f"“{title}” has been in private follow-up for {timesince(escalation.opened_at, now)} "
        "with no public outcome yet. Post it to close the loop.",
        url=f"{question.get_absolute_url()}#follow-up",
        question=question,
    )
    escalation.last_reminded_at = now
    escalation.save(update_fields=["last_reminded_at"])
    return True


def snapshot_refresh(*, period: int, tag: str = "", now=None) -> InsightSnapshot:
    """Compute the figures for one period and tag and store them, replacing the last ones."""
    now = now or timezone.now()
    data = figures.compute(figures.window(period, tag=tag or None, now=now))
    snapshot, _ = InsightSnapshot.objects.update_or_create(
        key=InsightSnapshot.key_for(period, tag),
        defaults={"period": period, "tag": tag, "computed_at": now, "data": data},
    )
    return snapshot
