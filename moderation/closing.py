"""Closing, reopening, locking, merging, deleting and restoring posts.

Members with the close privilege vote (three votes close or reopen a question); a moderator acts
alone. Every verb is idempotent in the way Misago's are: doing it to a post already in that state
returns False and changes nothing. Every change writes an audit line with a public note, in the
same transaction. Keyword-only and atomic, like every service.
"""

import re
from collections import Counter
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from forum.models import Answer, CloseReason, Question
from forum.search import search_index_question
from moderation import audit
from moderation.models import CloseVote
from moderation.permissions import is_moderator
from reputation import events as reputation_events
from reputation.privileges import has_privilege, threshold

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


def can_vote_to_close(user) -> bool:
    return has_privilege(user, "close_reopen")


def close_vote_refusal(user) -> str:
    if not (user and user.is_authenticated):
        return "Log in to vote to close or reopen questions."
    return (
        f"Voting to close or reopen questions needs {threshold('close_reopen')} reputation; "
        f"you have {user.reputation}."
    )


def can_delete(user, post, answers=None) -> bool:
    """Moderators may delete any post. An author may delete their own answer unless it is
    accepted, and their own question unless it has an accepted or an up-voted answer (Stack
    Exchange's rule: it would take others' help away). `answers` is the thread's list when a
    page has it, so showing the button costs no query; the service asks the database."""
    if not (user and user.is_authenticated and user.is_active) or post.deleted_at is not None:
        return False
    if is_moderator(user):
        return True
    if post.author_id != user.pk:
        return False
    question = post if isinstance(post, Question) else post.question
    if question.is_locked:
        return False
    if isinstance(post, Answer):
        return question.accepted_answer_id != post.pk
    if post.accepted_answer_id is not None:
        return False
    if answers is None:
        return not post.answers.visible().filter(score__gt=0).exists()
    return not any(answer.score > 0 and answer.is_visible for answer in answers)


def delete_refusal(user, post) -> str:
    if not (user and user.is_authenticated):
        return "Log in to delete your posts."
    if post.author_id != user.pk:
        return "Only moderators can delete other people's posts."
    question = post if isinstance(post, Question) else post.question
    if question.is_locked:
        return "This question is locked, so its posts can't be deleted by their authors."
    if isinstance(post, Answer):
        return "An accepted answer can't be deleted by its author: the asker relies on it."
    return (
        "A question with an accepted or up-voted answer can't be deleted by its author: "
        "it would take away the help others gave."
    )


def close_state(viewer, question: Question) -> dict:
    """The open round of close (or reopen) votes on a question, for someone who may vote: how
    many, and whether the viewer has voted. One query, and none for anyone else."""
    if not can_vote_to_close(viewer):
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


def _require_moderator(user) -> None:
    if not is_moderator(user):
        raise PermissionDenied("Only moderators can do this.")


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


