"""The facts webhooks tell of, heard from the apps below by their signals, which are sent inside
the transaction that made each fact. Each receiver records the event and its deliveries right
there (services.event_record), so they commit or roll back with the fact; the sending waits for
the commit. A fact no active endpoint subscribes to costs one small query and writes nothing.

Posts waiting for a moderator (held first posts, a silenced member's posts) are not news yet:
their event is recorded when a moderator releases them (forum's post_released), as watchers'
notifications are, so no held content ever leaves the site.
"""

from django.contrib.auth import get_user_model

from accounts import signals as account_signals
from accounts.models import Restriction
from forum import signals as forum_signals
from forum.models import Answer, Question
from insights import signals as insight_signals
from integrations import payloads, services
from integrations.models import EventType
from moderation import signals as moderation_signals
from reputation import signals as reputation_signals


def question_created(question, **kwargs) -> None:
    if question.is_visible:
        services.event_record(
            type=EventType.QUESTION_CREATED, data=lambda: payloads.question_created(question)
        )


def answer_created(answer, **kwargs) -> None:
    if answer.is_visible:
        services.event_record(type=EventType.ANSWER_CREATED, data=lambda: payloads.answer_created(answer))


def comment_created(comment, **kwargs) -> None:
    if comment.is_visible:
        services.event_record(type=EventType.COMMENT_CREATED, data=lambda: payloads.comment_created(comment))


def post_released(post, **kwargs) -> None:
    """A held post is public now: its "created" event goes out as if it had just been posted."""
    if all(each.is_visible for each in post.lineage):
        {"question": question_created, "answer": answer_created, "comment": comment_created}[post.kind](
            **{post.kind: post}
        )


def answer_accepted(answer, actor, **kwargs) -> None:
    services.event_record(
        type=EventType.ANSWER_ACCEPTED, data=lambda: payloads.answer_accepted(answer, actor)
    )


def question_solved(question, answer, **kwargs) -> None:
    services.event_record(
        type=EventType.QUESTION_SOLVED, data=lambda: payloads.question_solved(question, answer)
    )


def escalation_opened(escalation, **kwargs) -> None:
    services.event_record(type=EventType.ESCALATION_OPENED, data=lambda: payloads.escalation(escalation))


def escalation_resolved(escalation, **kwargs) -> None:
    services.event_record(type=EventType.ESCALATION_RESOLVED, data=lambda: payloads.escalation(escalation))


def flag_raised(flag, post, **kwargs) -> None:
    services.event_record(type=EventType.FLAG_RAISED, data=lambda: payloads.flag_raised(flag, post))


def restriction_imposed(restriction, **kwargs) -> None:
    if restriction.kind == Restriction.Kind.SUSPEND:
        services.event_record(
            type=EventType.MEMBER_SUSPENDED, data=lambda: payloads.member_suspended(restriction)
        )


def ledger_entries_written(entries, **kwargs) -> None:
    """One event per ledger line, each saying the member's reputation right after it."""
    endpoints = services.subscribers(EventType.REPUTATION_CHANGED)
    if not endpoints:
        return
    users = get_user_model().objects.in_bulk({entry.user_id for entry in entries})
    posts = _visible_or_not_posts(entries)
    # User.reputation holds every line of the batch: walk back from it for each line's total.
    after = {pk: user.reputation for pk, user in users.items()}
    totals = []
    for entry in reversed(entries):
        totals.append(after[entry.user_id])
        after[entry.user_id] -= entry.amount
    for entry, total in zip(entries, reversed(totals), strict=True):
        post = posts["answer"].get(entry.answer_id) or posts["question"].get(entry.question_id)
        services.event_record(
            type=EventType.REPUTATION_CHANGED,
            endpoints=endpoints,
            data=payloads.reputation_changed(
                entry, user=users[entry.user_id], reputation_after=total, post=post
            ),
        )


def _visible_or_not_posts(entries) -> dict[str, dict]:
    """The posts the lines name, with what payloads.post_ref reads: two queries."""
    answer_ids = {entry.answer_id for entry in entries if entry.answer_id}
    question_ids = {entry.question_id for entry in entries if entry.question_id and not entry.answer_id}
    return {
        "answer": Answer.objects.select_related("question").in_bulk(answer_ids) if answer_ids else {},
        "question": Question.objects.in_bulk(question_ids) if question_ids else {},
    }


RECEIVERS = [
    (forum_signals.question_created, question_created),
    (forum_signals.answer_created, answer_created),
    (forum_signals.comment_created, comment_created),
    (forum_signals.post_released, post_released),
    (forum_signals.answer_accepted, answer_accepted),
    (forum_signals.question_solved, question_solved),
    (insight_signals.escalation_opened, escalation_opened),
    (insight_signals.escalation_resolved, escalation_resolved),
    (moderation_signals.flag_raised, flag_raised),
    (account_signals.restriction_imposed, restriction_imposed),
    (reputation_signals.ledger_entries_written, ledger_entries_written),
]


def connect() -> None:
    """Called once, from IntegrationsConfig.ready()."""
    for signal, receiver in RECEIVERS:
        signal.connect(receiver, weak=False, dispatch_uid=f"integrations.{receiver.__name__}")
