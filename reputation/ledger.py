"""Turning events into ledger entries. Called by the `reputation.apply_event` task.

Events are applied in batches: a batch claims the oldest pending events (up to BATCH_SIZE, rows
another batch holds are skipped), locks every member they touch, applies them in id order with
each member's total, daily earnings and active lines kept in memory, writes the entries with one
INSERT and the totals with one UPDATE, and marks the events applied, all in one transaction.
A message is a wake-up: its task applies its event with whatever else is pending, and a second
delivery finds the event applied and writes nothing.

Exactness comes from four things: each event is applied once (its row is locked and marked
applied in the same transaction as its entries), each entry has a unique idempotency key
derived from the event that caused it, events about the same member (so about the same vote or
answer) are applied in id order, and the cap and floor read totals that the batch keeps exact.
Order between batches: a batch claims its events and locks their members under one advisory
lock, so of two batches sharing a member the one that claimed first (the older events) applies
first; an older pending event it could not claim (held or failing) holds back its members'
later events (`_in_order`).
"""

import datetime as dt
import logging
import time
from collections import defaultdict
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from notifications.triggers import privileges_earned
from reputation import badges, events, rules, signals
from reputation.models import EventKind, LedgerEntry, ReputationEvent

User = get_user_model()
log = logging.getLogger(__name__)

BATCH_SIZE = 1000  # events claimed by one transaction
# A delivery whose event is already applied still drains a backlog (pending events older than
# this): the messages of a backlog are mostly for events an earlier batch applied.
BACKLOG_AGE = dt.timedelta(seconds=2)
# How long one task keeps draining before it returns (other messages wake the next drain).
DRAIN_SECONDS = 10.0
# A direct call (not the task) waits at most this long for its event to come round.
APPLY_SECONDS = 60.0
_CLAIM_LOCK = 0x5245_5055  # pg advisory lock key: "REPU"
_TRANSIENT = (OperationalError, InterfaceError)


@dataclass
class Applied:
    event_id: int
    user_ids: set[int] = field(default_factory=set)  # whose reputation lines were written
    badge_user_ids: set[int] = field(default_factory=set)  # who may have earned a badge by them
    event_ids: list[int] = field(default_factory=list)  # every event this call applied


@dataclass
class _Outcome:
    claimed: list[int] = field(default_factory=list)
    applied: list[int] = field(default_factory=list)
    deferred: list[int] = field(default_factory=list)
    user_ids: set[int] = field(default_factory=set)
    badge_user_ids: set[int] = field(default_factory=set)


def apply_event(event_id: int, *, drain_seconds: float = 0) -> Applied | None:
    """Apply this event with the pending events recorded before it (oldest first, in batches).
    With `drain_seconds`, once it is applied, and while a backlog waits (events pending over
    BACKLOG_AGE), go on with whatever is pending, for that long at most. Returns None when it
    was already applied or does not exist: a second delivery writes nothing (though with
    `drain_seconds` it still drains a backlog)."""
    mine = ReputationEvent.objects.pending().filter(pk=event_id).exists()
    draining = not mine and bool(drain_seconds) and _backlog()
    if not mine and not draining:
        return None
    result = Applied(event_id=event_id)
    deadline = time.monotonic() + (drain_seconds or APPLY_SECONDS)
    failed: dict[int, Exception] = {}
    limit = BATCH_SIZE
    while time.monotonic() < deadline:
        claimed: list[int] = []
        try:
            outcome = _apply_batch(
                limit, exclude=set(failed), claimed=claimed, upto=None if draining else event_id
            )
        except _TRANSIENT:
            raise  # the task retries
        except Exception as exc:
            if len(claimed) <= 1:  # this event cannot be applied: it stays pending (and reported)
                log.exception("Could not apply reputation event %s.", claimed)
                failed.update(dict.fromkeys(claimed, exc))
                if not claimed:
                    break
                mine = mine and event_id not in failed  # raised at the end; the rest goes on
            limit = 1  # find which one, one at a time; its members' later events wait for it
            continue
        limit = BATCH_SIZE
        result.event_ids += outcome.applied
        result.user_ids |= outcome.user_ids
        result.badge_user_ids |= outcome.badge_user_ids
        mine = mine and event_id not in outcome.applied
        if not outcome.claimed and mine and _still_pending_after_its_holder(event_id):
            continue  # the batch that held it held it back: claim it again
        if not mine and not draining:
            draining = bool(drain_seconds) and _backlog()
            if draining:
                continue
        drained = len(outcome.claimed) < limit and not outcome.deferred
        if not outcome.claimed or (not mine and (not draining or drained)):
            break  # done, or nothing left that is ours to take (other batches hold the rest)
        if outcome.deferred and not outcome.applied:
            if failed:
                break  # held back by an event that cannot be applied: nothing to wait for
            time.sleep(0.05)  # an older event about the same people is held elsewhere
    if failed and (mine or event_id in failed):
        raise failed.get(event_id) or next(iter(failed.values()))
    if event_id not in result.event_ids:
        return None
    return result


