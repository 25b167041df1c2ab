"""Needs help (/questions/?sort=waiting): longest-waiting first, and nothing but the time a
question was asked decides its place."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from accounts.models import User
from forum import selectors
from forum.models import Answer, Question
from insights import services
from notifications.models import QuestionWatch
from tests.factories import StaffFactory, UserFactory, make_answer, make_question

pytestmark = pytest.mark.django_db


def _asked(question, days_ago: float) -> Question:
    Question.objects.filter(pk=question.pk).update(created_at=timezone.now() - dt.timedelta(days=days_ago))
    return question


def _listed(client) -> list[int]:
    body = client.get("/questions/?sort=waiting").content.decode()
    return [int(pk) for pk in re.findall(r'class="question-title"><a href="/questions/(\d+)/', body)]


def test_needs_help_lists_only_questions_without_an_accepted_or_helpful_answer(client):
    waiting = _asked(make_question(title="Nobody has answered this one yet"), 3)
    unhelped = _asked(make_question(title="Answered but nobody found it useful"), 2)
    make_answer(unhelped)
    helped = _asked(make_question(title="Answered with an up-voted answer"), 1)
    Answer.objects.filter(pk=make_answer(helped).pk).update(score=1)
    solved = make_question(title="Answered and the answer was accepted")
    Question.objects.filter(pk=solved.pk).update(accepted_answer=make_answer(solved))

    assert _listed(client) == [waiting.pk, unhelped.pk]


def test_needs_help_shows_the_wait_and_the_me_too_count(client):
    question = _asked(make_question(title="Bill shows a charge I do not know"), 3)
    for _ in range(2):
        services.me_too_toggle(user=UserFactory(), question=question)

    body = client.get("/questions/?sort=waiting").content.decode()

    assert "Questions that need help" in body
    assert "waiting 3\xa0days" in body
    assert "2 people have this too" in body


def test_asker_reputation_staff_status_and_following_never_change_the_order(client):
    oldest = _asked(make_question(title="Oldest question from a newcomer"), 30)
    middle = _asked(make_question(title="Middle question from a newcomer"), 20)
    newest = _asked(make_question(title="Newest question from a celebrity"), 1)
    expected = [oldest.pk, middle.pk, newest.pk]
    assert _listed(client) == expected

    # Everything that could buy a better place, heaped on the newest question's asker.
    User.objects.filter(pk=newest.author_id).update(reputation=10_000, is_staff=True)
    Question.objects.filter(pk=newest.pk).update(score=50, view_count=10_000, last_activity_at=timezone.now())
    for _ in range(12):
        follower = UserFactory()
        QuestionWatch.objects.create(user=follower, question=newest, source=QuestionWatch.Source.MANUAL)
        services.me_too_toggle(user=UserFactory(), question=newest)
    # ... and a staff member asking in the middle.
    staff_question = _asked(make_question(author=StaffFactory(), title="Question from a staff member"), 10)

    assert _listed(client) == [oldest.pk, middle.pk, staff_question.pk, newest.pk]
    assert list(selectors.question_list(sort="waiting").values_list("pk", flat=True)) == [
        oldest.pk,
        middle.pk,
        staff_question.pk,
        newest.pk,
    ]


def test_questions_asked_at_the_same_moment_keep_the_order_they_were_posted_in(client):
    moment = timezone.now() - dt.timedelta(days=2)
    first = make_question(title="First of two at the same time")
    second = make_question(title="Second of two at the same time")
    Question.objects.filter(pk__in=[first.pk, second.pk]).update(created_at=moment)
    User.objects.filter(pk=second.author_id).update(reputation=10_000, is_staff=True)

    assert _listed(client) == [first.pk, second.pk]


def test_needs_help_list_stays_within_8_queries(client, django_assert_max_num_queries):
    client.force_login(UserFactory())
    for i in range(25):
        question = make_question(title=f"Waiting question number {i}", tags=["billing", f"t{i}"])
        services.me_too_toggle(user=UserFactory(), question=question)

    with django_assert_max_num_queries(8):
        assert client.get("/questions/?sort=waiting").status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get("/tags/billing/?sort=waiting").status_code == 200
