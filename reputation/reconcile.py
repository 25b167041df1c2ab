"""Reconciling the ledger: every total against its entries, and the entries against the facts.

Three checks, run by `manage.py reputation_reconcile`:

- **Totals.** A member's reputation column must be 1 + the sum of their entries. One aggregate
  query computes every sum; members are then read in chunks. A mismatch is confirmed by one
  statement (one snapshot) before it is reported, so a ledger write landing mid-scan is not
  drift. `--fix` sets the column from the ledger, with the member's row locked: the column is
  denormalised, the ledger is the truth.
- **Facts.** Every vote must have exactly the active entries `rules.vote_rules` gives for its
  current value (none once retracted); every accepted answer (not the asker's own) exactly an
  active `answer_accepted` and `accepted_an_answer`, and no other answer any; every "also helped"
  mark exactly an active `also_helped`, and no unmarked answer one. A deleted post holds none of
  these (deletion reverses what it earned; restoring gives it back). Amounts are not compared:
  the daily cap and the floor legitimately shrink them. A fact with a pending event (its own, or
  its post's deletion or restoration) is in flight, not drift. `--fix` never touches an entry:
  it records a corrective event through `reputation.events` (the vote's current value, the
  acceptance or mark as it stands, or the post's deletion again) and applies it, so every
  repair is itself a ledger line, marked {"source": "reconcile"} in its event's payload.
- **Stale events.** Events still pending after a minute were not delivered (the outbox sweep
  re-sends them); `--fix` applies them here.
"""

import datetime as dt
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, IntegerField, Max, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from tqdm import tqdm

from reputation import events, ledger, rules
from reputation.models import EventKind, LedgerEntry, ReputationEvent

log = logging.getLogger(__name__)
User = get_user_model()

STALE_AFTER = dt.timedelta(seconds=60)  # as reputation.tasks.RESEND_AFTER
CHUNK = 5000
LIST_AT_MOST = 50  # drift lines printed per kind; all are counted
RECONCILE_SOURCE = "reconcile"  # written into a corrective event's payload


def starting_reputation() -> int:
    return User._meta.get_field("reputation").get_default()


# --- Findings --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TotalDrift:
    user_id: int
    username: str
    column: int
    ledger: int  # what the ledger says: the starting 1 + the sum of the entries

    def describe(self) -> str:
        return f"@{self.username} (id {self.user_id}) has {self.column:,}; the ledger says {self.ledger:,}."


@dataclass(frozen=True)
class FactDrift:
    kind: str  # "vote", "accept" or "also_helped"
    object_id: int  # the vote's id, or the answer's
    summary: str  # the fact as it stands, e.g. "up-vote by user 3 on answer 7"
    missing: tuple[tuple[str, int], ...] = ()  # (rule, user id) the rules give but the ledger lacks
    unexpected: tuple[int, ...] = ()  # ids of active entries the fact does not explain

    def describe(self) -> str:
        parts = []
        if self.missing:
            parts.append("missing " + ", ".join(f"{rule} for user {user}" for rule, user in self.missing))
        if self.unexpected:
            parts.append("unexplained active entries " + ", ".join(str(pk) for pk in self.unexpected))
        return f"{self.summary}: {'; '.join(parts)}."


@dataclass
class Report:
    members: int = 0
    votes: int = 0
    acceptances: int = 0
    marks: int = 0
    totals: list[TotalDrift] = field(default_factory=list)
    facts: list[FactDrift] = field(default_factory=list)
    stale_events: list[int] = field(default_factory=list)
    in_flight: int = 0  # events pending for less than a minute: being delivered, not drift

    @property
    def drift(self) -> int:
        return len(self.totals) + len(self.facts) + len(self.stale_events)


@dataclass
class Outcome:
    found: Report
    left: Report | None = None  # a fresh check after fixing; None when nothing was fixed
    fixed_totals: int = 0
    applied_events: int = 0
    corrective_events: list[int] = field(default_factory=list)

    @property
    def unresolved(self) -> int:
        return (self.left or self.found).drift


