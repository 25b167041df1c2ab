"""Closing, reopening, locking, merging, deleting and restoring posts.

Members with the close privilege vote (three votes close or reopen a question); a moderator acts
alone. Every verb is idempotent in the way Misago's are: doing it to a post already in that state
returns False and changes nothing. Every change writes an audit line with a public note, in the
same transaction. Keyword-only and atomic, like every service.
"""

import re
from collections import Counter
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.defaultfilters import pluralize
from django.utils import timezone

from forum import pagecache, visibility
from forum.models import ALSO_HELPED_MAX, AlsoHelped, Answer, CloseReason, Question
from forum.search import search_index_question
from moderation import audit, permissions
from moderation.models import CloseVote
from notifications import triggers
from reputation import events as reputation_events

VOTES_NEEDED = 3
# "/questions/12/slug/", "https://host/questions/12/", or just "12".
_QUESTION_REF_RE = re.compile(r"^\s*(?:\S*/questions/)?(\d+)(?:[/?#]\S*)?\s*$")


@dataclass(frozen=True)
class VoteResult:
    """What a close or reopen vote did. False when it changed nothing (a repeated vote, or a
    question already in that state)."""

    recorded: bool
    votes: int  # active votes of this kind after this one (0 once they acted)
    acted: bool  # this vote closed (or reopened) the question

    def __bool__(self) -> bool:
        return self.recorded


# --- Reading -----------------------------------------------------------------------------------


def parse_question_ref(value: str) -> int | None:
    """The question id in a pasted URL or a bare id, or None."""
    match = _QUESTION_REF_RE.match(value or "")
    return int(match.group(1)) if match else None


def close_state(viewer, question: Question) -> dict:
    """The open round of close (or reopen) votes on a question, for someone who may vote: how
    many, and whether the viewer has voted. One query, and none for anyone else."""
    if not permissions.can_vote_to_close(viewer):
        return {"can_vote": False}
    kind = CloseVote.Kind.REOPEN if question.is_closed else CloseVote.Kind.CLOSE
    voters = list(
        CloseVote.objects.filter(question=question, kind=kind, cleared_at__isnull=True).values_list(
            "voter_id", flat=True
        )
    )
    return {
        "can_vote": True,
        "kind": kind,
        "votes": len(voters),
        "needed": VOTES_NEEDED,
        "voted": viewer.pk in voters,
    }


# --- Helpers -----------------------------------------------------------------------------------


def _locked_question(question: Question) -> Question:
    return Question.objects.select_for_update().get(pk=question.pk)


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _question_state(question: Question) -> dict:
    return {
        "closed_at": _iso(question.closed_at),
        "close_reason": question.close_reason,
        "duplicate_of": question.duplicate_of_id,
        "locked_at": _iso(question.locked_at),
        "merged_into": question.merged_into_id,
    }


def _reason_phrase(reason: str) -> str:
    return CloseReason(reason).label


def _names(people) -> str:
    names = [person.name for person in people]
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def _valid_original(question: Question, duplicate_of) -> Question:
    """The question a duplicate points at: another question everyone can see."""
    if duplicate_of is None:
        raise ValidationError("Give the link (or number) of the question this one duplicates.")
    original_id = duplicate_of.pk if isinstance(duplicate_of, Question) else int(duplicate_of)
    if original_id == question.pk:
        raise ValidationError("A question can't be a duplicate of itself.")
    original = Question.objects.visible().filter(pk=original_id).first()
    if original is None:
        raise ValidationError(f"There is no question number {original_id} to point to.")
    if original.duplicate_of_id == question.pk:
        raise ValidationError("That question is already closed as a duplicate of this one.")
    return original


def _clean_reason(question: Question, reason: str, duplicate_of) -> tuple[str, Question | None]:
    if reason not in CloseReason.values:
        raise ValidationError("Choose why the question should be closed.")
    if reason == CloseReason.DUPLICATE:
        return reason, _valid_original(question, duplicate_of)
    return reason, None


def _clear_votes(question: Question, kind: str) -> None:
    CloseVote.objects.filter(question=question, kind=kind, cleared_at__isnull=True).update(
        cleared_at=timezone.now()
    )


def _set_closed(question: Question, *, closed: bool, actor, note: str, why: str, reason="", original=None):
    """Close (with its reason and, for a duplicate, the original) or reopen, clearing the votes
    that asked for it, with one audit line."""
    before = _question_state(question)
    question.closed_at = timezone.now() if closed else None
    question.close_reason = reason if closed else ""
    question.duplicate_of = original if closed else None
    question.save(update_fields=["closed_at", "close_reason", "duplicate_of"])
    _clear_votes(question, CloseVote.Kind.CLOSE if closed else CloseVote.Kind.REOPEN)
    audit.record(
        moderator=actor,
        action="closed" if closed else "reopened",
        target=question,
        reason=why,
        before=before,
        after=_question_state(question),
        public_note=note,
    )


