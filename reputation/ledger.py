"""Turning events into ledger entries. Called by the `reputation.apply_event` task.

Exactness comes from three things: each event is applied once (its row is locked and marked
applied in the same transaction as its entries), each entry has a unique idempotency key
derived from the event that caused it, and events about the same subject (a vote, an answer)
are applied in the order they happened.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from notifications.triggers import privileges_earned
from reputation import badges, rules, signals
from reputation.models import EventKind, LedgerEntry, ReputationEvent

User = get_user_model()


@dataclass
class Applied:
    event_id: int
    user_ids: set[int]  # whose reputation lines were written
    badge_user_ids: set[int] = field(default_factory=set)  # who may have earned a badge by them


def apply_event(event_id: int) -> Applied | None:
    """Apply one event (and any earlier pending events about the same subject). Returns None
    when it was already applied or does not exist: a second delivery writes nothing."""
    with transaction.atomic():
        event = _locked_events().filter(pk=event_id).first()
        if event is None or event.applied_at is not None:
            return None
        batch = [*_earlier_pending(event), event]
        reputation_before = _lock_users(batch)
        written: list[LedgerEntry] = []
        badge_user_ids: set[int] = set()
        for item in batch:
            entries = _apply(item)
            badge_user_ids |= badges.worth_checking(item, entries)
            written += entries
        ReputationEvent.objects.filter(pk__in=[item.pk for item in batch]).update(
            applied_at=timezone.now(), attempts=F("attempts") + 1
        )
        touched = {entry.user_id for entry in written}
        # The totals after, from what was written: each entry moved its member by its amount.
        after = {pk: reputation_before[pk] for pk in touched if pk in reputation_before}
        for entry in written:
            if entry.user_id in after:
                after[entry.user_id] += entry.amount
        # Applied once per event, so members who rose past a privilege hear it once, with it.
        privileges_earned(before={pk: reputation_before[pk] for pk in after}, after=after)
        if written:
            signals.ledger_entries_written.send(sender=LedgerEntry, entries=written)
        return Applied(event_id=event.pk, user_ids=touched, badge_user_ids=badge_user_ids)


def _locked_events():
    """Events locked for applying, with what the rules read (the vote, the post, its question)
    fetched in the same statement. Only the event rows are locked."""
    events = ReputationEvent.objects.select_related("vote", "answer__question", "question")
    return events.select_for_update(of=("self",))


def _earlier_pending(event: ReputationEvent) -> list[ReputationEvent]:
    subject = _subject_filter(event)
    if subject is None:
        return []
    # Usually none: a plain query (the rules load what an earlier event needs if there is one).
    earlier = ReputationEvent.objects.select_for_update().pending().filter(subject, pk__lt=event.pk)
    return list(earlier.order_by("pk"))


def _subject_filter(event: ReputationEvent) -> Q | None:
    if event.kind == EventKind.VOTE and event.vote_id:
        return Q(kind=EventKind.VOTE, vote_id=event.vote_id)
    if event.kind in (EventKind.ACCEPT, EventKind.ALSO_HELPED) and event.answer_id:
        return Q(kind=event.kind, answer_id=event.answer_id)
    if event.kind in (EventKind.POST_DELETED, EventKind.POST_RESTORED):
        if event.answer_id:
            return Q(kind__in=[EventKind.POST_DELETED, EventKind.POST_RESTORED], answer_id=event.answer_id)
        return Q(kind__in=[EventKind.POST_DELETED, EventKind.POST_RESTORED], question_id=event.question_id)
    return None


def _lock_users(events: list[ReputationEvent]) -> dict[int, int]:
    """Lock every member an event may touch, once and in id order, so two workers applying
    events that share people can never deadlock. FOR NO KEY UPDATE, not FOR UPDATE: it still
    serialises ledger writers, but lets a request insert rows that merely reference the member
    (a vote, an event) meanwhile; FOR UPDATE blocked those, and a vote changed while its previous
    event was being applied deadlocked (web: vote row, then the voter; worker: the reverse).
    Returns each locked member's reputation as it was before the batch."""
    ids: set[int] = set()
    for event in events:
        if event.actor_id:
            ids.add(event.actor_id)
        if event.vote_id:
            ids.add(event.vote.voter_id)
        if event.answer_id:
            ids.add(event.answer.author_id)
        if event.question_id:
            ids.add(event.question.author_id)
        if event.kind == EventKind.EDIT_APPROVED:
            ids.add(event.payload["editor_id"])
        if event.kind in (EventKind.FRAUD_REVERSAL, EventKind.APPEAL_RESTORED):
            ids |= set(
                LedgerEntry.objects.filter(pk__in=event.payload.get("entry_ids", [])).values_list(
                    "user_id", flat=True
                )
            )
        if event.kind in (EventKind.POST_DELETED, EventKind.POST_RESTORED):
            ids |= set(_post_entries(event).values_list("user_id", flat=True))
    return dict(
        User.objects.select_for_update(no_key=True)
        .filter(pk__in=sorted(ids))
        .order_by("pk")
        .values_list("pk", "reputation")
    )


