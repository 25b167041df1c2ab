"""Recording facts that earn or cost reputation, from inside the transaction that made them.

Each `record_*` writes a pending ReputationEvent and arranges, on commit, for a Celery task to
apply it. Nothing here talks to Redis before the commit, and a failed publish is only logged:
the event is already safe in the database and the beat task re-sends it.
"""

import datetime as dt
import logging

import redis
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone

from queueing import broker_known_down, publish
from reputation.models import EventKind, ReputationEvent

log = logging.getLogger(__name__)


# A wake-up applies every event pending when it starts (reputation.tasks.apply_event), so while
# one is queued and not yet started, publishing another would only queue a message that finds
# its event applied. This key, kept on the broker's own Redis (whoever publishes and whoever
# consumes share it by construction), says one is on its way: set by the publish, deleted when
# a wake-up starts (so an event committed after any start sends one of its own), and gone after
# WAKE_UP_HOLD_SECONDS in any case, should its message wait behind a backlog. A burst of 100,000
# votes thus queues hundreds of messages, not 100,000 (docs/benchmarks.md, "Reputation ledger").
WAKE_UP_KEY = "commonplace:ledger:wake-up-queued"
WAKE_UP_HOLD_SECONDS = 2
_brokers: dict[str, redis.Redis] = {}


def enqueue_event(event_id: int) -> None:
    from reputation.tasks import apply_event

    if _wake_up_queued(apply_event.app):
        return  # recorded as sent: should that wake-up be lost, the sweep re-sends after the lease
    if not publish(apply_event, (event_id,), what=f"reputation event {event_id}; the outbox will re-send it"):
        wake_up_started(apply_event.app)  # none is on its way after all: the next event tries again
        mark_unsent(event_id)


def _broker(app) -> redis.Redis | None:
    """The broker's Redis (None when tasks run inline or the broker is not Redis)."""
    url = app.conf.broker_url or ""
    if app.conf.task_always_eager or not url.startswith(("redis://", "rediss://")):
        return None
    if url not in _brokers:
        _brokers[url] = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
    return _brokers[url]


def _wake_up_queued(app) -> bool:
    """Whether a wake-up is queued and not started; if none is, this caller's will be."""
    broker = _broker(app)
    if broker is None or broker_known_down():
        return False
    try:
        return not broker.set(WAKE_UP_KEY, 1, nx=True, ex=WAKE_UP_HOLD_SECONDS)
    except Exception:  # unreachable: publish as without it (and let publish find out)
        log.info("Could not ask whether a ledger wake-up is queued; publishing one.", exc_info=True)
        return False


def wake_up_started(app) -> None:
    """A wake-up is running (or none was sent): events committed from now publish their own."""
    broker = _broker(app)
    if broker is None:
        return
    try:
        broker.delete(WAKE_UP_KEY)
    except Exception:
        log.info("Could not clear the ledger's wake-up mark.", exc_info=True)


def newest_pending_id() -> int | None:
    return ReputationEvent.objects.pending().order_by("-pk").values_list("pk", flat=True).first()


def mark_unsent(event_id: int) -> None:
    """Its message never reached the broker: the sweep may re-send it without waiting out the
    lease (a minute after it was recorded). Best effort: a lapsed lease re-sends it anyway."""
    try:
        ReputationEvent.objects.pending().filter(pk=event_id).update(sent_at=None)
    except DatabaseError:
        log.warning("Could not mark reputation event %s unsent.", event_id, exc_info=True)


def claim_for_resend(*, lease: dt.timedelta, unsent_after: dt.timedelta, limit: int) -> list[int]:
    """Pending events whose message is not on its way any more, oldest first, at most `limit`,
    each marked sent now (so the next sweeps leave it alone for `lease`): those last sent over
    `lease` ago (the message or the worker that held it was lost), and those whose publish failed
    recorded over `unsent_after` ago. Rows being applied or claimed by another sweep are skipped."""
    now = timezone.now()
    due = Q(sent_at__lt=now - lease) | Q(sent_at__isnull=True, created_at__lt=now - unsent_after)
    with transaction.atomic():
        ids = list(
            ReputationEvent.objects.pending()
            .filter(due)
            .select_for_update(skip_locked=True)
            .order_by("pk")
            .values_list("pk", flat=True)[:limit]
        )
        ReputationEvent.objects.filter(pk__in=ids).update(sent_at=now)
    return ids