def _post_state(post) -> dict:
    return {
        "deleted_at": _iso(post.deleted_at),
        "deleted_by": post.deleted_by_id,
        "held_at": _iso(post.held_at),
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
    _require_moderator(moderator)
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
    _require_moderator(moderator)
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
    if not can_vote_to_close(voter):
        raise PermissionDenied(close_vote_refusal(voter))
    if is_moderator(voter):
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
    if not can_vote_to_close(voter):
        raise PermissionDenied(close_vote_refusal(voter))
    if is_moderator(voter):
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
    _require_moderator(moderator)
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
    _require_moderator(moderator)
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


def _counted(answers):
    """Answers that question.answer_count counts: not deleted, not held for review."""
    return answers.filter(deleted_at__isnull=True, held_at__isnull=True)


@transaction.atomic
def question_merge(*, source: Question, into: Question, moderator) -> bool:
    """Move every answer of `source` to `into` and close `source` as its duplicate. Answers keep
    their ids, votes and comments, and ledger entries point at answers, so no one's reputation
    moves. The target keeps its own accepted answer; nothing is accepted for it. False when
    `source` is already merged into `into`."""
    _require_moderator(moderator)
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
    counted = _counted(moving).count()
    moving.update(question=into)
    now = timezone.now()
    Question.objects.filter(pk=into.pk).update(answer_count=F("answer_count") + counted, last_activity_at=now)
    # The source's acceptance went with its answer. The ledger keeps what it earned (no event),
    # and the target's own acceptance, if any, stands.
    source.accepted_answer = None
    source.answer_count = 0
    source.merged_into = into
    update_fields = ["accepted_answer", "answer_count", "merged_into"]
    if source.closed_at is None:
        source.closed_at = now
    source.close_reason = CloseReason.DUPLICATE
    source.duplicate_of = into
    source.save(update_fields=[*update_fields, "closed_at", "close_reason", "duplicate_of"])
    _clear_votes(source, CloseVote.Kind.CLOSE)
    _clear_votes(source, CloseVote.Kind.REOPEN)
    search_index_question(source.pk)
    search_index_question(into.pk)
    audit.record(
        moderator=moderator,
        action="merged",
        target=source,
        reason=f"Merged into question {into.pk}; moved answers {moved_ids}",
        before=before,
        after={**_question_state(source), "moved_answers": moved_ids},
        public_note=f"merged into “{into.title}” by {moderator.name}",
    )
    return True


# --- Delete and restore ------------------------------------------------------------------------


def _locked_post(post):
    if isinstance(post, Question):
        return _locked_question(post)
    return Answer.objects.select_for_update(of=("self",)).select_related("question", "author").get(pk=post.pk)


def _check_post(post) -> None:
    if not isinstance(post, Question | Answer):
        raise ValidationError("Only questions and answers are deleted here.")


@transaction.atomic
def post_delete(*, post, actor, reason: str = "") -> bool:
    """Soft-delete a question or an answer: it stays in the database, seen only by moderators
    and its author, and the ledger reverses what it earned or cost (as new lines). False when it
    is already deleted."""
    _check_post(post)
    signed_in = bool(actor and actor.is_authenticated)
    if not (is_moderator(actor) or (signed_in and post.author_id == actor.pk)):
        raise PermissionDenied(delete_refusal(actor, post))
    post = _locked_post(post)
    if post.deleted_at is not None:
        return False
    if not can_delete(actor, post):  # the author's limits, read with the row locked
        raise PermissionDenied(delete_refusal(actor, post))
    before = _post_state(post)
    post.deleted_at = timezone.now()
    post.deleted_by = actor
    post.save(update_fields=["deleted_at", "deleted_by"])
    question_id = post.pk if isinstance(post, Question) else post.question_id
    if isinstance(post, Answer) and post.held_at is None:
        Question.objects.filter(pk=question_id).update(answer_count=Greatest(F("answer_count") - 1, 0))
    reputation_events.record_post_deleted(post=post, actor=actor)
    search_index_question(question_id)
    by_author = actor.pk == post.author_id and not is_moderator(actor)
    audit.record(
        moderator=actor,
        action="deleted",
        target=post,
        reason=reason or ("Deleted by its author" if by_author else ""),
        before=before,
        after=_post_state(post),
        public_note="deleted by its author" if by_author else f"deleted by {actor.name}",
    )
    return True


@transaction.atomic
def post_restore(*, post, moderator, reason: str = "") -> bool:
    """Undelete: the post is shown again and the ledger gives back exactly what deletion
    reversed. False when it is not deleted."""
    _check_post(post)
    _require_moderator(moderator)
    post = _locked_post(post)
    if post.deleted_at is None:
        return False
    before = _post_state(post)
    post.deleted_at = None
    post.deleted_by = None
    post.save(update_fields=["deleted_at", "deleted_by"])
    question_id = post.pk if isinstance(post, Question) else post.question_id
    if isinstance(post, Answer) and post.held_at is None:
        Question.objects.filter(pk=question_id).update(answer_count=F("answer_count") + 1)
    reputation_events.record_post_restored(post=post, actor=moderator)
    search_index_question(question_id)
    audit.record(
        moderator=moderator,
        action="restored",
        target=post,
        reason=reason,
        before=before,
        after=_post_state(post),
        public_note=f"restored by {moderator.name}",
    )
    return True