def _still_pending_after_its_holder(event_id: int) -> bool:
    """Wait for the batch that holds this event to end; then whether it is pending still (that
    batch held it back, or failed)."""
    with transaction.atomic():
        row = (
            ReputationEvent.objects.select_for_update().filter(pk=event_id).values_list("applied_at").first()
        )
    return row is not None and row[0] is None


def _backlog() -> bool:
    return ReputationEvent.objects.pending().filter(created_at__lt=timezone.now() - BACKLOG_AGE).exists()


def _apply_batch(limit: int, *, exclude: set[int], claimed: list[int], upto: int | None = None) -> _Outcome:
    """One transaction: claim up to `limit` pending events (up to id `upto`), lock their
    members, apply them."""
    outcome = _Outcome()
    claiming = False
    try:
        with transaction.atomic():
            claiming = _claim_lock(True)
            pending = _locked_events(skip_locked=True).pending().exclude(pk__in=exclude)
            if upto is not None:
                pending = pending.filter(pk__lte=upto)
            batch = list(pending.order_by("pk")[:limit])
            claimed += [event.pk for event in batch]
            if not batch:
                return outcome
            members = {event.pk: _members(event) for event in batch}
            reputation = _lock_members(set().union(*members.values()))
            claiming = _claim_lock(False)
            outcome.claimed = list(claimed)
            batch, outcome.deferred = _in_order(batch, members)
            if not batch:
                return outcome
            state = _Ledger(reputation)
            state.prefetch(batch)
            token = _current.set(state)
            try:
                written = _apply_in_order(batch, state, outcome)
            finally:
                _current.reset(token)
            state.flush()
            outcome.applied = [event.pk for event in batch]
            ReputationEvent.objects.filter(pk__in=outcome.applied).update(
                applied_at=timezone.now(), attempts=F("attempts") + 1
            )
            state.save_totals()
            outcome.user_ids = {entry.user_id for entry in written}
            # Members who rose past a privilege hear it once, with the batch that took them there.
            privileges_earned(
                before={pk: state.before[pk] for pk in outcome.user_ids if pk in state.before},
                after={pk: state.reputation[pk] for pk in outcome.user_ids if pk in state.before},
            )
            if written:
                signals.ledger_entries_written.send(sender=LedgerEntry, entries=written)
            for user_id in sorted(outcome.badge_user_ids):
                transaction.on_commit(lambda user_id=user_id: events.award_badges_later(user_id))
            return outcome
    finally:
        if claiming:  # still held: nothing was claimed, or claiming failed (then after the rollback)
            try:
                _claim_lock(False)
            except DatabaseError:
                connection.close()  # a session lock goes with its connection


def _apply_in_order(batch: list[ReputationEvent], state: "_Ledger", outcome: _Outcome) -> list:
    written: list[LedgerEntry] = []
    helpful = badges.helpful_holders(batch)
    for event in batch:
        simple = event.kind == EventKind.VOTE
        if not simple:
            state.flush()  # the other kinds read the ledger: let them see this batch's lines
        entries = _apply(event)
        if not simple:
            state.forget_votes()  # they may have reversed vote lines
        outcome.badge_user_ids |= badges.worth_checking(event, entries, helpful=helpful)
        written += entries
    return written