def _bar(iterable=None, *, total: int, desc: str, progress: bool | None, file=None):
    """A tqdm bar; progress=None shows it only on a terminal."""
    disable = None if progress is None else not progress  # tqdm: None = off unless a terminal
    return tqdm(
        iterable,
        total=total,
        desc=desc,
        unit=" rows",
        disable=disable,
        file=file,
        leave=False,
        mininterval=0.5,
    )


# --- Totals ----------------------------------------------------------------------------------


def ledger_sums() -> dict[int, int]:
    """user id -> sum of their entries, in one aggregate query."""
    rows = LedgerEntry.objects.order_by().values("user_id").annotate(total=Sum("amount"))
    return {user_id: total or 0 for user_id, total in rows.values_list("user_id", "total")}


def check_totals(*, progress: bool | None = False, file=None) -> tuple[int, list[TotalDrift]]:
    """(members checked, drift confirmed). Reads every member once, in chunks."""
    base = starting_reputation()
    sums = ledger_sums()
    members = User.objects.count()
    suspects = []
    rows = User.objects.order_by("pk").values_list("pk", "reputation")
    with _bar(total=members, desc="members", progress=progress, file=file) as bar:
        for user_id, column in rows.iterator(chunk_size=CHUNK):
            if column != base + sums.get(user_id, 0):
                suspects.append(user_id)
            bar.update(1)
    drift = [found for found in (_confirm_total(user_id) for user_id in suspects) if found]
    return members, drift