# --- Writing entries -------------------------------------------------------------------------


def _write(
    event: ReputationEvent,
    *,
    user_id: int,
    rule: str,
    amount: int,
    key: str,
    reason: str = "",
    reverses: LedgerEntry | None = None,
    **links,
) -> LedgerEntry | None:
    # A key made from this event's id cannot exist yet: the event is locked and not yet applied.
    # Any other key (a reversal of an entry, a once-per-answer bonus) may have been written by
    # another event.
    if not key.startswith(f"event:{event.pk}:") and LedgerEntry.objects.filter(idempotency_key=key).exists():
        return None
    occurred_at = event.created_at
    notes = [reason] if reason else []
    if reverses is None and rule in rules.CAPPED_RULES and amount > 0:
        earned = _earned_from_votes_on(user_id, occurred_at.date())
        room = max(0, rules.DAILY_VOTE_CAP - earned)
        if amount > room:
            notes.append(
                rules.REASON_DAILY_CAP if room == 0 else f"{rules.REASON_DAILY_CAP} ({room} of {amount})"
            )
            amount = room
    if reverses is None and rule == "edit_approved" and amount > 0:
        earned = _sum(LedgerEntry.objects.filter(user_id=user_id, rule="edit_approved"))
        room = max(0, rules.EDIT_APPROVED_LIFETIME_CAP - earned)
        if amount > room:
            notes.append(rules.REASON_EDIT_CAP)
            amount = room
    if amount < 0:
        current = User.objects.filter(pk=user_id).values_list("reputation", flat=True).get()
        if current + amount < rules.REPUTATION_FLOOR:
            notes.append(rules.REASON_FLOOR)
            amount = min(0, rules.REPUTATION_FLOOR - current)
    entry = LedgerEntry.objects.create(
        user_id=user_id,
        amount=amount,
        rule=rule,
        rules_version=rules.RULES_VERSION,
        reason="; ".join(notes),
        event=event,
        reverses=reverses,
        occurred_at=occurred_at,
        idempotency_key=key,
        **links,
    )
    if amount:
        User.objects.filter(pk=user_id).update(reputation=F("reputation") + amount)
    return entry


def _reverse(event: ReputationEvent, entry: LedgerEntry, reason: str) -> LedgerEntry | None:
    return _write(
        event,
        user_id=entry.user_id,
        rule=entry.rule,
        amount=-entry.amount,
        key=f"reverse:{entry.pk}",
        reason=reason,
        reverses=entry,
        vote_id=entry.vote_id,
        question_id=entry.question_id,
        answer_id=entry.answer_id,
        counterparty_id=entry.counterparty_id,
    )


def _sum(queryset) -> int:
    return queryset.aggregate(total=Sum("amount"))["total"] or 0


def _earned_from_votes_on(user_id: int, day: dt.date) -> int:
    start = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
    return _sum(
        LedgerEntry.objects.filter(
            user_id=user_id,
            rule__in=rules.CAPPED_RULES,
            occurred_at__gte=start,
            occurred_at__lt=start + dt.timedelta(days=1),
        )
    )


# --- Per-kind rules --------------------------------------------------------------------------


def _apply(event: ReputationEvent) -> list[LedgerEntry]:
    handler = {
        EventKind.VOTE: _apply_vote,
        EventKind.ACCEPT: _apply_accept,
        EventKind.ALSO_HELPED: _apply_also_helped,
        EventKind.POST_DELETED: _apply_post_deleted,
        EventKind.POST_RESTORED: _apply_post_restored,
        EventKind.EDIT_APPROVED: _apply_edit_approved,
        EventKind.FRAUD_REVERSAL: _apply_fraud_reversal,
        EventKind.KNOWLEDGE: _apply_knowledge,
        EventKind.APPEAL_RESTORED: _apply_appeal_restored,
    }[event.kind]
    return [entry for entry in handler(event) if entry is not None]


