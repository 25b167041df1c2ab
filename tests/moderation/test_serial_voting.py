"""Voting rings are found and their reputation reversed in the ledger (nothing deleted); the
member's appeal of a reversal is in test_appeals.py."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import User
from config.celery import app as celery_app
from forum import services
from forum.models import Answer, Vote
from moderation.models import ModerationAction
from moderation.serial_voting import SERIAL_VOTING_REASON, find_serial_voting, neutralise
from moderation.tasks import detect_serial_voting
from reputation.models import LedgerEntry
from tests.factories import UserFactory, make_answer, make_question

pytestmark = pytest.mark.django_db


def answers_by(author, count: int) -> list[Answer]:
    return [make_answer(make_question(), author=author) for _ in range(count)]


def vote_up(commit, voter, posts, *, hours_ago: float = 0) -> list[Vote]:
    votes = [commit(services.vote_cast, voter=voter, post=post, value=Vote.UP) for post in posts]
    if hours_ago:
        when = timezone.now() - timedelta(hours=hours_ago)
        Vote.objects.filter(pk__in=[v.pk for v in votes]).update(created_at=when, updated_at=when)
    return votes


def reputation(user) -> int:
    return User.objects.get(pk=user.pk).reputation


def detect(commit) -> int:
    return commit(detect_serial_voting.delay).get()


# --- Finding and reversing ---------------------------------------------------------------------


def test_five_up_votes_on_one_authors_posts_in_a_day_are_reversed_in_the_ledger(commit):
    author, voter = UserFactory(), UserFactory()
    answers = answers_by(author, 5)
    vote_up(commit, voter, answers)
    assert reputation(author) == 51
    entries_before = set(LedgerEntry.objects.values_list("pk", flat=True))

    assert detect(commit) == 5

    assert reputation(author) == 1
    reversals = LedgerEntry.objects.exclude(pk__in=entries_before)
    assert reversals.count() == 5
    assert {e.reason for e in reversals} == {SERIAL_VOTING_REASON}
    assert {e.reverses.vote.voter_id for e in reversals} == {voter.pk}
    assert entries_before <= set(LedgerEntry.objects.values_list("pk", flat=True))  # only added


def test_nothing_is_deleted_and_scores_stay(commit):
    author, voter = UserFactory(), UserFactory()
    answers = answers_by(author, 5)
    votes = vote_up(commit, voter, answers)

    detect(commit)

    assert list(Vote.objects.filter(pk__in=[v.pk for v in votes]).values_list("value", flat=True)) == [1] * 5
    assert [Answer.objects.get(pk=a.pk).score for a in answers] == [1] * 5


def test_four_up_votes_are_left_alone(commit):
    author, voter = UserFactory(), UserFactory()
    vote_up(commit, voter, answers_by(author, 4))

    assert find_serial_voting() == []
    assert detect(commit) == 0
    assert reputation(author) == 41


def test_five_votes_spread_over_more_than_a_day_are_left_alone(commit):
    author, voter = UserFactory(), UserFactory()
    answers = answers_by(author, 5)
    vote_up(commit, voter, answers[:1], hours_ago=30)
    vote_up(commit, voter, answers[1:])

    assert find_serial_voting() == []


def test_a_ring_from_yesterday_is_still_caught_by_the_next_run(commit):
    author, voter = UserFactory(), UserFactory()
    answers = answers_by(author, 5)
    vote_up(commit, voter, answers[:2], hours_ago=40)
    vote_up(commit, voter, answers[2:], hours_ago=30)

    [finding] = find_serial_voting()

    assert (finding.voter_id, finding.author_id, len(finding.vote_ids)) == (voter.pk, author.pk, 5)


def test_reciprocal_voting_is_detected_and_reversed_both_ways(commit):
    alice, bob = UserFactory(), UserFactory()
    vote_up(commit, alice, answers_by(bob, 3))
    vote_up(commit, bob, answers_by(alice, 3))
    assert reputation(alice) == reputation(bob) == 31

    findings = find_serial_voting()
    detect(commit)

    assert {(f.voter_id, f.author_id) for f in findings} == {(alice.pk, bob.pk), (bob.pk, alice.pk)}
    assert all(f.patterns == {"reciprocal"} for f in findings)
    assert reputation(alice) == reputation(bob) == 1


def test_two_votes_each_way_are_not_a_ring(commit):
    alice, bob = UserFactory(), UserFactory()
    vote_up(commit, alice, answers_by(bob, 2))
    vote_up(commit, bob, answers_by(alice, 3))

    assert find_serial_voting() == []


def test_running_twice_reverses_nothing_new(commit):
    author, voter = UserFactory(), UserFactory()
    vote_up(commit, voter, answers_by(author, 6))
    detect(commit)
    entries = LedgerEntry.objects.count()

    assert detect(commit) == 0

    assert LedgerEntry.objects.count() == entries
    assert reputation(author) == 1
    assert ModerationAction.objects.filter(action="serial_voting_reversed").count() == 1


def test_a_second_run_before_the_reversal_is_applied_sends_nothing_again(commit):
    author, voter = UserFactory(), UserFactory()
    vote_up(commit, voter, answers_by(author, 5))

    first = neutralise(find_serial_voting())  # its ledger event stays pending: no on-commit run
    second = neutralise(find_serial_voting())

    assert len(first) == 5
    assert second == []


def test_the_reversal_is_in_the_audit_log_against_the_author(commit):
    author, voter = UserFactory(), UserFactory()
    vote_up(commit, voter, answers_by(author, 5))

    detect(commit)

    action = ModerationAction.objects.get(action="serial_voting_reversed")
    assert (action.moderator, action.target_type, action.target_id) == (None, "user", author.pk)
    assert action.after["voter_id"] == voter.pk
    assert len(action.after["entry_ids"]) == 5


def test_the_task_is_named_and_runs_hourly():
    assert "moderation.detect_serial_voting" in celery_app.tasks
    schedule = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == detect_serial_voting.name]
    assert [e["schedule"] for e in schedule] == [3600.0]