def _claim_lock(take: bool) -> bool:
    """Claiming and locking members happen one batch at a time (PostgreSQL session advisory lock,
    released as soon as the members are locked). Returns whether it is now held."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pg_advisory_{'' if take else 'un'}lock(%s)", [_CLAIM_LOCK])
    return take


def _locked_events(*, skip_locked: bool = False):
    """Events locked for applying, with what the rules read (the vote, the post, its question)
    fetched in the same statement. Only the event rows are locked."""
    events = ReputationEvent.objects.select_related("vote", "answer__question", "question").only(*_READ)
    return events.select_for_update(of=("self",), skip_locked=skip_locked)


# What the rules read of an event's vote and posts (a batch builds 4 instances an event: the
# fewer fields, the faster). Anything else is loaded if asked for, one query each.
_READ = (
    *(field.name for field in ReputationEvent._meta.concrete_fields),
    *(f"vote__{name}" for name in ("voter", "answer", "question", "value")),
    *(
        f"{post}__{name}"
        for post in ("answer", "question", "answer__question")
        for name in ("author", "created_at")
    ),
    "answer__question",
)


def _in_order(batch: list[ReputationEvent], members: dict[int, set[int]]) -> tuple[list, list[int]]:
    """(events to apply now, ids deferred). An older pending event outside the batch (another
    batch holds it, it committed after the claim, or it failed) holds back every event of the
    batch that shares a member with it, and in turn those that share one with a held event."""
    last = batch[-1].pk
    ids = {event.pk for event in batch}
    older = ReputationEvent.objects.pending().filter(pk__lt=last).values_list("pk", flat=True)
    outside = sorted(pk for pk in older if pk not in ids)
    if not outside:
        return batch, []
    held_back: dict[int, set[int]] = {
        event.pk: _members(event)
        for event in ReputationEvent.objects.select_related("vote", "answer__question", "question").filter(
            pk__in=outside
        )
    }
    blocked: set[int] = set()
    ready, deferred = [], []
    pending = sorted(
        [*((pk, held_back[pk], None) for pk in held_back), *((e.pk, members[e.pk], e) for e in batch)]
    )
    for _pk, people, event in pending:
        if event is None or people & blocked:
            blocked |= people
            if event is not None:
                deferred.append(event.pk)
        else:
            ready.append(event)
    return ready, deferred


def _members(event: ReputationEvent) -> set[int]:
    """Every member an event may write a line for."""
    ids: set[int] = set()
    if event.actor_id:
        ids.add(event.actor_id)
    if event.vote_id and event.vote is not None:
        ids.add(event.vote.voter_id)
    if event.answer_id and event.answer is not None:
        ids.add(event.answer.author_id)
    if event.question_id and event.question is not None:
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
    return ids


def _lock_users(events: list[ReputationEvent]) -> dict[int, int]:
    return _lock_members(set().union(*(_members(event) for event in events)))


def _lock_members(ids: set[int]) -> dict[int, int]:
    """Lock these members, once and in id order, so two workers applying events that share
    people can never deadlock. FOR NO KEY UPDATE, not FOR UPDATE: it still serialises ledger
    writers, but lets a request insert rows that merely reference the member (a vote, an event)
    meanwhile; FOR UPDATE blocked those, and a vote changed while its previous event was being
    applied deadlocked (web: vote row, then the voter; worker: the reverse).
    Returns each locked member's reputation as it was before the batch."""
    return dict(
        User.objects.select_for_update(no_key=True)
        .filter(pk__in=sorted(ids))
        .order_by("pk")
        .values_list("pk", "reputation")
    )


# --- The batch's view of the ledger ----------------------------------------------------------

_current: ContextVar["_Ledger | None"] = ContextVar("reputation_ledger_batch", default=None)


