"""The demo seed dates its reputation when its votes and acceptances happened, so the
leaderboard's periods differ, and the ledger it writes reconciles exactly."""

from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from forum.models import Question
from reputation import reconcile
from reputation.models import LedgerEntry, ReputationEvent
from reputation.selectors import leaderboard
from tests.factories import seed_demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the ledger's tasks, as after a commit
        seed_demo()
    assert not ReputationEvent.objects.pending().exists()


def standings(period: str) -> list[tuple[str, int]]:
    return [(row.member.username, row.earned) for row in leaderboard(period)]


def test_the_leaderboard_periods_differ(seeded):
    week, month, all_time = standings("week"), standings("month"), standings("all")

    assert week and month and all_time
    assert len({tuple(week), tuple(month), tuple(all_time)}) == 3
    assert week[0] != all_time[0]  # a different top member, or the same one with a different total
    assert sum(earned for _, earned in week) < sum(earned for _, earned in month)
    assert sum(earned for _, earned in month) < sum(earned for _, earned in all_time)


def test_lines_are_dated_when_their_votes_and_acceptances_happened(seeded):
    now = timezone.now()
    votes = LedgerEntry.objects.filter(vote__isnull=False)
    assert votes.exists()
    assert not votes.exclude(occurred_at=F("vote__updated_at")).exists()
    oldest, newest = LedgerEntry.objects.order_by("occurred_at"), LedgerEntry.objects.order_by("-occurred_at")
    assert oldest.first().occurred_at < now - timedelta(days=50)
    assert newest.first().occurred_at > now - timedelta(days=3)
    for entry in LedgerEntry.objects.filter(rule="answer_accepted").select_related("answer__question"):
        assert entry.answer.created_at < entry.occurred_at <= entry.answer.question.last_activity_at
    knowledge = LedgerEntry.objects.filter(rule="answer_became_knowledge").select_related("answer__question")
    assert knowledge.exists()
    for entry in knowledge:
        assert entry.answer.question.last_activity_at < entry.occurred_at < now - timedelta(days=7)


def test_the_demo_ledger_reconciles_exactly_and_a_second_seed_writes_nothing(
    seeded, django_capture_on_commit_callbacks
):
    assert reconcile.check().drift == 0
    lines = LedgerEntry.objects.count()
    activity = list(Question.objects.order_by("pk").values_list("last_activity_at", flat=True))

    with django_capture_on_commit_callbacks(execute=True):
        seed_demo()

    assert LedgerEntry.objects.count() == lines
    assert list(Question.objects.order_by("pk").values_list("last_activity_at", flat=True)) == activity
    assert reconcile.check().drift == 0