def _close(question: Question, *, reason: str, original: Question | None, actor, note: str, why: str):
    _set_closed(question, closed=True, reason=reason, original=original, actor=actor, note=note, why=why)


def _reopen(question: Question, *, actor, note: str, why: str):
    _set_closed(question, closed=False, actor=actor, note=note, why=why)


def _winning_reason(question: Question, votes: list[CloseVote]) -> tuple[str, Question | None]:
    """The most-voted reason (ties go to the reason voted first); for a duplicate, the most-voted
    original that is still there to point at."""
    originals = Question.objects.visible().exclude(pk=question.pk)
    valid_ids = set(
        originals.filter(pk__in=[vote.duplicate_of_id for vote in votes if vote.duplicate_of_id]).values_list(
            "pk", flat=True
        )
    )
    usable = [
        vote for vote in votes if vote.reason != CloseReason.DUPLICATE or vote.duplicate_of_id in valid_ids
    ]
    usable = usable or votes  # every original vanished: still close, on the first vote's reason
    counts = Counter(vote.reason for vote in usable)
    first_seen = {vote.reason: index for index, vote in reversed(list(enumerate(usable)))}
    reason = max(counts, key=lambda r: (counts[r], -first_seen[r]))
    if reason != CloseReason.DUPLICATE:
        return reason, None
    targets = Counter(vote.duplicate_of_id for vote in usable if vote.reason == reason)
    first_target = {vote.duplicate_of_id: index for index, vote in reversed(list(enumerate(usable)))}
    original_id = max(targets, key=lambda pk: (targets[pk], -first_target[pk]))
    return reason, originals.filter(pk=original_id).first()


# --- Close and reopen --------------------------------------------------------------------------


@transaction.atomic
def question_close(*, question: Question, moderator, reason: str, duplicate_of=None) -> bool:
    """A moderator closes a question alone. False when it is already closed."""
    permissions.allow_moderate(moderator)
    question = _locked_question(question)
    if question.is_closed:
        return False
    reason, original = _clean_reason(question, reason, duplicate_of)
    _close(
        question,
        reason=reason,
        original=original,
        actor=moderator,
        note=f"closed as {_reason_phrase(reason)} by {moderator.name}",
        why="Closed by a moderator",
    )
    return True


@transaction.atomic
def question_reopen(*, question: Question, moderator) -> bool:
    """A moderator reopens a question alone. False when it is open."""
    permissions.allow_moderate(moderator)
    question = _locked_question(question)
    if not question.is_closed:
        return False
    if question.merged_into_id:
        raise ValidationError("A merged question stays closed: its answers now live in the other question.")
    _reopen(question, actor=moderator, note=f"reopened by {moderator.name}", why="Reopened by a moderator")
    return True


def _active_votes(question: Question, kind: str) -> list[CloseVote]:
    return list(
        CloseVote.objects.filter(question=question, kind=kind, cleared_at__isnull=True)
        .select_related("voter")
        .order_by("created_at", "pk")
    )


@transaction.atomic
def question_close_vote(*, question: Question, voter, reason: str, duplicate_of=None) -> VoteResult:
    """A vote to close. The third one closes the question on the most-voted reason. A moderator's
    vote is binding: it closes the question at once."""
    permissions.allow_vote_to_close(voter)
    if permissions.is_moderator(voter):
        closed = question_close(question=question, moderator=voter, reason=reason, duplicate_of=duplicate_of)
        return VoteResult(recorded=closed, votes=0, acted=closed)
    question = _locked_question(question)
    if question.is_closed or not question.is_visible:
        return VoteResult(recorded=False, votes=0, acted=False)
    reason, original = _clean_reason(question, reason, duplicate_of)
    if CloseVote.objects.filter(
        question=question, voter=voter, kind=CloseVote.Kind.CLOSE, cleared_at__isnull=True
    ).exists():
        votes = CloseVote.objects.filter(
            question=question, kind=CloseVote.Kind.CLOSE, cleared_at__isnull=True
        )
        return VoteResult(recorded=False, votes=votes.count(), acted=False)
    CloseVote.objects.create(
        question=question, voter=voter, kind=CloseVote.Kind.CLOSE, reason=reason, duplicate_of=original
    )
    votes = _active_votes(question, CloseVote.Kind.CLOSE)
    if len(votes) < VOTES_NEEDED:
        return VoteResult(recorded=True, votes=len(votes), acted=False)
    reason, original = _winning_reason(question, votes)
    _close(
        question,
        reason=reason,
        original=original,
        actor=voter,
        note=f"closed as {_reason_phrase(reason)} by {_names(vote.voter for vote in votes)}",
        why=f"{len(votes)} members voted to close: "
        + ", ".join(f"{vote.voter.name} ({_reason_phrase(vote.reason)})" for vote in votes),
    )
    return VoteResult(recorded=True, votes=0, acted=True)


