from datetime import timedelta

import pytest
from django.db.models import F, Sum
from django.utils import timezone

from forum import demo
from forum.models import Answer, Comment, Question, Revision, Vote
from tests.factories import seed_demo

# One worker under xdist (--dist loadgroup) runs the whole module, so the demo is seeded once.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("seed_demo")]


def snapshot() -> dict:
    return {
        "questions": list(
            Question.objects.order_by("pk").values_list(
                "pk",
                "score",
                "answer_count",
                "comment_count",
                "accepted_answer_id",
                "created_at",
                "last_activity_at",
            )
        ),
        "answers": list(
            Answer.objects.order_by("pk").values_list("pk", "score", "comment_count", "created_at")
        ),
        "comments": list(Comment.objects.order_by("pk").values_list("pk", "created_at")),
        "votes": list(Vote.objects.order_by("pk").values_list("pk", "value", "created_at")),
        "revisions": Revision.objects.count(),
    }


@pytest.fixture(scope="module")
def seeded(build_once):
    """The demo, seeded once for the module (what seed_demo printed). Each test runs in its own
    savepoint, so even running the seed again in a test leaves the next one the same data."""
    return build_once(seed_demo)


def test_the_table_keeps_the_forum_rules():
    demo.check(usernames={"sam", "morgan", "alice", "bob", "carol", "dan", "erin"})


def test_running_twice_changes_nothing(seeded):
    first = snapshot()
    output = seed_demo()
    assert snapshot() == first
    assert "(0 new posts this run)" in output


def test_summary_line(seeded):
    assert (
        f"Demo content: {Question.objects.count()} questions, {Answer.objects.count()} answers, "
        f"{Comment.objects.count()} comments" in seeded
    )


def test_about_thirty_questions_across_exactly_ten_tags(seeded):
    assert 25 <= Question.objects.count() <= 35
    names = set()
    for question in Question.objects.prefetch_related("tags"):
        tags = {tag.name for tag in question.tags.all()}
        assert 1 <= len(tags) <= 3
        names |= tags
    assert len(names) == 10


def test_acceptance_is_shared_between_customers_and_staff(seeded):
    solved = Question.objects.solved().select_related("accepted_answer__author", "author")
    total = Question.objects.count()
    assert total * 0.35 <= solved.count() <= total * 0.65
    accepted_authors = [question.accepted_answer.author for question in solved]
    assert any(not author.is_staff for author in accepted_authors)
    assert sum(author.is_staff for author in accepted_authors) < len(accepted_authors) / 2
    for question in solved:
        assert question.accepted_answer.question_id == question.pk


def test_staff_answer_but_customers_answer_most(seeded):
    staff_answers = Answer.objects.filter(author__is_staff=True).count()
    assert staff_answers > 0
    assert Answer.objects.filter(author__is_staff=False).count() > staff_answers


def test_needs_help_queue_has_questions_with_and_without_answers(seeded):
    needs_help = Question.objects.needs_help()
    assert needs_help.filter(answer_count=0).exists()
    assert needs_help.filter(answer_count__gt=0).exists()
    assert needs_help.count() < Question.objects.count() / 2
    assert set(Question.objects.unanswered()) == set(needs_help.filter(answer_count=0))


def test_scores_and_counters_match_the_rows(seeded):
    for question in Question.objects.all():
        assert question.score == (question.votes.aggregate(s=Sum("value"))["s"] or 0)
        assert question.answer_count == question.answers.count()
        assert question.comment_count == question.comments.count()
    for answer in Answer.objects.all():
        assert answer.score == (answer.votes.aggregate(s=Sum("value"))["s"] or 0)
        assert answer.comment_count == answer.comments.count()
    assert Vote.objects.exists()


def test_nobody_votes_on_their_own_posts(seeded):
    assert not Vote.objects.filter(question__author=F("voter")).exists()
    assert not Vote.objects.filter(answer__author=F("voter")).exists()


def test_timeline_spreads_over_two_months(seeded):
    now = timezone.now()
    oldest = Question.objects.order_by("created_at").first()
    newest = Question.objects.order_by("-created_at").first()
    assert now - timedelta(days=61) < oldest.created_at < now - timedelta(days=50)
    assert newest.created_at > now - timedelta(days=3)
    for answer in Answer.objects.select_related("question"):
        assert answer.question.created_at < answer.created_at <= now
        assert answer.created_at <= answer.question.last_activity_at
    for question in Question.objects.all():
        assert question.created_at <= question.last_activity_at <= now
        assert question.revisions.get(number=1).created_at == question.created_at
    # "Longest waiting" first: the oldest unanswered question is weeks old, the newest a day.
    waiting = list(Question.objects.needs_help().order_by("created_at"))
    assert waiting[0].created_at < now - timedelta(days=14)
    assert waiting[-1].created_at > now - timedelta(days=2)
