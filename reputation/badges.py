"""Badges: public criteria, awarded once per member by a Celery task, idempotently."""

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import DurationField, Exists, ExpressionWrapper, F, OuterRef

from reputation.models import BadgeAward, LedgerEntry

HELPFUL_SCORE = 10
# Ledger lines after which a member may have newly earned a badge; see worth_checking.
_EARNING_RULES = {"answer_accepted", "edit_approved"}


@dataclass(frozen=True)
class Badge:
    slug: str
    name: str
    criteria: str


BADGES = [
    Badge("first_answer", "First answer", "Posted a first answer."),
    Badge("helpful", "Helpful", f"Wrote an answer that scored {HELPFUL_SCORE} or more."),
    Badge("solution", "Solution", "Had a first answer accepted by the person who asked."),
    Badge(
        "good_neighbour",
        "Good neighbour",
        "Wrote an accepted answer to a question that had waited over 48 hours.",
    ),
    Badge("listener", "Listener", "Answered 10 questions that had waited over 24 hours for an answer."),
    Badge("curator", "Curator", "Had a first suggested edit approved."),
    Badge("teacher", "Teacher", "Had 10 answers accepted."),
]
BY_SLUG = {badge.slug: badge for badge in BADGES}


def _answers_of(user_id: int):
    from forum.models import Answer

    return Answer.objects.filter(author_id=user_id)


def _accepted_answers_of(user_id: int):
    # Accepting your own answer earns nothing, badges included.
    return _answers_of(user_id).filter(accepted_for__isnull=False).exclude(question__author_id=user_id)


def _first_answers_after_wait(user_id: int, hours: int):
    """The member's answers that were the first to a question that had waited `hours`."""
    from forum.models import Answer

    earlier = Answer.objects.filter(question=OuterRef("question"), created_at__lt=OuterRef("created_at"))
    wait = ExpressionWrapper(F("created_at") - F("question__created_at"), output_field=DurationField())
    return (
        _answers_of(user_id)
        .exclude(question__author_id=user_id)
        .alias(wait=wait)
        .filter(wait__gt=dt.timedelta(hours=hours))
        .exclude(Exists(earlier))
    )


def _earned(user_id: int) -> dict:
    """badge slug -> (earned?, related answer or None)."""
    first = _answers_of(user_id).order_by("created_at").first()
    helpful = _answers_of(user_id).filter(score__gte=HELPFUL_SCORE).order_by("created_at").first()
    accepted = _accepted_answers_of(user_id).order_by("created_at")
    neighbour = (
        _first_answers_after_wait(user_id, 48).filter(accepted_for__isnull=False).order_by("created_at")
    )
    return {
        "first_answer": (first is not None, first),
        "helpful": (helpful is not None, helpful),
        "solution": (accepted.exists(), accepted.first()),
        "good_neighbour": (neighbour.exists(), neighbour.first()),
        "listener": (_first_answers_after_wait(user_id, 24).count() >= 10, None),
        "curator": (LedgerEntry.objects.filter(user_id=user_id, rule="edit_approved").exists(), None),
        "teacher": (accepted.count() >= 10, None),
    }


def _helpful_candidate(event) -> int | None:
    """The author of the answer a vote event leaves at the Helpful score, if any."""
    if event.kind == "vote" and event.answer_id and event.payload.get("score", 0) >= HELPFUL_SCORE:
        return event.answer.author_id
    return None


def helpful_holders(events) -> set[int]:
    """Of the authors these vote events may make Helpful, those who hold it already (one query
    for a batch of events; see worth_checking)."""
    candidates = {author for event in events if (author := _helpful_candidate(event)) is not None}
    if not candidates:
        return set()
    return set(
        BadgeAward.objects.filter(user_id__in=candidates, badge="helpful").values_list("user_id", flat=True)
    )


def worth_checking(event, entries, *, helpful: set[int] | None = None) -> set[int]:
    """The members whose badges these ledger lines (written for `event`) may have changed; the
    others cannot have earned one from them, so the check is not queued. Badges follow answers
    (first answer, listener: checked when the answer is posted), accepted answers (solution,
    good neighbour, teacher), an answer's score (helpful) and approved edits (curator); nothing
    is ever taken away, so a reversal never needs a check. A restored post may bring back any.
    `helpful`: who held Helpful before the batch (helpful_holders), else it is read here."""
    found = {
        entry.user_id
        for entry in entries
        if entry.reverses_id is None and (entry.rule in _EARNING_RULES or entry.reason == "post restored")
    }
    # Any vote that leaves an answer at the helpful score (an up-vote, or a down-vote taken back).
    # Not when its author already holds Helpful: every later vote on a popular answer would
    # queue a check that can award nothing (one indexed exists() instead of a task).
    author_id = _helpful_candidate(event)
    if author_id is not None:
        held = (
            author_id in helpful
            if helpful is not None
            else BadgeAward.objects.filter(user_id=author_id, badge="helpful").exists()
        )
        if not held:
            found.add(author_id)
    return found


def award_badges(user_id: int) -> list[str]:
    """Award every badge the member now meets and does not hold. Safe to run any number of
    times, concurrently included: the unique (user, badge) constraint has the last word."""
    from notifications.triggers import badge_awarded

    held = set(BadgeAward.objects.filter(user_id=user_id).values_list("badge", flat=True))
    awarded = []
    for slug, (earned, answer) in _earned(user_id).items():
        if not earned or slug in held:
            continue
        try:
            with transaction.atomic():
                BadgeAward.objects.create(user_id=user_id, badge=slug, answer=answer)
                badge_awarded(user_id=user_id, badge=BY_SLUG[slug])  # in the award's transaction
        except IntegrityError:
            continue
        awarded.append(slug)
    return awarded