@transaction.atomic
def question_reopen_vote(*, question: Question, voter) -> VoteResult:
    """A vote to reopen a closed question; the third one reopens it. A moderator's is binding."""
    permissions.allow_vote_to_close(voter)
    if permissions.is_moderator(voter):
        reopened = question_reopen(question=question, moderator=voter)
        return VoteResult(recorded=reopened, votes=0, acted=reopened)
    question = _locked_question(question)
    if not question.is_closed or not question.is_visible:
        return VoteResult(recorded=False, votes=0, acted=False)
    if question.merged_into_id:
        raise ValidationError("A merged question stays closed: its answers now live in the other question.")
    active = CloseVote.objects.filter(question=question, kind=CloseVote.Kind.REOPEN, cleared_at__isnull=True)
    if active.filter(voter=voter).exists():
        return VoteResult(recorded=False, votes=active.count(), acted=False)
    CloseVote.objects.create(question=question, voter=voter, kind=CloseVote.Kind.REOPEN)
    votes = _active_votes(question, CloseVote.Kind.REOPEN)
    if len(votes) < VOTES_NEEDED:
        return VoteResult(recorded=True, votes=len(votes), acted=False)
    _reopen(
        question,
        actor=voter,
        note=f"reopened by {_names(vote.voter for vote in votes)}",
        why=f"{len(votes)} members voted to reopen: " + ", ".join(vote.voter.name for vote in votes),
    )
    return VoteResult(recorded=True, votes=0, acted=True)


# --- Lock --------------------------------------------------------------------------------------


@transaction.atomic
def question_lock(*, question: Question, moderator, reason: str = "") -> bool:
    """Freeze a thread: no answers, comments, votes or edits (moderators may still edit)."""
    permissions.allow_moderate(moderator)
    question = _locked_question(question)
    if question.is_locked:
        return False
    before = _question_state(question)
    question.locked_at = timezone.now()
    question.save(update_fields=["locked_at"])
    audit.record(
        moderator=moderator,
        action="locked",
        target=question,
        reason=reason,
        before=before,
        after=_question_state(question),
        public_note=f"locked by {moderator.name}",
    )
    return True


@transaction.atomic
def question_unlock(*, question: Question, moderator, reason: str = "") -> bool:
    permissions.allow_moderate(moderator)
    question = _locked_question(question)
    if not question.is_locked:
        return False
    before = _question_state(question)
    question.locked_at = None
    question.save(update_fields=["locked_at"])
    audit.record(
        moderator=moderator,
        action="unlocked",
        target=question,
        reason=reason,
        before=before,
        after=_question_state(question),
        public_note=f"unlocked by {moderator.name}",
    )
    return True


# --- Merge -------------------------------------------------------------------------------------


MARK_DROPPED_REASON = f"taken off by a merge: a question keeps at most {ALSO_HELPED_MAX} such marks"


def _marks_over_the_limit(into: Question, moved_ids: list[int]) -> list[AlsoHelped]:
    """After answers moved into `into`, the "also helped" marks to take off so that its thread
    keeps at most ALSO_HELPED_MAX. The target's own marks stay (its asker's choices on their own
    question are not undone by a merge they did not ask for); the moved ones fill what room is
    left, oldest first."""
    marks = list(
        AlsoHelped.objects.filter(answer__question=into)
        .select_related("answer__question", "question")
        .order_by("created_at", "pk")
    )
    moved = set(moved_ids)
    own = [mark for mark in marks if mark.answer_id not in moved]
    brought = [mark for mark in marks if mark.answer_id in moved]
    return brought[max(0, ALSO_HELPED_MAX - len(own)) :]