def award_badges_later(user_id: int) -> None:
    from reputation.tasks import award_badges

    # No sweep backs this one: badges are re-checked on the member's next reputation change.
    publish(award_badges, (user_id,), what=f"badge check for user {user_id}")


def _record(**fields) -> ReputationEvent:
    # Published at commit: it counts as sent from now (mark_unsent undoes it if that fails).
    event = ReputationEvent.objects.create(sent_at=timezone.now(), **fields)
    transaction.on_commit(lambda: enqueue_event(event.pk))
    return event


def record_vote(*, vote, actor, score: int) -> ReputationEvent:
    """`score` is the post's score right after this vote: the good-neighbour rule reads it, so
    applying late (after a broker outage) decides exactly as applying at once would have."""
    return _record(
        kind=EventKind.VOTE,
        actor=actor,
        vote=vote,
        question_id=vote.question_id,
        answer_id=vote.answer_id,
        payload={"value": vote.value, "score": score},
        created_at=vote.updated_at,
    )


def record_accept(*, answer, actor, on: bool) -> ReputationEvent:
    return _record(
        kind=EventKind.ACCEPT, actor=actor, answer=answer, question_id=answer.question_id, payload={"on": on}
    )


def record_also_helped(*, answer, actor, on: bool, reason: str = "") -> ReputationEvent:
    """`reason`, for a mark taken off by someone other than the asker (a merge), is written on
    the reversing lines instead of the usual one."""
    return _record(
        kind=EventKind.ALSO_HELPED,
        actor=actor,
        answer=answer,
        question_id=answer.question_id,
        payload={"on": on, **({"reason": reason} if reason else {})},
    )


def record_post_deleted(*, post, actor) -> ReputationEvent:
    return _record(kind=EventKind.POST_DELETED, actor=actor, **_post_fields(post))


def record_post_restored(*, post, actor) -> ReputationEvent:
    return _record(kind=EventKind.POST_RESTORED, actor=actor, **_post_fields(post))


def record_edit_approved(*, editor, post, actor, suggested_edit_id: int) -> ReputationEvent:
    return _record(
        kind=EventKind.EDIT_APPROVED,
        actor=actor,
        payload={"editor_id": editor.pk, "suggested_edit_id": suggested_edit_id},
        **_post_fields(post),
    )


def record_fraud_reversal(*, entry_ids: list[int], actor=None, reason: str) -> ReputationEvent:
    return _record(
        kind=EventKind.FRAUD_REVERSAL, actor=actor, payload={"entry_ids": entry_ids, "reason": reason}
    )


def record_reversal_restored(*, entry_ids: list[int], actor, appeal_id: int) -> ReputationEvent:
    """A moderator upheld a member's appeal: the anti-fraud reversal lines `entry_ids` are
    reversed in turn, so the member gets back exactly what they took."""
    return _record(
        kind=EventKind.APPEAL_RESTORED, actor=actor, payload={"entry_ids": entry_ids, "appeal_id": appeal_id}
    )


def record_answer_became_knowledge(*, answer, article_id: int, actor) -> ReputationEvent:
    """An answer drawn into a knowledge-base article: its author is credited as a co-author."""
    return _record(
        kind=EventKind.KNOWLEDGE,
        actor=actor,
        answer=answer,
        question_id=answer.question_id,
        payload={"article_id": article_id},
    )


def _post_fields(post) -> dict:
    """An event names the post and its question (for an answer, both)."""
    return {post.kind: post, "question_id": post.thread_id}