class _Ledger:
    """What the rules read while a batch is applied, kept exact in memory: each locked member's
    total, what they earned from votes per UTC day, each vote's active lines, which posts are
    deleted, and the lines written but not yet inserted (one INSERT at the end, or earlier when
    a rule must read the ledger itself)."""

    def __init__(self, reputation: dict[int, int]):
        self.before = dict(reputation)
        self.reputation = dict(reputation)
        self.unsaved: list[LedgerEntry] = []
        self.keys: set[str] = set()
        self.earned: dict[tuple[int, dt.date], int] = {}
        self.by_vote: dict[int, list[LedgerEntry]] = {}  # each vote's active lines
        # Posts of the batch's votes, read once after the members are locked: id -> deleted?
        self.deleted: dict[tuple[str, int], bool] = {}

    def prefetch(self, batch: list[ReputationEvent]) -> None:
        from forum.models import Answer, Question

        votes = [event for event in batch if event.kind == EventKind.VOTE and event.vote is not None]
        vote_ids = {event.vote_id for event in votes}
        self.by_vote = {pk: [] for pk in vote_ids}
        for entry in LedgerEntry.objects.active().filter(vote_id__in=vote_ids).order_by("pk"):
            self.by_vote[entry.vote_id].append(entry)
        # Read now, under the locks of the people involved, which a deletion's own event takes too.
        answers = {event.vote.answer_id for event in votes if event.vote.answer_id}
        questions = {event.vote.question_id for event in votes if event.vote.question_id}
        for model, ids in ((Answer, answers), (Question, questions)):
            if ids:
                found = set(
                    model.objects.filter(pk__in=ids, deleted_at__isnull=False).values_list("pk", flat=True)
                )
                self.deleted |= {(model.kind, pk): pk in found for pk in ids}
        up = {
            (
                event.answer.author_id if event.vote.answer_id else event.question.author_id,
                event.created_at.date(),
            )
            for event in votes
            if event.payload.get("value") == 1 and (event.answer if event.vote.answer_id else event.question)
        }
        self._load_earned(up)

    def _load_earned(self, keys: set[tuple[int, dt.date]]) -> None:
        keys = {key for key in keys if key not in self.earned}
        if not keys:
            return
        days: dict[dt.date, set[int]] = defaultdict(set)
        for user_id, day in keys:
            days[day].add(user_id)
        where = Q()
        for day, user_ids in days.items():
            start = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
            where |= Q(
                user_id__in=user_ids, occurred_at__gte=start, occurred_at__lt=start + dt.timedelta(days=1)
            )
        totals = (
            LedgerEntry.objects.filter(where, rule__in=rules.CAPPED_RULES)
            .annotate(day=TruncDate("occurred_at", tzinfo=dt.UTC))
            .order_by()
            .values_list("user_id", "day")
            .annotate(total=Sum("amount"))
        )
        found = {(user_id, day): total for user_id, day, total in totals}
        for key in keys:
            self.earned[key] = found.get(key, 0) + sum(
                entry.amount for entry in self.unsaved if _capped_key(entry) == key
            )

    def earned_on(self, user_id: int, day: dt.date) -> int:
        self._load_earned({(user_id, day)})
        return self.earned[user_id, day]

    def total(self, user_id: int) -> int:
        if user_id not in self.reputation:  # not foreseen by _members: lock it now
            self.reputation.update(_lock_members({user_id}))
            self.before.setdefault(user_id, self.reputation[user_id])
        return self.reputation[user_id]

    def active_for_vote(self, vote_id: int) -> list[LedgerEntry]:
        if vote_id not in self.by_vote:
            self.flush()
            self.by_vote[vote_id] = list(LedgerEntry.objects.active().filter(vote_id=vote_id).order_by("pk"))
        return list(self.by_vote[vote_id])

    def forget_votes(self) -> None:
        self.by_vote.clear()

    def is_deleted(self, post) -> bool | None:
        """Whether the post was deleted when the batch began, or None when not read then."""
        return self.deleted.get((post.kind, post.pk))

    def written(self, key: str, reverses: LedgerEntry | None) -> bool:
        """Whether a line with this key exists. A key made from the locked, unapplied event's own
        id cannot exist yet; the reversal of a line known to be active cannot either."""
        if key in self.keys:
            return True
        if reverses is not None and any(line is reverses for line in self.by_vote.get(reverses.vote_id, ())):
            return False
        self.flush()
        return LedgerEntry.objects.filter(idempotency_key=key).exists()

    def add(self, entry: LedgerEntry) -> None:
        self.unsaved.append(entry)
        self.keys.add(entry.idempotency_key)
        self.reputation[entry.user_id] = self.total(entry.user_id) + entry.amount
        key = _capped_key(entry)
        if key in self.earned:
            self.earned[key] += entry.amount
        if entry.vote_id in self.by_vote:
            lines = self.by_vote[entry.vote_id]
            if entry.reverses is None:
                lines.append(entry)
            else:
                lines[:] = [
                    line for line in lines if line is not entry.reverses and line.pk != entry.reverses_id
                ]
                if entry.reverses.reverses_id is not None:  # a restoration's fate: read it again
                    del self.by_vote[entry.vote_id]

    def flush(self) -> None:
        if self.unsaved:
            _insert(self.unsaved)
            self.unsaved = []

    def save_totals(self) -> None:
        """Each member's total moved by the sum of their lines: one UPDATE (PostgreSQL)."""
        deltas = [
            (pk, total - self.before[pk]) for pk, total in self.reputation.items() if total != self.before[pk]
        ]
        if not deltas:
            return
        if connection.vendor != "postgresql":
            for pk, delta in deltas:
                User.objects.filter(pk=pk).update(reputation=F("reputation") + delta)
            return
        table = connection.ops.quote_name(User._meta.db_table)
        values = ", ".join(["(%s::bigint, %s::integer)"] * len(deltas))
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} AS u SET reputation = u.reputation + v.delta "  # noqa: S608 - our own table
                f"FROM (VALUES {values}) AS v(id, delta) WHERE u.id = v.id",
                [value for pair in deltas for value in pair],
            )


