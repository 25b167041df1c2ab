"""Denormalised scores stay exact when many people vote at the same moment (PostgreSQL)."""

import pytest
from django.db import connection

from forum import services
from forum.models import Vote
from tests.factories import UserFactory, make_answer, make_question
from tests.integration.helpers import run_concurrently

pytestmark = pytest.mark.django_db(transaction=True)


def test_fifty_concurrent_votes_on_one_post_leave_an_exact_score():
    assert connection.vendor == "postgresql"
    answer = make_answer(make_question())
    voters = [UserFactory(reputation=100) for _ in range(50)]  # enough to vote down
    values = [1 if i % 5 else -1 for i in range(50)]  # 40 up, 10 down

    errors = run_concurrently(
        [
            lambda v=v, value=value: services.vote_cast(voter=v, post=answer, value=value)
            for v, value in zip(voters, values, strict=True)
        ]
    )

    assert errors == []
    answer.refresh_from_db()
    assert answer.score == 30
    assert Vote.objects.filter(answer=answer).count() == 50


def test_one_person_clicking_many_times_at_once_counts_once():
    question = make_question()
    voter = UserFactory()

    errors = run_concurrently(
        [lambda: services.vote_cast(voter=voter, post=question, value=1) for _ in range(10)]
    )

    assert errors == []
    question.refresh_from_db()
    assert question.score == 1
    assert Vote.objects.filter(question=question).count() == 1
