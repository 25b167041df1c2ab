import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from forum import services
from forum.models import Answer, Comment, Question, Revision, Vote
from tests.factories import StaffFactory, UserFactory, make_answer, make_question

pytestmark = pytest.mark.django_db


def test_asking_renders_markdown_and_records_the_first_revision():
    question = make_question(body="Steps:\n\n1. **Unplug** it\n2. Wait")

    assert "<strong>Unplug</strong>" in question.body_html
    assert list(question.tags.names()) == ["wifi"]
    revision = Revision.objects.get(question=question)
    assert revision.number == 1
    assert revision.tags == "wifi"


def test_same_submission_token_creates_one_question():
    author = UserFactory()
    token = uuid.uuid4()

    first = make_question(author=author, submission_token=token)
    second = make_question(author=author, submission_token=token)

    assert first.pk == second.pk
    assert Question.objects.count() == 1


def test_answer_bumps_answer_count_and_activity():
    question = make_question()
    before = question.last_activity_at

    make_answer(question)

    question.refresh_from_db()
    assert question.answer_count == 1
    assert question.last_activity_at > before


def test_vote_cast_change_and_retract_keep_score_exact():
    answer = make_answer(make_question())
    voter = UserFactory(reputation=100)  # enough to vote down

    services.vote_cast(voter=voter, post=answer, value=1)
    answer.refresh_from_db()
    assert answer.score == 1

    services.vote_cast(voter=voter, post=answer, value=-1)
    answer.refresh_from_db()
    assert answer.score == -1

    services.vote_cast(voter=voter, post=answer, value=0)
    answer.refresh_from_db()
    assert answer.score == 0
    # The row is kept (retracted), so history is not lost; one row per voter per post.
    assert Vote.objects.get(voter=voter, answer=answer).value == 0

    services.vote_cast(voter=voter, post=answer, value=1)
    services.vote_cast(voter=voter, post=answer, value=1)
    answer.refresh_from_db()
    assert answer.score == 1
    assert Vote.objects.filter(voter=voter, answer=answer).count() == 1


def test_nobody_votes_on_their_own_post():
    question = make_question()

    with pytest.raises(PermissionDenied):
        services.vote_cast(voter=question.author, post=question, value=1)


def test_invalid_vote_value_is_refused():
    question = make_question()

    with pytest.raises(ValidationError):
        services.vote_cast(voter=UserFactory(), post=question, value=2)


def test_staff_vote_counts_exactly_one():
    question = make_question()

    services.vote_cast(voter=StaffFactory(), post=question, value=1)

    question.refresh_from_db()
    assert question.score == 1


def test_only_the_asker_accepts_one_answer_at_a_time_and_can_change_or_toggle_it():
    question = make_question()
    first, second = make_answer(question), make_answer(question)

    with pytest.raises(PermissionDenied):
        services.answer_accept_toggle(answer=first, user=first.author)

    assert services.answer_accept_toggle(answer=first, user=question.author) is True
    question.refresh_from_db()
    assert question.accepted_answer == first

    assert services.answer_accept_toggle(answer=second, user=question.author) is True
    question.refresh_from_db()
    assert question.accepted_answer == second

    assert services.answer_accept_toggle(answer=second, user=question.author) is False
    question.refresh_from_db()
    assert question.accepted_answer is None


def test_staff_cannot_accept_on_someone_elses_question():
    answer = make_answer(make_question())

    with pytest.raises(PermissionDenied):
        services.answer_accept_toggle(answer=answer, user=StaffFactory())


def test_edit_records_a_revision_and_unchanged_edit_records_none():
    question = make_question()

    revision = services.question_edit(
        question=question,
        editor=question.author,
        title="How do I reset my router without losing settings?",
        body=question.body,
        tags=["wifi", "router"],
        summary="clearer title",
    )
    assert revision.number == 2
    assert revision.summary == "clearer title"
    question.refresh_from_db()
    assert question.edited_at is not None
    assert question.slug == "how-do-i-reset-my-router-without-losing-settings"
    assert sorted(question.tags.names()) == ["router", "wifi"]

    assert (
        services.question_edit(
            question=question,
            editor=question.author,
            title=question.title,
            body=question.body,
            tags=["router", "wifi"],
        )
        is None
    )


def test_only_the_author_edits_for_now_staff_included():
    question = make_question()

    with pytest.raises(PermissionDenied):
        services.question_edit(
            question=question, editor=StaffFactory(), title="x" * 20, body="y" * 30, tags=["a"]
        )


def test_rollback_restores_old_content_as_a_new_revision():
    answer = make_answer(make_question(), body="The first version of this answer.")
    services.answer_edit(answer=answer, editor=answer.author, body="A second, worse version of the answer.")
    first = Revision.objects.get(answer=answer, number=1)

    revision = services.revision_rollback(revision=first, editor=answer.author)

    answer.refresh_from_db()
    assert answer.body == "The first version of this answer."
    assert revision.number == 3
    assert revision.summary == "Rolled back to revision 1"
    assert Revision.objects.filter(answer=answer).count() == 3


def test_comments_count_on_their_post_and_touch_the_question():
    question = make_question()
    answer = make_answer(question)

    services.comment_create(post=question, author=UserFactory(), body="Which model?")
    services.comment_create(post=answer, author=UserFactory(), body="Worked for me.")

    question.refresh_from_db()
    answer.refresh_from_db()
    assert question.comment_count == 1
    assert answer.comment_count == 1
    assert Comment.objects.count() == 2


def test_unanswered_means_no_answer_and_needs_help_no_accepted_and_no_answer_above_zero():
    waiting = make_question(title="Nobody has answered this one yet")
    zero = make_question(title="An answer exists but nobody found it useful")
    make_answer(zero)
    helped = make_question(title="Somebody found an answer useful here")
    services.vote_cast(voter=UserFactory(), post=make_answer(helped), value=1)
    solved = make_question(title="The asker accepted an answer here")
    services.answer_accept_toggle(answer=make_answer(solved), user=solved.author)

    assert set(Question.objects.unanswered()) == {waiting}
    assert set(Question.objects.needs_help()) == {waiting, zero}
    assert set(Question.objects.solved()) == {solved}
    assert Answer.objects.count() == 3