def _with_ledger_total(queryset):
    entries = (
        LedgerEntry.objects.filter(user_id=OuterRef("pk"))
        .order_by()
        .values("user_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return queryset.annotate(
        ledger_sum=Coalesce(Subquery(entries, output_field=IntegerField()), Value(0))
    ).values_list("username", "reputation", "ledger_sum")


def _confirm_total(user_id: int) -> TotalDrift | None:
    # Column and sum in one statement: one snapshot, so a write committing mid-scan is not drift.
    row = _with_ledger_total(User.objects.filter(pk=user_id)).first()
    if row is None:
        return None
    username, column, total = row
    expected = starting_reputation() + total
    return None if column == expected else TotalDrift(user_id, username, column, expected)


def fix_total(user_id: int) -> TotalDrift | None:
    """Set the member's column from the ledger, with their row locked the way the ledger locks
    it, so no entry can land between the sum and the update. Returns what was corrected."""
    with transaction.atomic():
        locked = User.objects.select_for_update(no_key=True).filter(pk=user_id)
        username, column = locked.values_list("username", "reputation").get()
        total = LedgerEntry.objects.filter(user_id=user_id).aggregate(total=Sum("amount"))["total"]
        expected = starting_reputation() + (total or 0)
        if column == expected:
            return None
        User.objects.filter(pk=user_id).update(reputation=expected)
    log.info("Reputation of user %s set from %s to %s (the ledger's total).", user_id, column, expected)
    return TotalDrift(user_id, username, column, expected)


# --- Facts -----------------------------------------------------------------------------------


def _compare(expected: list[tuple[str, int]], actual: list[tuple[str, int, int]]):
    """(missing (rule, user) pairs, unexpected entry ids) between what the rules give and the
    active entries (rule, user, entry id), as multisets."""
    if len(expected) == len(actual) and sorted(expected) == sorted(item[:2] for item in actual):
        return (), ()  # the common case, without building counters
    wanted = Counter(expected)
    unexpected = []
    for rule, user_id, entry_id in sorted(actual, key=lambda item: item[2]):
        if wanted[(rule, user_id)] > 0:
            wanted[(rule, user_id)] -= 1
        else:
            unexpected.append(entry_id)
    missing = sorted(pair for pair, count in wanted.items() for _ in range(count))
    return tuple(missing), tuple(unexpected)


def _pending_subjects(kind: str, field_name: str) -> set[int]:
    return set(
        ReputationEvent.objects.pending()
        .filter(kind=kind, **{f"{field_name}__isnull": False})
        .values_list(field_name, flat=True)
    )


def _posts_in_flight() -> tuple[set[int], set[int]]:
    """(answer ids, question ids) with a pending deletion or restoration: their entries are
    about to change wholesale, so nothing about them is drift yet."""
    pending = ReputationEvent.objects.pending().filter(
        kind__in=[EventKind.POST_DELETED, EventKind.POST_RESTORED]
    )
    answers = set(pending.filter(answer__isnull=False).values_list("answer_id", flat=True))
    questions = set(pending.filter(answer__isnull=True).values_list("question_id", flat=True))
    return answers, questions


def expected_vote_entries(*, value: int, voter_id: int, author_id: int, on_answer: bool):
    return [
        (rule, author_id if who == "author" else voter_id)
        for rule, who in rules.vote_rules(on_answer=on_answer, value=value)
    ]


_VOTE_FIELDS = (
    "pk",
    "value",
    "voter_id",
    "answer_id",
    "question_id",
    "answer__author_id",
    "question__author_id",
    "answer__deleted_at",
    "question__deleted_at",
)


def _vote_drift(row, actual, *, neutralised: bool = False) -> FactDrift | None:
    pk, value, voter_id, answer_id, question_id, answer_author, question_author, *deleted_at = row
    on_answer = answer_id is not None
    deleted = (deleted_at[0] if on_answer else deleted_at[1]) is not None
    # Deleting a post reverses everything it earned or cost (restoring gives it back); an
    # anti-fraud reversal takes back what a vote earned while the vote itself stays.
    expected = (
        []
        if deleted or neutralised
        else expected_vote_entries(
            value=value,
            voter_id=voter_id,
            author_id=answer_author if on_answer else question_author,
            on_answer=on_answer,
        )
    )
    missing, unexpected = _compare(expected, actual)
    if not missing and not unexpected:
        return None
    what = {1: "up-vote", -1: "down-vote", 0: "retracted vote"}[value]
    what += ", reversed as fraud" if neutralised else ""
    post = (
        f"{'deleted ' if deleted else ''}{'answer' if on_answer else 'question'} {answer_id or question_id}"
    )
    return FactDrift("vote", pk, f"Vote {pk} ({what} by user {voter_id} on {post})", missing, unexpected)


def _fraud_reversals(vote_ids=None) -> dict[int, int]:
    """vote id -> its latest line written by an anti-fraud reversal (such as "serial voting
    reversed"). Few votes have one: one query for the whole check, from the (few) reversal
    events rather than the (many) votes."""
    entries = LedgerEntry.objects.filter(
        event__in=ReputationEvent.objects.filter(kind=EventKind.FRAUD_REVERSAL),
        vote__isnull=False,
        rule__in=rules.VOTE_RULES,
    )
    if vote_ids is not None:
        entries = entries.filter(vote_id__in=vote_ids)
    return dict(entries.order_by().values("vote_id").annotate(last=Max("pk")).values_list("vote_id", "last"))


def _neutralised_votes(reversed_at: dict[int, int]) -> set[int]:
    """Of the votes with a fraud reversal (`_fraud_reversals`), those not changed since: no line
    written by the vote itself (or a restoration: of its post, or of the reversal on appeal)
    after the reversal. What they earned was taken
    back and stays taken back; a later change of the vote writes lines the rules then explain."""
    if not reversed_at:
        return set()
    granted_at = dict(  # the latest line the vote itself (or a restoration) wrote
        LedgerEntry.objects.filter(
            vote_id__in=reversed_at,
            rule__in=rules.VOTE_RULES,
            event__kind__in=[EventKind.VOTE, EventKind.POST_RESTORED, EventKind.APPEAL_RESTORED],
        )
        .order_by()
        .values("vote_id")
        .annotate(last=Max("pk"))
        .values_list("vote_id", "last")
    )
    return {vote_id for vote_id, last in reversed_at.items() if granted_at.get(vote_id, 0) < last}


def _active_vote_entries(lo: int, hi: int) -> dict[int, list[tuple[str, int, int]]]:
    found = defaultdict(list)
    rows = (
        LedgerEntry.objects.active()
        .filter(vote_id__gte=lo, vote_id__lte=hi, rule__in=rules.VOTE_RULES)
        .order_by()
        .values_list("vote_id", "rule", "user_id", "pk")
    )
    for vote_id, rule, user_id, entry_id in rows:
        found[vote_id].append((rule, user_id, entry_id))
    return found


def _vote_in_flight(row, votes: set[int], answers: set[int], questions: set[int]) -> bool:
    pk, _, _, answer_id, question_id, *_ = row
    return pk in votes or answer_id in answers or (answer_id is None and question_id in questions)


def check_votes(*, progress: bool | None = False, file=None) -> tuple[int, list[FactDrift]]:
    """(votes checked, drift). Votes are read in primary-key chunks, each with its entries."""
    from forum.models import Vote

    in_flight = _pending_subjects(EventKind.VOTE, "vote_id"), *_posts_in_flight()
    fraud = _fraud_reversals()
    votes = Vote.objects.order_by("pk").values_list(*_VOTE_FIELDS)
    drift: list[FactDrift] = []
    count = 0
    last = 0
    with _bar(total=Vote.objects.count(), desc="votes", progress=progress, file=file) as bar:
        while chunk := list(votes.filter(pk__gt=last)[:CHUNK]):
            last = chunk[-1][0]
            actual = _active_vote_entries(chunk[0][0], last)
            in_chunk = {pk: at for pk, at in fraud.items() if chunk[0][0] <= pk <= last}
            neutralised = _neutralised_votes(in_chunk)
            for row in chunk:
                if not _vote_in_flight(row, *in_flight) and (
                    found := _vote_drift(row, actual.get(row[0], []), neutralised=row[0] in neutralised)
                ):
                    drift.append(found)
            count += len(chunk)
            bar.update(len(chunk))
    return count, drift


_ANSWER_RULES = {"accept": rules.ACCEPT_RULES, "also_helped": {"also_helped"}}


@dataclass(frozen=True)
class AnswerState:
    author_id: int
    question_id: int  # where the answer is now
    accepted: bool  # accepted where it is, or carried here by a merge with its credit
    accept_asker_id: int  # whose +2 the acceptance gives: the asker of the question that accepted
    marked: bool  # as also helped
    mark_asker_id: int | None  # the asker who marked it
    deleted: bool
    carried_from: int | None = None  # the merged question whose acceptance the answer still holds

    def asker(self, kind: str) -> int | None:
        return self.accept_asker_id if kind == "accept" else self.mark_asker_id

    def earns(self, kind: str) -> bool:
        """Whether the acceptance (kind "accept") or the mark ("also_helped") should hold credit."""
        holds = self.accepted if kind == "accept" else self.marked
        return holds and not self.deleted and self.author_id != self.asker(kind)


def _carried_acceptances(credited) -> dict[int, tuple[int, int]]:
    """answer id -> (question id, its asker) for answers whose active acceptance credit was earned
    on a question since merged away. A merge moves answers and keeps what they earned (no event):
    the acceptance stays, with its +2 to the asker who accepted, though no question now names the
    answer as accepted (or its new question does, and the ledger found it already credited)."""
    from forum.models import Question

    rows = (
        credited.filter(rule__in=_ANSWER_RULES["accept"], question__merged_into__isnull=False)
        .exclude(question_id=F("answer__question_id"))
        .order_by()
        .values_list("answer_id", "question_id")
        .distinct()
    )
    found = dict(rows)
    askers = dict(Question.objects.filter(pk__in=set(found.values())).values_list("pk", "author_id"))
    return {answer_id: (question_id, askers[question_id]) for answer_id, question_id in found.items()}


def _answer_state(answer_ids=None) -> dict[int, AnswerState]:
    """The answers that are accepted, marked, or hold an active accept or also-helped entry."""
    from forum.models import AlsoHelped, Answer, Question

    accepted = Question.objects.filter(accepted_answer__isnull=False)
    marked = AlsoHelped.objects.all()
    credited = LedgerEntry.objects.active().filter(
        answer__isnull=False, rule__in=_ANSWER_RULES["accept"] | _ANSWER_RULES["also_helped"]
    )
    if answer_ids is not None:
        accepted = accepted.filter(accepted_answer_id__in=answer_ids)
        marked = marked.filter(answer_id__in=answer_ids)
        credited = credited.filter(answer_id__in=answer_ids)
    accepted_ids = set(accepted.values_list("accepted_answer_id", flat=True))
    # The mark belongs to the question it was made on, which a merge leaves behind.
    mark_askers = dict(marked.values_list("answer_id", "question__author_id"))
    carried = _carried_acceptances(credited)
    ids = accepted_ids | set(mark_askers) | set(credited.order_by().values_list("answer_id", flat=True))
    rows = Answer.objects.filter(pk__in=ids).values_list(
        "pk", "author_id", "question__author_id", "question_id", "deleted_at"
    )
    state = {}
    for pk, author, asker, question, deleted_at in rows:
        carried_from, accept_asker = carried.get(pk, (None, asker))
        state[pk] = AnswerState(
            author_id=author,
            question_id=question,
            accepted=pk in accepted_ids or carried_from is not None,
            accept_asker_id=accept_asker,
            marked=pk in mark_askers,
            mark_asker_id=mark_askers.get(pk),
            deleted=deleted_at is not None,
            carried_from=carried_from,
        )
    return state


def _credited_answers(answer_ids, kind: str) -> dict[int, list[tuple[str, int, int]]]:
    found = defaultdict(list)
    rows = (
        LedgerEntry.objects.active()
        .filter(answer_id__in=answer_ids, rule__in=_ANSWER_RULES[kind])
        .order_by()
        .values_list("answer_id", "rule", "user_id", "pk")
    )
    for answer_id, rule, user_id, entry_id in rows:
        found[answer_id].append((rule, user_id, entry_id))
    return found


def _answer_drift(answer_id: int, kind: str, state: AnswerState, actual) -> FactDrift | None:
    expected = []
    if state.earns(kind) and kind == "accept":
        expected = [("answer_accepted", state.author_id), ("accepted_an_answer", state.accept_asker_id)]
    elif state.earns(kind):
        expected = [("also_helped", state.author_id)]
    missing, unexpected = _compare(expected, actual)
    if not missing and not unexpected:
        return None
    holds = state.accepted if kind == "accept" else state.marked
    what = {
        ("accept", True): "Accepted answer",
        ("accept", False): "Answer not accepted",
        ("also_helped", True): "Answer marked as also helped",
        ("also_helped", False): "Answer not marked as also helped",
    }[kind, holds]
    deleted = " (deleted)" if state.deleted else ""
    carried = f", accepted on question {state.carried_from} before a merge" if kind == "accept" else ""
    summary = (
        f"{what}{deleted}, {answer_id} on question {state.question_id}{carried if state.carried_from else ''}"
    )
    return FactDrift(kind, answer_id, summary, missing, unexpected)


def check_answers(answer_ids=None) -> tuple[int, int, list[FactDrift]]:
    """(acceptances checked, also-helped marks checked, drift)."""
    state = _answer_state(answer_ids)
    posts_in_flight, _ = _posts_in_flight()
    drift = []
    for kind, event_kind in [("accept", EventKind.ACCEPT), ("also_helped", EventKind.ALSO_HELPED)]:
        in_flight = _pending_subjects(event_kind, "answer_id") | posts_in_flight
        entries = _credited_answers(list(state), kind)
        for answer_id in sorted(state):
            if answer_id not in in_flight:
                found = _answer_drift(answer_id, kind, state[answer_id], entries.get(answer_id, []))
                drift += [found] if found else []
    acceptances = sum(1 for item in state.values() if item.accepted)
    marks = sum(1 for item in state.values() if item.marked)
    return acceptances, marks, drift


# --- Pending events --------------------------------------------------------------------------


def pending_events(now: dt.datetime | None = None) -> tuple[list[int], int]:
    """(ids of events pending for over a minute, count of younger pending events)."""
    cutoff = (now or timezone.now()) - STALE_AFTER
    pending = ReputationEvent.objects.pending().order_by("pk")
    stale = list(pending.filter(created_at__lt=cutoff).values_list("pk", flat=True))
    return stale, pending.filter(created_at__gte=cutoff).count()


def apply_pending(event_ids: list[int], *, progress: bool | None = False, file=None) -> int:
    """Apply the events here, oldest first. Returns how many this call applied (the ledger
    applies the pending events before each one with it, in batches; an event applied meanwhile,
    by an earlier batch or the worker, is skipped by apply_event itself)."""
    applied = 0
    for event_id in _bar(event_ids, total=len(event_ids), desc="events", progress=progress, file=file):
        try:
            done = ledger.apply_event(event_id)
            applied += len(done.event_ids) if done is not None else 0
        except Exception:  # one broken event must not stop the rest; it stays pending and reported
            log.exception("Could not apply reputation event %s.", event_id)
    return applied


# --- Repairs through the ledger --------------------------------------------------------------


def _mark_corrective(event: ReputationEvent) -> ReputationEvent:
    event.payload = {**event.payload, "source": RECONCILE_SOURCE}
    event.save(update_fields=["payload"])
    return event


def _post_events_pending(*, answer_id: int | None = None, question_id: int | None = None) -> bool:
    pending = ReputationEvent.objects.pending().filter(
        kind__in=[EventKind.POST_DELETED, EventKind.POST_RESTORED]
    )
    if answer_id is not None:
        return pending.filter(answer_id=answer_id).exists()
    return pending.filter(question_id=question_id, answer__isnull=True).exists()


def repair_vote(vote_id: int) -> list[int]:
    """Record the vote's current value again as a corrective event and apply it: the ledger
    reverses whatever is active for the vote and writes what the rules give. On a deleted post,
    record the deletion again instead, which reverses whatever the post still holds. Returns
    the ids of the events recorded (none when the vote turned out fine or is in flight)."""
    from forum.models import Answer, Question, Vote

    with transaction.atomic():
        # Lock as vote_cast does (the vote, then its post): no change can interleave.
        vote = Vote.objects.select_for_update().filter(pk=vote_id).first()
        if vote is None:
            return []
        model, post_id = (Answer, vote.answer_id) if vote.answer_id else (Question, vote.question_id)
        post = model.objects.select_for_update().get(pk=post_id)
        subject = {"answer_id": post_id} if vote.answer_id else {"question_id": post_id}
        if ReputationEvent.objects.pending().filter(kind=EventKind.VOTE, vote_id=vote_id).exists():
            return []
        if _post_events_pending(**subject):
            return []
        row = Vote.objects.filter(pk=vote_id).values_list(*_VOTE_FIELDS).get()
        neutralised = vote_id in _neutralised_votes(_fraud_reversals([vote_id]))
        drift = _vote_drift(
            row, _active_vote_entries(vote_id, vote_id).get(vote_id, []), neutralised=neutralised
        )
        if drift is None:
            return []
        if post.deleted_at is not None:
            event = events.record_post_deleted(post=post, actor=None)
        elif neutralised:  # credit that reappeared on a vote reversed as fraud: reverse it again
            reason = LedgerEntry.objects.filter(vote_id=vote_id, event__kind=EventKind.FRAUD_REVERSAL).latest(
                "pk"
            )
            event = events.record_fraud_reversal(
                entry_ids=list(drift.unexpected), actor=None, reason=reason.event.payload.get("reason", "")
            )
        else:
            event = events.record_vote(vote=vote, actor=None, score=post.score)
        _mark_corrective(event)
    ledger.apply_event(event.pk)
    return [event.pk]


def repair_answer(answer_id: int, kind: str) -> list[int]:
    """Record corrective accept / also-helped events for the answer: "off" when it holds any
    active entry of that kind (reversing them all), then "on" when the fact stands and earns.
    On a deleted answer, record the deletion again instead. Returns the ids of the events."""
    from forum.models import Answer, Question

    record = events.record_accept if kind == "accept" else events.record_also_helped
    event_kind = EventKind.ACCEPT if kind == "accept" else EventKind.ALSO_HELPED
    with transaction.atomic():
        # Lock as deletion does (the answer, then its question); accepting and marking lock the
        # question too.
        answer = Answer.objects.select_for_update().filter(pk=answer_id).first()
        if answer is None:
            return []
        Question.objects.select_for_update().filter(pk=answer.question_id).values_list("pk").get()
        if ReputationEvent.objects.pending().filter(kind=event_kind, answer_id=answer_id).exists():
            return []
        if _post_events_pending(answer_id=answer_id):
            return []
        state = _answer_state([answer_id]).get(answer_id)
        if state is None:
            return []
        active = _credited_answers([answer_id], kind).get(answer_id, [])
        if _answer_drift(answer_id, kind, state, active) is None:
            return []
        recorded = []
        if kind == "accept" and state.carried_from is not None:
            # Recording the acceptance again would credit the asker of the question the answer
            # was merged into. A moderator settles this one by hand; it stays reported.
            log.warning("Answer %s: acceptance carried by a merge does not match the ledger.", answer_id)
            return []
        if state.deleted:
            recorded.append(events.record_post_deleted(post=answer, actor=None))
        else:
            if active:
                recorded.append(record(answer=answer, actor=None, on=False))
            if state.earns(kind):
                recorded.append(record(answer=answer, actor=None, on=True))
        for event in recorded:
            _mark_corrective(event)
    for event in recorded:
        ledger.apply_event(event.pk)
    return [event.pk for event in recorded]


def repair_fact(drift: FactDrift) -> list[int]:
    if drift.kind == "vote":
        return repair_vote(drift.object_id)
    return repair_answer(drift.object_id, drift.kind)


# --- The whole run ---------------------------------------------------------------------------


def check(*, progress: bool | None = False, file=None) -> Report:
    report = Report()
    report.members, report.totals = check_totals(progress=progress, file=file)
    report.votes, vote_drift = check_votes(progress=progress, file=file)
    report.acceptances, report.marks, answer_drift = check_answers()
    report.facts = vote_drift + answer_drift
    report.stale_events, report.in_flight = pending_events()
    # A fact whose event is stale is "not yet applied", reported once, as a stale event: the
    # pending-event filters above already kept it out of the fact drift.
    return report


def reconcile(*, fix: bool = False, progress: bool | None = False, file=None) -> Outcome:
    """Check everything; with fix, repair in this order: totals first (the floor reads the
    column), then stale events (they may settle facts), then facts still adrift."""
    found = check(progress=progress, file=file)
    outcome = Outcome(found=found)
    if not fix or not found.drift:
        return outcome
    outcome.fixed_totals = sum(1 for drift in found.totals if fix_total(drift.user_id))
    outcome.applied_events = apply_pending(found.stale_events, progress=progress, file=file)
    facts = found.facts
    if outcome.applied_events:
        # Facts whose events were stale were left out of the check: look at everything again.
        facts = check_votes(progress=progress, file=file)[1] + check_answers()[2]
    # Each repair looks again, under lock, first: a member's own change since the check may
    # have settled the fact already.
    for drift in facts:
        outcome.corrective_events += repair_fact(drift)
    outcome.left = check(progress=progress, file=file)
    return outcome


def describe(outcome: Outcome, *, verbose: bool = False) -> list[str]:
    """The command's output, one line per item."""
    found = outcome.found
    lines = [f"Checked {found.members:,} members and {found.votes:,} votes: {found.drift:,} drift."]
    if verbose:
        lines.append(
            f"Also checked {found.acceptances:,} accepted answers and {found.marks:,} also-helped marks."
        )
    sections = [
        ("Totals that differ from the ledger", [d.describe() for d in found.totals]),
        ("Facts the ledger does not match", [d.describe() for d in found.facts]),
        (
            f"Events pending for over {int(STALE_AFTER.total_seconds())} s (not yet applied)",
            [f"event {pk}" for pk in found.stale_events],
        ),
    ]
    for title, items in sections:
        if not items:
            continue
        lines.append(f"{title}: {len(items):,}")
        lines += [f"  {item}" for item in items[:LIST_AT_MOST]]
        if len(items) > LIST_AT_MOST:
            lines.append(f"  ... and {len(items) - LIST_AT_MOST:,} more")
    if found.in_flight:
        lines.append(f"{found.in_flight:,} pending events are under a minute old (being applied): not drift.")
    if outcome.left is not None:
        lines.append(
            f"Fixed: {outcome.fixed_totals:,} totals set from the ledger, {outcome.applied_events:,} "
            f"pending events applied, {len(outcome.corrective_events):,} corrective events recorded."
        )
        left = outcome.left
        lines.append("Nothing left." if not left.drift else f"{left.drift:,} drift left after fixing.")
    return lines