@transaction.atomic
def question_merge(*, source: Question, into: Question, moderator) -> bool:
    """Move every answer of `source` to `into` and close `source` as its duplicate. Answers keep
    their ids, votes and comments, and ledger entries point at answers, so their reputation
    moves with them. Two things cannot move as they were:

    - The source's acceptance: the target keeps its own accepted answer, and nothing is
      accepted for a target without one (only its asker accepts there). The moved answer is no
      longer marked accepted, but keeps the credit of its acceptance, and so does the asker who
      accepted it (reputation.reconcile knows an acceptance carried by a merge).
    - "Also helped" marks beyond ALSO_HELPED_MAX in the target's thread: the newest moved ones
      are taken off, and ledger lines reverse their +5.

    The askers concerned are told what they lost, with a link to where the answer now is.
    False when `source` is already merged into `into`."""
    permissions.allow_moderate(moderator)
    if source.pk == into.pk:
        raise ValidationError("A question can't be merged into itself.")
    first, second = sorted([source.pk, into.pk])
    locked = {
        q.pk: q for q in Question.objects.select_for_update().filter(pk__in=[first, second]).order_by("pk")
    }
    source, into = locked[source.pk], locked.get(into.pk)
    if into is None or not into.is_visible:
        raise ValidationError("The question to merge into must exist and be visible.")
    if source.merged_into_id == into.pk:
        return False
    if source.merged_into_id:
        raise ValidationError("This question was already merged into another one.")
    if into.merged_into_id:
        raise ValidationError("That question was itself merged into another; merge into that one instead.")
    before = _question_state(source)
    moving = Answer.objects.filter(question=source)
    moved_ids = list(moving.values_list("pk", flat=True))
    moving.update(question=into)
    now = timezone.now()
    Question.objects.filter(pk=into.pk).update(last_activity_at=now)
    pagecache.question_changed(source.pk, into.pk)  # the answers moved without a save each
    unaccepted = Answer.objects.filter(pk=source.accepted_answer_id).select_related("question").first()
    source.accepted_answer = None
    source.merged_into = into
    update_fields = ["accepted_answer", "merged_into"]
    if source.closed_at is None:
        source.closed_at = now
    source.close_reason = CloseReason.DUPLICATE
    source.duplicate_of = into
    source.save(update_fields=[*update_fields, "closed_at", "close_reason", "duplicate_of"])
    _clear_votes(source, CloseVote.Kind.CLOSE)
    _clear_votes(source, CloseVote.Kind.REOPEN)
    dropped = _marks_over_the_limit(into, moved_ids)
    AlsoHelped.objects.filter(pk__in=[mark.pk for mark in dropped]).delete()
    for mark in dropped:
        reputation_events.record_also_helped(
            answer=mark.answer, actor=moderator, on=False, reason=MARK_DROPPED_REASON
        )
    visibility.recount_answers([source.pk, into.pk])
    search_index_question(source.pk)
    search_index_question(into.pk)
    told = triggers.question_merged(
        source=source, into=into, moderator=moderator, unaccepted=unaccepted, marks_taken_off=dropped
    )
    audit.record(
        moderator=moderator,
        action="merged",
        target=source,
        reason=f"Merged into “{into.title}”; moved {len(moved_ids)} answer{pluralize(len(moved_ids))}",
        before=before,
        after={
            **_question_state(source),
            "moved_answers": moved_ids,
            **({"unaccepted_answer": unaccepted.pk} if unaccepted else {}),
            **({"also_helped_taken_off": [mark.answer_id for mark in dropped]} if dropped else {}),
        },
        public_note=f"merged into “{into.title}” by {moderator.name}",
        notify_author=source.author_id not in told,  # told already, with what the merge took off
    )
    return True


# --- Delete and restore ------------------------------------------------------------------------


@transaction.atomic
def post_delete(*, post, actor, reason: str = "") -> bool:
    """Soft-delete a question or an answer (forum.visibility does it: counters, ledger, search).
    It stays in the database, seen only by moderators and its author. False when it is already
    deleted."""
    if post.deleted_at is None:
        permissions.allow_delete(actor, post)  # refuse before taking any lock
    post = visibility.lock_post(post)
    if post.deleted_at is not None and (permissions.is_moderator(actor) or post.author_id == actor.pk):
        return False
    permissions.allow_delete(actor, post)  # the author's limits, read with the row locked
    result = visibility.post_visibility_change(post=post, change=visibility.Change.DELETE, actor=actor)
    by_author = actor.pk == post.author_id and not permissions.is_moderator(actor)
    audit.record(
        moderator=actor,
        action="deleted",
        target=result.post,
        reason=reason or ("Deleted by its author" if by_author else ""),
        before=result.before,
        after=result.after,
        public_note="deleted by its author" if by_author else f"deleted by {actor.name}",
    )
    return True


@transaction.atomic
def post_restore(*, post, moderator, reason: str = "") -> bool:
    """Undelete: the post is shown again and the ledger gives back exactly what deletion
    reversed. False when it is not deleted."""
    permissions.allow_moderate(moderator)
    if post.kind not in ("question", "answer"):
        raise ValidationError("Only questions and answers are restored here.")
    result = visibility.post_visibility_change(post=post, change=visibility.Change.RESTORE, actor=moderator)
    if not result:
        return False
    audit.record(
        moderator=moderator,
        action="restored",
        target=result.post,
        reason=reason,
        before=result.before,
        after=result.after,
        public_note=f"restored by {moderator.name}",
    )
    return True