def _insert(entries: list[LedgerEntry]) -> None:
    """INSERT the lines, in order, and give each its id. On PostgreSQL one statement with one
    array per column (INSERT ... SELECT FROM unnest): Django's bulk_create spent more time
    building its statement, a placeholder per value, than PostgreSQL spent running it."""
    if connection.vendor != "postgresql":
        LedgerEntry.objects.bulk_create(entries)
        return
    fields = [field for field in LedgerEntry._meta.concrete_fields if not field.primary_key]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in fields)
    table = connection.ops.quote_name(LedgerEntry._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM unnest({arrays}) "  # noqa: S608 - our own names
            f"WITH ORDINALITY AS line({columns}, n) ORDER BY n RETURNING id",
            [[getattr(entry, field.attname) for entry in entries] for field in fields],
        )
        ids = [row[0] for row in cursor.fetchall()]
    for entry, pk in zip(entries, ids, strict=True):
        entry.pk = pk
        entry._state.adding = False
        entry._state.db = connection.alias


def _capped_key(entry: LedgerEntry) -> tuple[int, dt.date] | None:
    if entry.rule not in rules.CAPPED_RULES:
        return None
    return entry.user_id, entry.occurred_at.date()


def _state() -> _Ledger:
    state = _current.get()
    assert state is not None, "ledger rules run inside a batch (_apply)"
    return state


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
    state = _state()
    # A key made from this event's id cannot exist yet: the event is locked and not yet applied.
    # Any other key (a reversal of an entry, a once-per-answer bonus) may have been written by
    # another event.
    if not key.startswith(f"event:{event.pk}:") and state.written(key, reverses):
        return None
    occurred_at = event.created_at
    notes = [reason] if reason else []
    if reverses is None and rule in rules.CAPPED_RULES and amount > 0:
        earned = state.earned_on(user_id, occurred_at.date())
        room = max(0, rules.DAILY_VOTE_CAP - earned)
        if amount > room:
            notes.append(
                rules.REASON_DAILY_CAP if room == 0 else f"{rules.REASON_DAILY_CAP} ({room} of {amount})"
            )
            amount = room
    if reverses is None and rule == "edit_approved" and amount > 0:
        state.flush()
        earned = _sum(LedgerEntry.objects.filter(user_id=user_id, rule="edit_approved"))
        room = max(0, rules.EDIT_APPROVED_LIFETIME_CAP - earned)
        if amount > room:
            notes.append(rules.REASON_EDIT_CAP)
            amount = room
    if amount < 0:
        current = state.total(user_id)
        if current + amount < rules.REPUTATION_FLOOR:
            notes.append(rules.REASON_FLOOR)
            amount = min(0, rules.REPUTATION_FLOOR - current)
    entry = LedgerEntry(
        user_id=user_id,
        amount=amount,
        rule=rule,
        rules_version=rules.RULES_VERSION,
        reason="; ".join(notes),
        event_id=event.pk,
        reverses=reverses,
        occurred_at=occurred_at,
        idempotency_key=key,
        **links,
    )
    state.add(entry)
    return entry


def _reverse(event: ReputationEvent, entry: LedgerEntry, reason: str) -> LedgerEntry | None:
    if entry.pk is None:
        _state().flush()  # written by this batch: its reversal's key needs its id
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


# --- Per-kind rules --------------------------------------------------------------------------


def _apply(event: ReputationEvent) -> list[LedgerEntry]:
    """The lines one event writes. Inside a batch they join the batch; called on its own (the
    event and its members locked by the caller), it is a batch of one, written at once."""
    if _current.get() is not None:
        return [entry for entry in _HANDLERS[event.kind](event) if entry is not None]
    state = _Ledger(_lock_users([event]))
    token = _current.set(state)
    try:
        written = [entry for entry in _HANDLERS[event.kind](event) if entry is not None]
    finally:
        _current.reset(token)
    state.flush()
    state.save_totals()
    return written


def _handlers() -> dict:
    return {
        EventKind.VOTE: _apply_vote,
        EventKind.ACCEPT: _apply_accept,
        EventKind.ALSO_HELPED: _apply_also_helped,
        EventKind.POST_DELETED: _apply_post_deleted,
        EventKind.POST_RESTORED: _apply_post_restored,
        EventKind.EDIT_APPROVED: _apply_edit_approved,
        EventKind.FRAUD_REVERSAL: _apply_fraud_reversal,
        EventKind.KNOWLEDGE: _apply_knowledge,
        EventKind.APPEAL_RESTORED: _apply_appeal_restored,
    }


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
    links = {"vote_id": vote.pk, "question_id": post.thread_id, "answer_id": vote.answer_id}
    reason = "vote retracted" if value == 0 else "vote changed"
    written = [_reverse(event, entry, reason) for entry in _state().active_for_vote(vote.pk)]
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
    known = _state().is_deleted(post)
    if known is not None:
        return known
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


_HANDLERS = _handlers()
