import datetime as dt

import pytest
from django.utils import timezone

from forum import services
from forum.models import Answer, Question
from reputation.badges import award_badges
from reputation.models import BadgeAward, LedgerEntry
from tests.factories import UserFactory, make_answer, make_question

pytestmark = pytest.mark.django_db


def held(user) -> set[str]:
    return set(BadgeAward.objects.filter(user=user).values_list("badge", flat=True))


def waited(question, hours: int) -> None:
    Question.objects.filter(pk=question.pk).update(created_at=timezone.now() - dt.timedelta(hours=hours))


def test_helpful_needs_an_answer_scoring_ten():
    helper = UserFactory()
    answer = make_answer(make_question(), author=helper)
    Answer.objects.filter(pk=answer.pk).update(score=9)
    assert "helpful" not in award_badges(helper.pk)

    Answer.objects.filter(pk=answer.pk).update(score=10)

    assert "helpful" in award_badges(helper.pk)
    assert BadgeAward.objects.get(user=helper, badge="helpful").answer == answer


def test_teacher_needs_ten_accepted_answers_from_other_askers():
    helper = UserFactory()
    for i in range(10):
        question = make_question(title=f"Question {i} that needs help now")
        services.answer_accept_toggle(answer=make_answer(question, author=helper), user=question.author)
        if i == 8:
            assert "teacher" not in award_badges(helper.pk)

    assert "teacher" in award_badges(helper.pk)


def test_self_accepted_answers_earn_no_solution_badge():
    asker = UserFactory()
    question = make_question(author=asker)
    services.answer_accept_toggle(answer=make_answer(question, author=asker), user=asker)

    assert held(asker) == set()
    award_badges(asker.pk)
    assert held(asker) == {"first_answer"}


def test_good_neighbour_badge_for_accepted_first_answer_after_48_hours():
    helper = UserFactory()
    quick = make_question(title="Answered within the hour")
    services.answer_accept_toggle(answer=make_answer(quick, author=helper), user=quick.author)
    assert "good_neighbour" not in award_badges(helper.pk)

    slow = make_question(title="Waited three days for anyone")
    waited(slow, 72)
    services.answer_accept_toggle(answer=make_answer(slow, author=helper), user=slow.author)

    assert "good_neighbour" in award_badges(helper.pk)


def test_listener_needs_ten_first_answers_to_questions_that_waited_a_day():
    helper = UserFactory()
    for i in range(10):
        question = make_question(title=f"Lonely question number {i}")
        waited(question, 30)
        make_answer(question, author=helper)
    second = make_question(title="Someone answered this one first")
    waited(second, 30)
    make_answer(second)
    make_answer(second, author=helper)

    assert "listener" in award_badges(helper.pk)


def test_listener_not_for_answers_that_came_after_someone_else():
    helper = UserFactory()
    for i in range(10):
        question = make_question(title=f"Busy question number {i}")
        waited(question, 30)
        make_answer(question)
        make_answer(question, author=helper)

    assert "listener" not in award_badges(helper.pk)


def test_curator_follows_an_approved_edit_line_in_the_ledger():
    editor = UserFactory()
    assert "curator" not in award_badges(editor.pk)
    LedgerEntry.objects.create(
        user=editor,
        amount=2,
        rule="edit_approved",
        rules_version=1,
        occurred_at=timezone.now(),
        idempotency_key="edit_approved:test",
    )

    assert "curator" in award_badges(editor.pk)


def test_awarding_is_idempotent():
    helper = UserFactory()
    make_answer(make_question(), author=helper)

    assert award_badges(helper.pk) == ["first_answer"]
    assert award_badges(helper.pk) == []
    assert BadgeAward.objects.filter(user=helper).count() == 1


def test_badge_checks_are_queued_only_after_lines_that_can_earn_one(
    monkeypatch, django_capture_on_commit_callbacks
):
    """A badge check per vote would double the worker's load; only what can earn a badge asks
    for one: the vote that brings an answer to the helpful score, an acceptance."""
    from reputation import tasks

    checked = []

    def check(user_id):
        checked.append(user_id)
        award_badges(user_id)

    # Queued through queueing.publish at the batch's commit (eager here: apply_async runs it).
    monkeypatch.setattr(tasks.award_badges, "apply_async", lambda args, **options: check(*args))
    asker, helper = UserFactory(), UserFactory()
    question = make_question(author=asker)
    answer = make_answer(question, author=helper)
    Answer.objects.filter(pk=answer.pk).update(score=8)

    def commit(fn, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            fn(**kwargs)

    commit(services.vote_cast, voter=UserFactory(), post=answer, value=1)  # score 9
    commit(services.vote_cast, voter=UserFactory(), post=question, value=1)
    assert checked == []

    commit(services.vote_cast, voter=UserFactory(), post=answer, value=1)  # score 10
    assert checked == [helper.pk]
    assert "helpful" in held(helper)

    commit(services.answer_accept_toggle, answer=answer, user=asker)
    assert checked == [helper.pk, helper.pk]
    assert {"solution", "helpful"} <= held(helper)


def test_votes_on_a_helpful_answer_queue_no_check_once_its_author_holds_the_badge(
    monkeypatch, django_capture_on_commit_callbacks
):
    """A popular answer gets many votes past 10: only the first crossing asks for a check."""
    from reputation import tasks

    checked = []

    def check(user_id):
        checked.append(user_id)
        award_badges(user_id)

    # Queued through queueing.publish at the batch's commit (eager here: apply_async runs it).
    monkeypatch.setattr(tasks.award_badges, "apply_async", lambda args, **options: check(*args))
    helper = UserFactory()
    answer = make_answer(make_question(), author=helper)
    Answer.objects.filter(pk=answer.pk).update(score=9)

    for _ in range(4):  # score 10 (the crossing), then 11, 12, 13
        with django_capture_on_commit_callbacks(execute=True):
            services.vote_cast(voter=UserFactory(), post=answer, value=1)

    assert checked == [helper.pk]
    assert BadgeAward.objects.filter(user=helper, badge="helpful").count() == 1