def _apply_vote(event: ReputationEvent) -> list:
    vote = event.vote
    if vote is None:
        return []
    value = event.payload["value"]
    # The event names the vote's post too, fetched with it: read the post from there.
    if vote.answer_id and vote.answer_id == event.answer_id:
        vote.answer = event.answer
    elif vote.question_id and vote.question_id == event.question_id:
        vote.question = event.question
    post = vote.answer or vote.question
    links = {"vote": vote, "question_id": post.thread_id, "answer_id": vote.answer_id}
    reason = "vote retracted" if value == 0 else "vote changed"
    written = [_reverse(event, entry, reason) for entry in LedgerEntry.objects.active().filter(vote=vote)]
    for rule, who in rules.vote_rules(on_answer=vote.answer_id is not None, value=value):
        user_id, counterparty = (
            (post.author_id, vote.voter_id) if who == "author" else (vote.voter_id, post.author_id)
        )
        written.append(
            _write(
                event,
                user_id=user_id,
                rule=rule,
                amount=rules.RULES[rule].amount,
                key=f"event:{event.pk}:{rule}",
                counterparty_id=counterparty,
                **links,
            )
        )
    if vote.answer_id and event.payload.get("score", 0) >= 1:
        written.append(_good_neighbour(event, vote.answer))
    if _is_deleted(post):
        # The post was deleted before this vote was applied (the vote raced the deletion, or its
        # event waited out a broker outage). A deleted post holds no credit: the lines are
        # written and reversed, so restoring the post gives them back like any other.
        new = [entry for entry in written if entry is not None and entry.reverses_id is None]
        written += [_reverse(event, entry, "post deleted") for entry in new]
    return written


def _apply_accept(event: ReputationEvent) -> list:
    answer = event.answer
    if answer is None:
        return []
    asker_id = answer.question.author_id
    active = LedgerEntry.objects.active().filter(answer=answer, rule__in=rules.ACCEPT_RULES)
    if not event.payload["on"]:
        return [_reverse(event, entry, "answer unaccepted") for entry in active]
    if active.exists() or answer.author_id == asker_id:
        return []  # already credited, or accepting your own answer, which earns nothing
    links = {"question_id": answer.question_id, "answer": answer}
    return [
        _write(
            event,
            user_id=answer.author_id,
            rule="answer_accepted",
            amount=rules.RULES["answer_accepted"].amount,
            key=f"event:{event.pk}:answer_accepted",
            counterparty_id=asker_id,
            **links,
        ),
        _write(
            event,
            user_id=asker_id,
            rule="accepted_an_answer",
            amount=rules.RULES["accepted_an_answer"].amount,
            key=f"event:{event.pk}:accepted_an_answer",
            counterparty_id=answer.author_id,
            **links,
        ),
        _good_neighbour(event, answer),
    ]


def _good_neighbour(event: ReputationEvent, answer) -> LedgerEntry | None:
    """+5, once per answer, for the first answer to a question that had waited over 24 hours."""
    from forum.models import Answer

    question = answer.question
    waited = answer.created_at - question.created_at
    if (
        waited <= dt.timedelta(hours=rules.GOOD_NEIGHBOUR_WAIT_HOURS)
        or answer.author_id == question.author_id
    ):
        return None
    if Answer.objects.filter(question_id=question.pk, created_at__lt=answer.created_at).exists():
        return None
    return _write(
        event,
        user_id=answer.author_id,
        rule="good_neighbour",
        amount=rules.RULES["good_neighbour"].amount,
        key=f"good_neighbour:answer:{answer.pk}",
        counterparty_id=question.author_id,
        question_id=question.pk,
        answer=answer,
    )


def _apply_also_helped(event: ReputationEvent) -> list:
    answer = event.answer
    if answer is None:
        return []
    active = LedgerEntry.objects.active().filter(answer=answer, rule="also_helped")
    if not event.payload["on"]:
        reason = event.payload.get("reason") or "no longer marked as also helped"
        return [_reverse(event, entry, reason) for entry in active]
    if active.exists() or answer.author_id == answer.question.author_id:
        return []
    return [
        _write(
            event,
            user_id=answer.author_id,
            rule="also_helped",
            amount=rules.RULES["also_helped"].amount,
            key=f"event:{event.pk}:also_helped",
            counterparty_id=answer.question.author_id,
            question_id=answer.question_id,
            answer=answer,
        )
    ]


def _post_entries(event: ReputationEvent):
    if event.answer_id:
        return LedgerEntry.objects.filter(answer_id=event.answer_id)
    return LedgerEntry.objects.filter(question_id=event.question_id, answer__isnull=True)


def _apply_post_deleted(event: ReputationEvent) -> list:
    """Everything the post earned or cost its author and voters is reversed, as new entries."""
    return [_reverse(event, entry, "post deleted") for entry in _post_entries(event).active()]


def _apply_post_restored(event: ReputationEvent) -> list:
    """Give back what deletion reversed: a fresh copy of each entry the deletion reversed."""
    reversed_by_deletion = _post_entries(event).filter(
        reason__startswith="post deleted", reverses__isnull=False
    )
    written = []
    for reversal in reversed_by_deletion.select_related("reverses"):
        original = reversal.reverses
        written.append(
            _write(
                event,
                user_id=original.user_id,
                rule=original.rule,
                amount=original.amount,
                key=f"restore:{reversal.pk}",
                reason="post restored",
                vote_id=original.vote_id,
                question_id=original.question_id,
                answer_id=original.answer_id,
                counterparty_id=original.counterparty_id,
            )
        )
    return written


def _apply_edit_approved(event: ReputationEvent) -> list:
    return [
        _write(
            event,
            user_id=event.payload["editor_id"],
            rule="edit_approved",
            amount=rules.RULES["edit_approved"].amount,
            key=f"edit_approved:{event.payload['suggested_edit_id']}",
            counterparty_id=event.actor_id,
            question_id=event.question_id,
            answer_id=event.answer_id,
        )
    ]


def _apply_fraud_reversal(event: ReputationEvent) -> list:
    reason = event.payload.get("reason", "serial voting reversed")
    entries = LedgerEntry.objects.active().filter(pk__in=event.payload.get("entry_ids", []))
    return [_reverse(event, entry, reason) for entry in entries]


def _apply_appeal_restored(event: ReputationEvent) -> list:
    """A moderator upheld an appeal against anti-fraud reversals: each reversal named is itself
    reversed by a new line (it points at the reversal; nothing is edited), so the member gets
    back exactly what it took, and the vote's credit is active again. A vote changed or
    retracted since keeps what its own lines say: restoring credit its current value does not
    earn, or that a later line already holds, would count it twice. On a deleted post the
    restoration is reversed at once ("post deleted"), so restoring the post gives it back."""
    reversals = (
        LedgerEntry.objects.filter(pk__in=event.payload.get("entry_ids", []), reverses__isnull=False)
        .select_related("reverses__vote__answer", "reverses__vote__question")
        .order_by("pk")
    )
    written = []
    for reversal in reversals:
        original = reversal.reverses
        if not _vote_still_earns(original):
            continue
        restored = _reverse(event, reversal, rules.REASON_RESTORED_ON_APPEAL)
        written.append(restored)
        post = (original.vote.answer or original.vote.question) if original.vote else None
        if restored is not None and post is not None and _is_deleted(post):
            written.append(_reverse(event, restored, "post deleted"))
    return written


def _vote_still_earns(entry: LedgerEntry) -> bool:
    """The entry's vote, as it stands, still earns this entry, and no other line holds it."""
    vote = entry.vote
    if vote is None:
        return True
    post = vote.answer or vote.question
    earned = {
        (rule, post.author_id if who == "author" else vote.voter_id)
        for rule, who in rules.vote_rules(on_answer=vote.answer_id is not None, value=vote.value)
    }
    if (entry.rule, entry.user_id) not in earned:
        return False
    held = LedgerEntry.objects.active().filter(vote=vote, rule=entry.rule, user_id=entry.user_id)
    return not held.exists()


def _is_deleted(post) -> bool:
    # Read now, under the locks of the people involved, which a deletion's own event takes too.
    return type(post).objects.filter(pk=post.pk, deleted_at__isnull=False).exists()


def _apply_knowledge(event: ReputationEvent) -> list:
    """+10 to the author of an answer drawn into a knowledge-base article, curator included (it
    is the answer that became knowledge), and never twice for one answer."""
    answer = event.answer
    if answer is None:
        return []
    if LedgerEntry.objects.active().filter(answer=answer, rule="answer_became_knowledge").exists():
        return []
    return [
        _write(
            event,
            user_id=answer.author_id,
            rule="answer_became_knowledge",
            amount=rules.RULES["answer_became_knowledge"].amount,
            key=f"knowledge:{event.payload['article_id']}:{answer.pk}",
            counterparty_id=event.actor_id,
            question_id=answer.question_id,
            answer=answer,
        )
    ]
